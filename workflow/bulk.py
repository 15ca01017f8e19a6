"""Fast bulk inserts for imports: many rows into one table, inside the caller's transaction;
and `chunks`, for reading or writing many rows a bounded number at a time.

SQLAlchemy's `session.execute(insert(Model), rows)` spends most of its time per row
in Python (compiling parameters, grouping keys), about three times the database's
own work. Here each column's value goes through the column type's own bind
processor (so the stored form is exactly what SQLAlchemy would write), then the
rows go to the driver at once: `executemany` on SQLite, `COPY` on PostgreSQL.

A row the database refuses (a reference another transaction took first, a value
longer than its column) raises `RowRefused` with the row itself and its place, on
both databases, so the caller can name the line of the file it came from. Too-long
text is refused here before the database sees it, as SQLite would store it.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any]
T = TypeVar("T")

# What a refused row broke (`RowRefused.kind`).
DUPLICATE = "duplicate"  # a unique key (a case reference) already stored
TOO_LONG = "too long"  # text longer than its column
MISSING = "missing"  # a required column without a value
OTHER = "other"  # anything else the database refused about the row's data

_PG_KINDS = {"23505": DUPLICATE, "22001": TOO_LONG, "23502": MISSING}
_PG_REFUSALS = ("22", "23")  # SQLSTATE classes: data exception, integrity violation
# SQLite's extended codes; its append-only triggers refuse a row that would replace a
# stored case or event (migration 0005), which is a duplicate key too.
_SQLITE_KINDS = {
    "SQLITE_CONSTRAINT_UNIQUE": DUPLICATE,
    "SQLITE_CONSTRAINT_PRIMARYKEY": DUPLICATE,
    "SQLITE_CONSTRAINT_TRIGGER": DUPLICATE,
    "SQLITE_CONSTRAINT_NOTNULL": MISSING,
}
_COPY_LINE = re.compile(r"COPY [^,]+, line (\d+)(?:, column (\w+))?")
_SQLITE_FAILED = re.compile(r"constraint failed: \w+\.(\w+)$")


class RowRefused(Exception):
    """The database refused a row of `insert_rows`: nothing of the insert is usable and
    the transaction must be rolled back.

    `row` is the refused row as given (None when the database did not say which one,
    as for a foreign key checked at the end), `index` its place in the rows, `column`
    the column at fault when known, `kind` one of DUPLICATE, TOO_LONG, MISSING, OTHER.
    The message holds no values from the row (it may hold personal data).
    """

    def __init__(
        self,
        table: str,
        *,
        kind: str,
        index: int | None = None,
        row: dict[str, Any] | None = None,
        column: str | None = None,
        limit: int | None = None,
        code: str | None = None,
    ) -> None:
        self.table, self.kind, self.index, self.row = table, kind, index, row
        self.column, self.limit, self.code = column, limit, code
        where = f"row {index + 1}" if index is not None else "a row"
        about = f", column {column}" if column else ""
        super().__init__(f"{table}: {where}{about} refused ({kind}{f', {code}' if code else ''})")


def insert_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, ids left to the database) into `table`.

    Raises `RowRefused` if the database refuses a row (the transaction is then unusable).
    """
    if rows:
        _insert(session.connection(), table, rows)


def new_ids(session: Session, table: sa.Table, count: int) -> list[int]:
    """`count` ids for new rows of `table` (its integer key `id`), in increasing order,
    taken before the rows are written (so rows that refer to them can be made first).

    PostgreSQL takes them from the column's sequence; SQLite follows the largest id,
    as it would itself: its transactions begin IMMEDIATE, so no other writer can take
    the same ones meanwhile (`workflow.db`)."""
    if count == 0:
        return []
    connection = session.connection()
    name = table.name
    if connection.dialect.name == "postgresql":
        taken = connection.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": name, "n": count},
        )
        return sorted(int(i) for i in taken.scalars())
    largest = connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    return list(range(largest + 1, largest + 1 + count))


