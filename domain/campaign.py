"""A campaign's course: made as a draft, started, paused and resumed, until it is cancelled or all its mail went.

Only a draft starts (its recipients are picked then); only a campaign sending pauses, only a paused
one resumes, and a campaign cancels until it is done or cancelled already. A command that does not
fit the campaign's state is refused with the state it is in, never silently ignored.
"""

from __future__ import annotations

import enum

from domain.errors import DomainError


class CampaignState(enum.StrEnum):
    """Where a campaign stands."""

    DRAFT = "draft"
    SENDING = "sending"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class CampaignCommand(enum.StrEnum):
    """What an operator does with a campaign."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


class CampaignStateRefused(DomainError):
    """The command does not fit the campaign's state; the message says which state it is in."""

    def __init__(self, command: CampaignCommand, state: CampaignState) -> None:
        super().__init__(f"a campaign that is {state.value} cannot {command.value}")
        self.command = command
        self.state = state


_ALLOWED: dict[CampaignCommand, tuple[frozenset[CampaignState], CampaignState]] = {
    CampaignCommand.START: (frozenset({CampaignState.DRAFT}), CampaignState.SENDING),
    CampaignCommand.PAUSE: (frozenset({CampaignState.SENDING}), CampaignState.PAUSED),
    CampaignCommand.RESUME: (frozenset({CampaignState.PAUSED}), CampaignState.SENDING),
    CampaignCommand.CANCEL: (
        frozenset({CampaignState.DRAFT, CampaignState.SENDING, CampaignState.PAUSED}),
        CampaignState.CANCELLED,
    ),
}


def states_before(command: CampaignCommand) -> frozenset[CampaignState]:
    """The states from which ``command`` may be given."""
    return _ALLOWED[command][0]


def state_after(command: CampaignCommand, state: CampaignState) -> CampaignState:
    """The state ``command`` leads to from ``state``; CampaignStateRefused when it may not be given there."""
    before, after = _ALLOWED[command]
    if state not in before:
        raise CampaignStateRefused(command, state)
    return after
