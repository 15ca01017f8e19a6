"""The timeliness scorecard (spec kpis.md): its months, indicators, SQL counts, figures, formats.
Imports only `workflow` (the law, the deadline store, the models, errors) and libraries."""
