"""The tool's three termination sections (Timeline, Sign-offs, Access & data), and the
TerminationView that the Timeline screen reads of one cancellation in one go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from data.models import Cancellation, CancellationState, Customer, Decision
from data.sections import Section, SectionState
from data.timeline.facts import Done, Facts, read_facts
from data.timeline.guids import guid_list
from data.timeline.sign_offs import SIGN_OFF_FINAL, SIGN_OFF_TEAMS, SIGN_OFFS
from data.timeline.tasks import TaskState, TaskView, Timeline, timeline, urgency

TIMELINE = "timeline"
SIGN_OFFS_SECTION = "sign_offs"
ACCESS_DATA = "access_data"
TERMINATION_SECTION_NAMES: dict[str, str] = {
    TIMELINE: "Timeline",
    SIGN_OFFS_SECTION: "Sign-offs",
    ACCESS_DATA: "Access & data",
}


def timeline_section(view: Timeline) -> Section:
    name = TERMINATION_SECTION_NAMES[TIMELINE]
    counted = [task for task in view.tasks if task.counts]
    open_tasks = [task for task in counted if task.state is not TaskState.DONE]
    late = view.late()
    if view.effective_date is None:
        summary = "Set the effective date (contract end or de-provisioning)"
        if late:
            summary += f"; {_late_words(late)}"
        return Section(TIMELINE, name, SectionState.BLOCKING, summary, len(late) + 1, len(counted))
    if late:
        return Section(
            TIMELINE, name, SectionState.BLOCKING, _late_words(late), len(late), len(counted)
        )
    if open_tasks:
        first = min(open_tasks, key=urgency)
        due = f", {first.due.absolute()} ({first.relative})" if first.due else ""
        summary = (
            f"Nothing due today; next: {first.task.title}{due}. "
            f"{len(counted) - len(open_tasks)} of {len(counted)} tasks done"
        )
        return Section(TIMELINE, name, SectionState.WAITING, summary, 0, len(counted))
    return Section(
        TIMELINE, name, SectionState.CLEAR, f"All {len(counted)} tasks done", 0, len(counted)
    )


def _late_words(late: Sequence[TaskView]) -> str:
    first = late[0]
    more = f" and {len(late) - 1} more" if len(late) > 1 else ""
    return f"{first.task.title} ({first.relative}){more}"


def sign_off_section(facts: Facts) -> Section:
    name = TERMINATION_SECTION_NAMES[SIGN_OFFS_SECTION]
    missing = [key for key in SIGN_OFFS if key not in facts.sign_offs]
    total = len(SIGN_OFFS)
    if not missing:
        final = facts.sign_offs[SIGN_OFF_FINAL]
        summary = f"All {total} signed; final confirmation by {final.by}"
        return Section(SIGN_OFFS_SECTION, name, SectionState.CLEAR, summary, 0, total)
    waiting = ", ".join(SIGN_OFF_TEAMS[key] for key in missing if key != SIGN_OFF_FINAL)
    summary = f"{total - len(missing)} of {total} signed" + (
        f"; waiting for {waiting}" if waiting else "; the final confirmation is left"
    )
    return Section(SIGN_OFFS_SECTION, name, SectionState.BLOCKING, summary, len(missing), total)


def access_section(cancellation: Cancellation, facts: Facts, today: dt.date) -> Section:
    """Red until access is deactivated, deletion approved and the purge done; a hold says until
    when, and turns urgent once its review date has come."""
    name = TERMINATION_SECTION_NAMES[ACCESS_DATA]
    parts = []
    # What is still to do of the three steps: deactivate, approve deletion, purge.
    purged = cancellation.purged_at is not None
    missing = (
        int(cancellation.access_deactivated_at is None)
        + int(not purged and cancellation.data_decision != Decision.APPROVE)
        + int(not purged)
    )
    if cancellation.access_deactivated_at is None:
        parts.append("Access not deactivated yet")
    else:
        count = len(guid_list(cancellation))
        parts.append(f"Access deactivated ({count} GUID{'s' if count != 1 else ''})")
    decision = cancellation.data_decision
    if cancellation.purged_at is not None:
        who = facts.users.get(cancellation.purged_by_id or 0, "an unknown user")
        parts.append(f"data purged by {who}")
    elif decision == Decision.APPROVE:
        parts.append("deletion approved, purge not done")
    elif decision == Decision.HOLD:
        review = cancellation.review_date
        due = " — review due" if review is not None and review <= today else ""
        parts.append(f"data on hold until {review}{due}: {cancellation.decision_reason}")
    else:
        parts.append("no data decision from the account team")
    state = SectionState.BLOCKING if missing else SectionState.CLEAR
    return Section(ACCESS_DATA, name, state, "; ".join(parts), missing, 3)


@dataclass(frozen=True)
class TerminationView:
    """Everything the Timeline screen shows of one cancellation, read in one go: the tasks, the
    sign-offs, the access and data records, and the three sections."""

    account: str
    customer_name: str
    version: int
    pending: bool
    timeline: Timeline
    sign_offs: dict[str, Done]
    guids: tuple[str, ...]
    decision: str | None
    decision_reason: str
    review_date: dt.date | None
    deactivated: bool
    purged: bool
    sections: tuple[Section, ...]


def termination_view(
    customer: Customer, cancellation: Cancellation, facts: Facts | None = None
) -> TerminationView:
    """The timeline and its three sections (Timeline, Sign-offs, Access & data). Runs inside a
    connection."""
    if facts is None:
        facts = read_facts([cancellation])[cancellation.id]
    view = timeline(customer, cancellation, facts)
    return TerminationView(
        str(customer.account),
        str(customer.name),
        int(customer.version),
        str(cancellation.state) == CancellationState.PENDING,
        view,
        dict(facts.sign_offs),
        tuple(guid_list(cancellation)),
        cancellation.data_decision,
        str(cancellation.decision_reason or ""),
        cancellation.review_date,
        cancellation.access_deactivated_at is not None,
        cancellation.purged_at is not None,
        (
            timeline_section(view),
            sign_off_section(facts),
            access_section(cancellation, facts, view.today),
        ),
    )


def termination_sections(customer: Customer, cancellation: Cancellation) -> list[Section]:
    return list(termination_view(customer, cancellation).sections)
