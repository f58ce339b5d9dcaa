"""Switchboard's domain model: aggregates, value objects and routing policy.

Nothing here performs I/O or imports from ``connectors`` or ``services``.
"""
