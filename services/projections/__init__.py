"""Projections: read models in Postgres, built from the domain-event log."""
