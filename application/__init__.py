"""The use cases: each loads aggregates, calls the domain, saves, and returns plain data."""
