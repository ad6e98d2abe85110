"""A section of the Cancellation Tool: its state (red, green, waiting, optional, a note) and the
line a team lead reads. Shared by the rules of each part of a cancellation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SectionState(StrEnum):
    CLEAR = "clear"
    BLOCKING = "blocking"
    OPTIONAL = "optional"
    # Not a task but a rule to keep in mind (the no-contact rule of collections); never blocks.
    NOTE = "note"
    # Nothing to do today, but work is still to come (timeline tasks due later): not red, yet
    # Process waits for it.
    WAITING = "waiting"


@dataclass(frozen=True)
class Section:
    """One line of the Cancellation Tool: a section, its state, and what a team lead reads."""

    key: str
    name: str
    state: SectionState
    summary: str
    blocking: int
    total: int = 0

    @property
    def is_red(self) -> bool:
        return self.state is SectionState.BLOCKING

    @property
    def holds_back(self) -> bool:
        """Whether the section keeps Process from completing (red, or waiting for later work)."""
        return self.state in (SectionState.BLOCKING, SectionState.WAITING)
