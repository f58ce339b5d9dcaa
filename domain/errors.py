"""Errors a user of the domain can act on."""


class DomainError(Exception):
    """A business rule refused a command; the message says which and why."""


class InvalidInboundMessage(DomainError):
    """An inbound message from a channel is malformed; nothing was stored."""


class WorkDayError(DomainError):
    """A work-day command does not fit the manager's current work day."""
