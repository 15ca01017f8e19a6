"""Fast bulk inserts for imports: many rows into one table, inside the caller's transaction;
and `chunks`, for reading or writing many rows a bounded number at a time.

SQLAlchemy's `session.execute(insert(Model), rows)` spends most of its time per row
in Python (compiling parameters, grouping keys), about three times the database's
own work. Here each column's value goes through the column type's own bind
processor (so the stored form is exactly what SQLAlchemy would write), then the
rows go to the driver at once: `executemany` on SQLite, `COPY` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any]
T = TypeVar("T")


def insert_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, ids left to the database) into `table`."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [_processor(table.c[name].type, dialect) for name in names]
    values = [
        _convert(processor, [row[name] for row in rows])
        for name, processor in zip(names, processors, strict=True)
    ]
    params = list(zip(*values, strict=True))
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    quoted = dialect.identifier_preparer.format_table(table)
    if dialect.name == "postgresql":
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {quoted} ({columns}) FROM STDIN") as copy:
            for param in params:
                copy.write_row(param)
        cursor.close()
        return
    marks = ", ".join("?" * len(names)) if dialect.paramstyle == "qmark" else None
    if marks is None:
        raise NotImplementedError(f"bulk insert on {dialect.name} ({dialect.paramstyle})")
    connection.exec_driver_sql(f"INSERT INTO {quoted} ({columns}) VALUES ({marks})", params)


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    """`items` in runs of at most `size` (an `IN (...)` list, a batch held in memory)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _processor(column_type: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Processor | None:
    processor: Processor | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _convert(processor: Processor | None, column: list[Any]) -> list[Any]:
    """One column's values as the driver takes them; repeated values are converted once."""
    if processor is None:
        return column
    seen: dict[Any, Any] = {}
    out = []
    for value in column:
        try:
            converted = seen.get(value, _MISSING)
        except TypeError:  # unhashable (a JSON dict): convert it every time
            out.append(processor(value))
            continue
        if converted is _MISSING:
            converted = seen[value] = processor(value)
        out.append(converted)
    return out


_MISSING = object()
