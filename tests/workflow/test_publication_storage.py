"""Published scorecards and letter downloads are kept as recorded (issue 18 item 6).

On SQLite (also from a console, with REPLACE) and PostgreSQL (also TRUNCATE): the database
refuses to change, delete or replace a publication or a download, and a month is published
once. The guards come off with a downgrade to 0007 and back with the upgrade.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine
from sqlmodel import Session, select

from letters.models import Letter, LetterDownload
from tests.workflow.factories import ASSESSMENT, record_all
from workflow import migrate
from workflow.models import ScorecardPublication

Clock = Callable[[], datetime]
CONSOLE_ERRORS = (sqlite3.DatabaseError, psycopg.DatabaseError)
AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
FIGURES = {"ehcp_20_weeks": {"value": 50.0, "numerator": 1, "denominator": 2}}


def console(engine: Engine, sql: str) -> None:
    """Run one statement as a console user would (SQLite: foreign keys and recursive
    triggers off), committing it."""
    if engine.dialect.name == "sqlite":
        conn = sqlite3.connect(str(engine.url.database), isolation_level=None)
        try:
            conn.execute(sql)
        finally:
            conn.close()
        return
    raw = engine.raw_connection()
    try:
        raw.cursor().execute(sql)
        raw.commit()
    finally:
        raw.rollback()
        raw.close()


def publish(session: Session, month: str = "2026-11") -> None:
    session.add(
        ScorecardPublication(
            month=month,
            published_at=AT,
            published_by="scheduler",
            as_of=date(2026, 12, 1),
            figures=FIGURES,
        )
    )
    session.commit()


def download(session: Session, clock: Clock) -> int:
    """Record the case's first letter as downloaded twice; return the letter's id."""
    letter = session.exec(select(Letter)).first()
    assert letter is not None and letter.id is not None
    for how in ("web", "cli"):
        session.add(
            LetterDownload(
                case_id=letter.case_id,
                letter_id=letter.id,
                downloaded_at=clock(),
                downloaded_by="officer.a",
                how=how,
            )
        )
    session.commit()
    return letter.id


def _replace(engine: Engine, table: str, columns: str, changed: str, value: str) -> str:
    rewritten = columns.replace(f"{changed},", f"{value},", 1)
    if engine.dialect.name == "sqlite":
        return f"INSERT OR REPLACE INTO {table} ({columns}) SELECT {rewritten} FROM {table}"
    return (
        f"INSERT INTO {table} ({columns}) SELECT {rewritten} FROM {table} "
        f"ON CONFLICT (id) DO UPDATE SET {changed} = EXCLUDED.{changed}"
    )


PUBLICATION_COLUMNS = "id, month, published_at, published_by, as_of, figures"
DOWNLOAD_COLUMNS = "id, case_id, letter_id, downloaded_at, downloaded_by, how"


def test_a_publication_is_stored_as_published(session: Session) -> None:
    publish(session)
    session.expire_all()
    row = session.exec(select(ScorecardPublication)).one()
    assert (row.month, row.published_by, row.as_of, row.figures) == (
        "2026-11",
        "scheduler",
        date(2026, 12, 1),
        FIGURES,
    )
    assert row.published_at == AT and row.published_at.utcoffset() is not None


def test_a_month_is_published_once(session: Session, engine: Engine) -> None:
    publish(session)
    with pytest.raises(sa.exc.DatabaseError):
        publish(session)
    session.rollback()
    publish(session, "2026-10")  # another month is a publication of its own
    with engine.connect() as conn:
        months = conn.execute(sa.text("SELECT month FROM scorecard_publications ORDER BY month"))
        assert list(months.scalars()) == ["2026-10", "2026-11"]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE scorecard_publications SET figures = '{}'",
        "UPDATE scorecard_publications SET month = '2026-10'",
        "DELETE FROM scorecard_publications",
        "replace",
        "TRUNCATE scorecard_publications",
    ],
)
def test_the_database_refuses_to_change_a_publication(
    session: Session, engine: Engine, sql: str
) -> None:
    publish(session)
    if sql == "replace":
        sql = _replace(engine, "scorecard_publications", PUBLICATION_COLUMNS, "published_by", "'x'")
    if sql.startswith("TRUNCATE") and engine.dialect.name == "sqlite":
        sql = "DELETE FROM scorecard_publications WHERE id > 0"
    with pytest.raises(CONSOLE_ERRORS, match="append-only"):
        console(engine, sql)
    session.expire_all()
    row = session.exec(select(ScorecardPublication)).one()
    assert (row.month, row.published_by, row.figures) == ("2026-11", "scheduler", FIGURES)


def test_sqlite_replace_by_month_is_refused(session: Session, engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no INSERT OR REPLACE; the unique month refuses it")
    publish(session)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        console(
            engine,
            "INSERT OR REPLACE INTO scorecard_publications "
            "(month, published_at, published_by, as_of, figures) "
            "VALUES ('2026-11', '2026-12-02 00:00:00', 'someone', '2026-12-02', '{}')",
        )


def test_each_download_is_a_row_of_its_own(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="D1", events=ASSESSMENT[:1], clock=clock)
    letter_id = download(session, clock)
    session.expire_all()
    rows = session.exec(select(LetterDownload).order_by(LetterDownload.id)).all()  # type: ignore[arg-type]
    assert [(r.letter_id, r.how, r.downloaded_by) for r in rows] == [
        (letter_id, "web", "officer.a"),
        (letter_id, "cli", "officer.a"),
    ]
    assert all(r.downloaded_at == clock() for r in rows)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE letter_downloads SET downloaded_by = 'someone else'",
        "DELETE FROM letter_downloads",
        "replace",
        "TRUNCATE letter_downloads",
    ],
)
def test_the_database_refuses_to_change_a_download(
    session: Session, engine: Engine, clock: Clock, sql: str
) -> None:
    record_all(session=session, case_ref="D1", events=ASSESSMENT[:1], clock=clock)
    download(session, clock)
    if sql == "replace":
        sql = _replace(engine, "letter_downloads", DOWNLOAD_COLUMNS, "downloaded_by", "'x'")
    if sql.startswith("TRUNCATE") and engine.dialect.name == "sqlite":
        sql = "DELETE FROM letter_downloads WHERE id > 0"
    with pytest.raises(CONSOLE_ERRORS, match="append-only"):
        console(engine, sql)
    with engine.connect() as conn:
        who = conn.execute(sa.text("SELECT downloaded_by FROM letter_downloads ORDER BY id"))
        assert list(who.scalars()) == ["officer.a", "officer.a"]


def _tables_and_guards(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        if engine.dialect.name == "sqlite":
            sql = (
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
                "(name LIKE 'scorecard_publications_%' OR name LIKE 'letter_downloads_%')"
            )
        else:
            sql = (
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'scorecard_publications_%' "
                "OR tgname LIKE 'letter_downloads_%'"
            )
        guards = int(conn.execute(sa.text(sql)).scalar_one())
    ours = {"scorecard_publications", "letter_downloads"}
    return len(ours & set(tables)), guards


def test_the_downgrade_removes_the_tables_and_the_upgrade_restores_them(engine: Engine) -> None:
    expected = (2, 6 if engine.dialect.name == "sqlite" else 4)
    assert _tables_and_guards(engine) == expected
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    assert (migrate.current(engine), _tables_and_guards(engine)) == ("0007", (0, 0))
    migrate.upgrade(engine)
    assert (migrate.current(engine), _tables_and_guards(engine)) == (migrate.head(), expected)
