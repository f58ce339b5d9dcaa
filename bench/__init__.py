"""Measuring Switchboard: a load benchmark and a fault-injection harness for the whole pipeline.

``switchboard-bench pipeline`` and ``switchboard-bench chaos`` start their own PostgreSQL and
Kafka (``devstack``), run every service as its own process, and drive
the pipeline from the outside the way customers and operators do.
"""
