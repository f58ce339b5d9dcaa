"""Connectors: one module per channel, normalizing inbound and delivering replies."""
