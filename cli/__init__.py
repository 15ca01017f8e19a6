"""The `ehc` command line: one module per group of commands, each calling the service,
the scheduler or the pure clock. The top edge: may import every other package.
"""
