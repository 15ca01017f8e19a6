"""The case: its law (`law/`, pure), its storage and its one write path (`service`).

The bottom layer: imports no other package of the project (`lint-imports` keeps it so).
"""
