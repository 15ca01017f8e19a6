"""Time-driven work: the daily sweep, breach queue, notifications, the KPI scorecard and
its exports, the job runner and its leader lock. May import `letters` and `workflow`.
"""
