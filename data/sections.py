"""A section of the Cancellation Tool: its key, its state (red, green, waiting, optional, a note)
and the line a team lead reads. Shared by the rules of each part of a cancellation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from data.playbook.model import Milestone


class SectionKey(StrEnum):
    """The key of each section of the tool (its value is what the JSON and the screens show).

    A scenario's sections come from the playbook with keys of their own; the ones named here
    are the default playbook's."""

    REASONS = "reasons"
    OWNERSHIP = "ownership"
    EXPIRY = "expiry"
    # The record sections (data/records.py).
    ASSETS = "assets"
    CASES = "cases"
    OPPORTUNITIES = "opportunities"
    QUOTATIONS = "quotations"
    SALES_ORDERS = "sales_orders"
    # The sections a scenario adds (seed 001).
    FINAL_AMOUNT = "final_amount"
    BILL_TILL_PAYOUT = "bill_till_payout"
    AUTO_RENEWAL = "auto_renewal"
    ADMIN_NOTIFIED = "admin_notified"
    NO_CONTACT = "no_contact"
    CSM_TOLD = "csm_told"
    # The termination sections (data/timeline/sections.py).
    TIMELINE = "timeline"
    SIGN_OFFS = "sign_offs"
    ACCESS_DATA = "access_data"
    MOOD = "mood"
    # Retention (issue 15): a save attempt (or a note why none was made), and the approval of
    # the cancel request the cancellation is linked to (shown only when there is one).
    RETENTION = "retention"
    APPROVAL = "approval"


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
    """One line of the Cancellation Tool: a section, its state, and what a team lead reads.

    ``milestone`` is the milestone the section holds back while it is red or waiting (None: it
    never blocks — a section the playbook only shows)."""

    key: str
    name: str
    state: SectionState
    summary: str
    blocking: int
    total: int = 0
    milestone: Milestone | None = Milestone.PROCESS

    @property
    def is_red(self) -> bool:
        return self.state is SectionState.BLOCKING

    @property
    def holds_back(self) -> bool:
        """Whether the section has work left (red, or waiting for later work)."""
        return self.state in (SectionState.BLOCKING, SectionState.WAITING)

    def holds_back_for(self, milestone: Milestone) -> bool:
        """Whether the section keeps ``milestone`` back: it has work left that gates it (what
        holds back Process holds back Close too)."""
        if not self.holds_back or self.milestone is None:
            return False
        return self.milestone is milestone or milestone is Milestone.CLOSE