class Writer:
    """Bulk inserts run in the order given while the caller works out the next rows.

    On PostgreSQL a thread runs them on the session's connection, in its transaction:
    the server's share of a COPY (indexes, foreign-key checks: most of its time) then
    overlaps the caller's replaying; the thread waits on the socket without the GIL.
    The caller must not use the session inside the `with` block. On SQLite (whose work
    runs in this process anyway) each insert runs at once.

    A refusal (`RowRefused`) or other failure stops the writer; it is raised by the next
    `insert` or when the block ends, and the transaction must then be rolled back.
    """

    def __init__(self, session: Session) -> None:
        self._connection = session.connection()
        self._threaded = self._connection.dialect.name == "postgresql"
        self._jobs: queue.SimpleQueue[tuple[sa.Table, Sequence[dict[str, Any]]] | None]
        self._jobs = queue.SimpleQueue()
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._stop()
        if kind is None and self._failure is not None:
            raise self._failure

    def insert(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        if self._failure is not None:
            self._stop()
            raise self._failure
        if not rows:
            return
        if not self._threaded:
            _insert(self._connection, table, rows)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="bulk-writer", daemon=True)
            self._thread.start()
        self._jobs.put((table, rows))

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._failure is None:  # after a failure, only drain the queue
                try:
                    _insert(self._connection, *job)
                except BaseException as e:  # noqa: BLE001 - raised in the caller's thread
                    self._failure = e

    def _stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None


