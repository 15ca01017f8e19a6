"""The statutory law, pure: events, the state machine, the calendar, timescales and deadlines."""
