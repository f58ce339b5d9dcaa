"""Switchboard's processes: ingest, router, projections and the console gateway."""