def _insert(connection: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    dialect = connection.dialect
    names = list(rows[0])
    raw = [[row[name] for row in rows] for name in names]
    _check_lengths(table, names, raw, rows)
    if dialect.name == "postgresql":
        data = "".join([f"{line}\n" for line in _copy_lines(table, dialect, names, raw)])
        _copy(connection, table, _copy_statement(dialect, table, names), data, rows)
        return
    values = [
        _convert(table.c[name].type, dialect, column)
        for name, column in zip(names, raw, strict=True)
    ]
    _executemany(connection, table, names, list(zip(*values, strict=True)), rows)


def _copy_statement(dialect: sa.Dialect, table: sa.Table, names: Sequence[str]) -> str:
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    return f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"


def _executemany(
    connection: sa.Connection,
    table: sa.Table,
    names: Sequence[str],
    params: list[tuple[Any, ...]],
    rows: Sequence[dict[str, Any]],
) -> None:
    """SQLite: the rows' bound values into `table`; a refused row raises `RowRefused`
    with `rows[i]`, the row as the caller knows it."""
    dialect = connection.dialect
    if dialect.paramstyle != "qmark":
        raise NotImplementedError(f"bulk insert on {dialect.name} ({dialect.paramstyle})")
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    quoted = dialect.identifier_preparer.format_table(table)
    marks = ", ".join("?" * len(names))
    driver: Any = connection.connection.dbapi_connection
    # New rows take rowids past the largest (the database's own, or `new_ids`).
    largest = driver.execute(f"SELECT max(rowid) FROM {quoted}").fetchone()[0] or 0
    try:
        connection.exec_driver_sql(f"INSERT INTO {quoted} ({columns}) VALUES ({marks})", params)
    except sa.exc.IntegrityError as e:
        # executemany runs row by row: the rows before the refused one went in. They are
        # counted in the table: the connection's change count also counts what triggers
        # changed (the queue version, migration 0016).
        index = driver.execute(
            f"SELECT count(*) FROM {quoted} WHERE rowid > ?", (largest,)
        ).fetchone()[0]
        code = str(getattr(e.orig, "sqlite_errorname", ""))
        failed = _SQLITE_FAILED.search(str(e.orig))
        raise RowRefused(
            table.name,
            kind=_SQLITE_KINDS.get(code, OTHER),
            index=index if index < len(rows) else None,
            row=rows[index] if index < len(rows) else None,
            column=failed.group(1) if failed else None,
            code=code,
        ) from e


# -- rows made ready in another process ------------------------------------------------

CASE_ID = "case_id"


@dataclass(frozen=True)
class Prepared:
    """Rows of one table made ready for the driver in another process (an import's
    workers, `workflow.import_workers`): checked and converted as `insert_rows` would,
    all but their case id, known only when they are written (`insert_prepared`).

    `rows`: on SQLite a tuple of bound values a row, on PostgreSQL a line of COPY text
    (without its newline); `counts`: how many rows each case has, in the cases' order.
    """

    names: tuple[str, ...]  # the columns after the case id
    rows: list[Any]
    counts: list[int]


def prepare_rows(
    table: sa.Table, dialect: sa.Dialect, per_case: Sequence[Sequence[dict[str, Any]]]
) -> Prepared:
    """Each case's rows of `table` (dicts whose first key is `case_id`, its value a
    stand-in), checked and converted. Too-long text raises `RowRefused`."""
    flat = [row for rows in per_case for row in rows]
    counts = [len(rows) for rows in per_case]
    if not flat:
        return Prepared((), [], counts)
    names = [name for name in flat[0] if name != CASE_ID]
    raw = [[row[name] for row in flat] for name in names]
    _check_lengths(table, names, raw, flat)
    if dialect.name == "postgresql":
        return Prepared(tuple(names), _copy_lines(table, dialect, names, raw), counts)
    values = [
        _convert(table.c[name].type, dialect, column)
        for name, column in zip(names, raw, strict=True)
    ]
    return Prepared(tuple(names), list(zip(*values, strict=True)), counts)


def insert_prepared(
    session: Session, table: sa.Table, prepared: Prepared, case_ids: Sequence[int]
) -> None:
    """Insert prepared rows, each case's with its id (`case_ids`, in the cases' order).
    A refused row raises `RowRefused` with its case id and, on an event, its sequence."""
    if not prepared.rows:
        return
    connection = session.connection()
    owners = [
        case_id for case_id, count in zip(case_ids, prepared.counts, strict=True)
        for _ in range(count)
    ]  # fmt: skip
    names = (CASE_ID, *prepared.names)
    if connection.dialect.name == "postgresql":
        data = "".join([f"{o}\t{line}\n" for o, line in zip(owners, prepared.rows, strict=True)])
        found = _PreparedRows(names, owners, prepared.rows, copy_text=True)
        _copy(connection, table, _copy_statement(connection.dialect, table, names), data, found)
        return
    params = [(o, *values) for o, values in zip(owners, prepared.rows, strict=True)]
    _executemany(connection, table, names, params, _PreparedRows(names, owners, prepared.rows))


class _PreparedRows(Sequence[dict[str, Any]]):
    """Prepared rows as dicts, made only for the one a refusal names."""

    def __init__(
        self, names: tuple[str, ...], owners: list[int], rows: list[Any], *, copy_text: bool = False
    ) -> None:
        self._names, self._owners, self._rows, self._copy_text = names, owners, rows, copy_text

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        values = self._rows[index]
        if self._copy_text:  # COPY text: whole numbers (an event's sequence) as numbers
            values = [int(v) if v.isdigit() else v for v in values.split("\t")]
        return dict(zip(self._names, (self._owners[index], *values), strict=True))


def _copy_lines(
    table: sa.Table, dialect: sa.Dialect, names: list[str], columns: list[list[Any]]
) -> list[str]:
    """The rows in COPY's text format, a line each (no newline), built a column at a time
    (each distinct value formatted once): about half the CPU of psycopg's `write_row` a
    row at a time (0.31 s against 0.60 s for 70,000 event rows). Values are bound as
    SQLAlchemy binds them (a JSON column through the dialect's JSON serializer, as its
    own bind processor does)."""
    serialise = getattr(dialect, "_json_serializer", None) or json.dumps
    texts = []
    for name, column in zip(names, columns, strict=True):
        column_type = table.c[name].type
        if isinstance(column_type, sa.JSON):
            null = column_type.none_as_null  # else None is JSON's null, as SQLAlchemy writes it
            empty = _escape(serialise({}))  # most events have no fields of their own
            texts.append(
                [
                    _NULL if v is None and null else empty if v == {} else _escape(serialise(v))
                    for v in column
                ]
            )
        else:
            texts.append(_column_text(_processor(column_type, dialect), column))
    return list(map("\t".join, zip(*texts, strict=True)))


def _column_text(processor: Processor | None, column: list[Any]) -> list[str]:
    """One column's values in COPY's text format; a repeated value is written once."""
    seen: dict[Any, str] = {}
    out = []
    for value in column:
        text = seen.get(value)
        if text is None:
            text = seen[value] = _text(processor(value) if processor else value)
        out.append(text)
    return out


_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


def _text(value: Any) -> str:
    """A bound value as COPY's text format writes it."""
    if value is None:
        return _NULL
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, dt.date | dt.time):  # datetimes with their offset
        return value.isoformat()
    raise TypeError(f"bulk insert: no COPY text for {type(value).__name__}")


