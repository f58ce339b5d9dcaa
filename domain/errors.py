"""Errors a user of the domain can act on."""


class DomainError(Exception):
    """A business rule refused a command; the message says which and why."""


class InvalidInboundMessage(DomainError):
    """An inbound message from a channel is malformed; nothing was stored."""


class WorkDayError(DomainError):
    """A work-day command does not fit the manager's current work day."""


class InvalidField(DomainError, ValueError):
    """A field of a command holds a value the rules refuse; ``field`` names it and the message says why."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"'{field}' {problem}")
        self.field = field
        self.problem = problem
