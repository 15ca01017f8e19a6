"""The audit trail cannot be rewritten: the database refuses to change or delete events."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from tests.workflow.factories import ASSESSMENT, record_all


def test_stored_events_cannot_be_updated(session: Session, engine: Engine, clock) -> None:
    record_all(session=session, case_ref="S1", events=ASSESSMENT[:2], clock=clock)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE events SET date = '2024-01-01'"))
    with engine.connect() as conn:
        dates = conn.execute(sa.text("SELECT date FROM events ORDER BY sequence")).scalars()
        assert [str(d) for d in dates] == ["2024-01-08", "2024-02-12"]


def test_stored_events_cannot_be_deleted(session: Session, engine: Engine, clock) -> None:
    record_all(session=session, case_ref="S1", events=ASSESSMENT[:2], clock=clock)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM events"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM events")).scalar() == 2


def test_timestamps_are_utc_aware(session: Session, clock) -> None:
    result = record_all(session=session, case_ref="S1", events=ASSESSMENT[:1], clock=clock)
    session.expire_all()
    from workflow.models import StoredEvent

    row = session.get(StoredEvent, result.event.id)
    assert row is not None
    assert row.recorded_at == clock()
    assert row.recorded_at.utcoffset() is not None