def _copy(
    connection: sa.Connection,
    table: sa.Table,
    statement: str,
    data: str,
    rows: Sequence[dict[str, Any]],
) -> None:
    """COPY the rows in through psycopg, in the connection's transaction."""
    import psycopg  # only PostgreSQL comes here

    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            copy.write(data)
    except psycopg.Error as e:
        code = e.diag.sqlstate or ""
        if not code.startswith(_PG_REFUSALS):
            raise
        # The row and column come from the error's context: "COPY events, line 3, column x".
        where = _COPY_LINE.search(e.diag.context or "")
        index = int(where.group(1)) - 1 if where else None
        column = (where.group(2) if where else None) or e.diag.column_name
        raise RowRefused(
            table.name,
            kind=_PG_KINDS.get(code, OTHER),
            index=index,
            row=rows[index] if index is not None and index < len(rows) else None,
            column=column,
            limit=_limit(table, column),
            code=code,
        ) from e
    finally:
        cursor.close()


def _check_lengths(
    table: sa.Table, names: list[str], columns: list[list[Any]], rows: Sequence[dict[str, Any]]
) -> None:
    """Refuse text longer than its column, as PostgreSQL does and SQLite does not."""
    for name, column in zip(names, columns, strict=True):
        limit = _limit(table, name)
        if limit is None or max(map(len, filter(None, column)), default=0) <= limit:
            continue
        index = next(i for i, value in enumerate(column) if value and len(value) > limit)
        raise RowRefused(
            table.name, kind=TOO_LONG, index=index, row=rows[index], column=name, limit=limit
        )


def _limit(table: sa.Table, name: str | None) -> int | None:
    if name is None or name not in table.c:
        return None
    limit = getattr(table.c[name].type, "length", None)  # String(n), sqlmodel's AutoString(n)
    return limit if isinstance(limit, int) else None


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    """`items` in runs of at most `size` (an `IN (...)` list, a batch held in memory)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _processor(column_type: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Processor | None:
    processor: Processor | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _convert(
    column_type: sa.types.TypeEngine[Any], dialect: sa.Dialect, column: list[Any]
) -> list[Any]:
    """One column's values as the driver takes them; repeated values are converted once."""
    processor = _processor(column_type, dialect)
    if processor is None:
        return column
    if isinstance(column_type, sa.JSON):  # dicts: unhashable, each converted
        return [processor(value) for value in column]
    seen: dict[Any, Any] = {}
    out = []
    for value in column:
        converted = seen.get(value, _MISSING)
        if converted is _MISSING:
            converted = seen[value] = processor(value)
        out.append(converted)
    return out


_MISSING = object()
