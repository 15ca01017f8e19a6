"""The benchmark harness (issue 8): `python -m bench.run`, see docs/performance.md."""
