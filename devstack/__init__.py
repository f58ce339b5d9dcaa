"""The development stack: local PostgreSQL, Kafka and Dovecot, the demo team, ``switchboard-dev``.

Not part of the product: the tests, the benchmarks and ``make run`` use it; production code never imports it.
"""
