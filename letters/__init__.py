"""Statutory letters: which event makes which letter, for whom, with which dates.

`catalogue` links events to letters; `facts` reads their dates off the pure
clock; `contexts` types what each template may use; `render` makes HTML, PDF
and plain text; `store` makes and completes letters inside the caller's
transaction; `service` holds the letter functions that own a transaction;
`chasers` queues advice reminders for the scheduler's sweep; `projection` is how
the service makes letters without importing them. May import `workflow` only.
"""
