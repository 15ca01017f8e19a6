"""No log line carries SQL parameters (issue 17 item 5): children's names, notes and
emails travel as parameters, so every engine hides them, on both databases."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

SECRET = "Child Secretname 4711"


def test_a_failing_statement_logs_no_parameter_values(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # as echo=True would log
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT :name"), {"name": SECRET}).scalar_one() == SECRET
        with pytest.raises(sa.exc.DBAPIError) as raised:
            conn.execute(sa.text("SELECT * FROM no_such_table WHERE x = :name"), {"name": SECRET})
    logging.getLogger("tests").error("the statement failed", exc_info=raised.value)
    assert "no_such_table" in caplog.text  # the statement is logged, its values are not
    assert SECRET not in caplog.text
    assert SECRET not in str(raised.value)
