"""The mail channel: inbound RFC 5322 messages parsed safely into the normalized inbound message."""
