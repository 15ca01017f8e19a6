"""The statutory law, pure: events, the state machine, calendar, timescales and deadlines.

A function of events, `as_of` and settings: imports only itself and `workflow.errors`,
never a database, the web or the clock (`lint-imports`, tests/law/test_purity.py).
"""
