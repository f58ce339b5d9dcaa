"""Ingest: runs the channel connectors and publishes what customers write."""
