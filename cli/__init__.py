"""The `ehc` command line. Every command calls `workflow.service` or the pure clock."""
