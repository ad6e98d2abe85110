"""The tool's three termination sections (Timeline, Sign-offs, Access & data), each holding
back the milestone its tasks gate, the TerminationView that the Timeline screen reads of one
cancellation in one go, and the sentence that says what is left of an open case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import arrow

from data.dates import zone
from data.models import Cancellation, CancellationState, Customer, Decision, DoneBy
from data.playbook.model import Milestone, Playbook, SectionUse
from data.sections import Section, SectionKey, SectionState
from data.timeline.facts import Done, Facts, read_facts
from data.timeline.guids import guid_list
from data.timeline.plan import PlanTask, plan_of, playbook_of
from data.timeline.tasks import TaskState, TaskView, Timeline, timeline, urgency

TERMINATION_SECTION_NAMES: dict[SectionKey, str] = {
    SectionKey.TIMELINE: "Timeline",
    SectionKey.SIGN_OFFS: "Sign-offs",
    SectionKey.ACCESS_DATA: "Access & data",
}
# How the tasks behind Access & data are completed.
ACCESS_COMPLETIONS = (DoneBy.DEACTIVATION, DoneBy.DECISION, DoneBy.PURGE)


def _gated(tasks: Sequence[PlanTask]) -> Milestone:
    """The milestone a section holds back: Process when one of its tasks gates it, else Close."""
    return (
        Milestone.PROCESS
        if any(task.gates is Milestone.PROCESS for task in tasks)
        else Milestone.CLOSE
    )


def _open(tasks: Sequence[TaskView], milestone: Milestone) -> list[TaskView]:
    return [
        task
        for task in tasks
        if task.counts and task.task.gates is milestone and task.state is not TaskState.DONE
    ]


def _next_words(task: TaskView) -> str:
    due = f", {task.due.absolute()} ({task.relative})" if task.due else ""
    return f"{task.task.title}{due}"


def timeline_section(view: Timeline, *, pending: bool = True) -> Section:
    """Red while a task is overdue; the tasks that gate Process hold Process back, those that
    gate Close show as waiting for Close ("Ready for Process; 9 tasks for Close, next: …").

    One meaning per row: the state and the summary say the same of the milestone the section
    holds back. A task overdue that gates only Close makes the section red for Close ("Due for
    Close: …"), never red for Process; while tasks that gate Process are still to come, it
    waits for them and says what is due for Close besides. "Ready for Process" is said only of
    a row that is not red.

    The words count every row the Timeline shows, the task done by Process itself included, so
    the summary and the rows agree: with every other task done, a pending case reads "12 of 13
    tasks done; the last is done by Process (1 day overdue)", never "All 12 tasks done" above
    an overdue row. Process itself never holds Process back."""
    name = TERMINATION_SECTION_NAMES[SectionKey.TIMELINE]
    counted = [task for task in view.tasks if task.counts]
    total = len(view.tasks)
    done = sum(1 for task in view.tasks if task.state is TaskState.DONE)
    before_process = _open(counted, Milestone.PROCESS)
    before_close = _open(counted, Milestone.CLOSE)
    late = view.late()
    late_process = [task for task in late if task.task.gates is Milestone.PROCESS]
    if view.effective_date is None and (before_process or before_close):
        summary = "Set the effective date (contract end or de-provisioning)"
        if late:
            summary += f"; {_late_words(late)}"
        milestone = Milestone.PROCESS if before_process else Milestone.CLOSE
        return Section(
            SectionKey.TIMELINE,
            name,
            SectionState.BLOCKING,
            summary,
            len(late) + 1,
            total,
            milestone,
        )
    if before_process:
        if late_process:
            return Section(
                SectionKey.TIMELINE,
                name,
                SectionState.BLOCKING,
                _late_words(late),
                len(late),
                total,
                Milestone.PROCESS,
            )
        if late:
            # Only tasks that gate Close are due: Process waits for its own tasks to come, and
            # the row says what is due for Close without calling Process held back by it.
            first = min(before_process, key=urgency)
            summary = (
                f"Nothing due for Process today; next: {_next_words(first)}. "
                f"Due for Close: {_late_words(late)}"
            )
        else:
            first = min(before_process + before_close, key=urgency)
            summary = f"Nothing due today; next: {_next_words(first)}. {done} of {total} tasks done"
        return Section(
            SectionKey.TIMELINE, name, SectionState.WAITING, summary, 0, total, Milestone.PROCESS
        )
    if before_close:
        ready = "Ready for Process; " if pending else ""
        if late:
            state, summary = SectionState.BLOCKING, f"Due for Close: {_late_words(late)}"
        else:
            first = min(before_close, key=urgency)
            count = len(before_close)
            state = SectionState.WAITING
            summary = (
                f"{ready}{count} task{'s' if count != 1 else ''} for Close, "
                f"next: {_next_words(first)}"
            )
        return Section(SectionKey.TIMELINE, name, state, summary, len(late), total, Milestone.CLOSE)
    left = [task for task in view.tasks if task.state is not TaskState.DONE]
    if left:
        # Only what Process itself does is left: said, with how late it is, like its row.
        when = f" ({left[0].relative})" if left[0].due is not None else ""
        summary = f"{done} of {total} tasks done; the last is done by Process{when}"
    else:
        summary = f"All {total} tasks done"
    return Section(
        SectionKey.TIMELINE,
        name,
        SectionState.CLEAR,
        summary,
        0,
        total,
        _gated([task.task for task in counted]),
    )


def _late_words(late: Sequence[TaskView]) -> str:
    first = late[0]
    more = f" and {len(late) - 1} more" if len(late) > 1 else ""
    return f"{first.task.title} ({first.relative}){more}"


def sign_off_section(facts: Facts, playbook: Playbook) -> Section:
    """The playbook's sign-offs: red until every one is in (the final one last)."""
    name = TERMINATION_SECTION_NAMES[SectionKey.SIGN_OFFS]
    milestone = _gated(
        [task for task in plan_of(playbook).tasks if task.completed_by == DoneBy.SIGN_OFFS]
    )
    teams = playbook.sign_offs
    missing = [team for team in teams if team.key not in facts.sign_offs]
    total = len(teams)
    final = playbook.final_sign_off
    if not missing:
        by = facts.sign_offs[final.key].by if final is not None else ""
        summary = f"All {total} signed" + (f"; final confirmation by {by}" if by else "")
        return Section(SectionKey.SIGN_OFFS, name, SectionState.CLEAR, summary, 0, total, milestone)
    waiting = ", ".join(team.team for team in missing if not team.final)
    summary = f"{total - len(missing)} of {total} signed" + (
        f"; waiting for {waiting}" if waiting else "; the final confirmation is left"
    )
    return Section(
        SectionKey.SIGN_OFFS,
        name,
        SectionState.BLOCKING,
        summary,
        len(missing),
        total,
        milestone,
    )


def access_section(
    cancellation: Cancellation,
    facts: Facts,
    today: dt.date,
    milestone: Milestone = Milestone.CLOSE,
) -> Section:
    """Red until access is deactivated, deletion approved and the purge done; a hold says until
    when, and turns urgent once its review date has come. It holds back ``milestone`` (the one
    its tasks gate)."""
    name = TERMINATION_SECTION_NAMES[SectionKey.ACCESS_DATA]
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
    return Section(SectionKey.ACCESS_DATA, name, state, "; ".join(parts), missing, 3, milestone)


@dataclass(frozen=True)
class TerminationView:
    """Everything the Timeline screen shows of one cancellation, read in one go: the tasks, the
    sign-offs, the access and data records, and the termination sections the playbook shows."""

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
    # The termination case is open: pending, or processed and not closed yet (its tasks can
    # still be worked).
    case_open: bool = True
    # The playbook's sign-offs in order: (key, what is confirmed, who confirms it).
    sign_off_list: tuple[tuple[str, str, str], ...] = ()


def _shown(section: Section, playbook: Playbook) -> Section | None:
    """The section as the playbook uses it: None when hidden, never blocking when only shown."""
    use = playbook.use(section.key)
    if use is SectionUse.HIDDEN:
        return None
    if use is SectionUse.SHOWN:
        return replace(section, milestone=None)
    return section


def case_open(cancellation: Cancellation) -> bool:
    """Whether the termination case is open: pending, or processed and not closed yet."""
    state = str(cancellation.state)
    return state == CancellationState.PENDING or (
        state == CancellationState.PROCESSED and cancellation.closed_at is None
    )


def termination_view(
    customer: Customer,
    cancellation: Cancellation,
    facts: Facts | None = None,
    playbook: Playbook | None = None,
) -> TerminationView:
    """The timeline and the termination sections the case's playbook shows (Timeline, Sign-offs,
    Access & data; none without a plan). Runs inside a connection."""
    playbook = playbook or playbook_of(cancellation)
    if facts is None:
        facts = read_facts([cancellation], {int(cancellation.id): playbook})[cancellation.id]
    view = timeline(customer, cancellation, facts, playbook=playbook)
    pending = str(cancellation.state) == CancellationState.PENDING
    plan = plan_of(playbook)
    sections: list[Section] = []
    if plan.tasks:
        sections.append(timeline_section(view, pending=pending))
        if playbook.sign_offs:
            sections.append(sign_off_section(facts, playbook))
        access = [task for task in plan.tasks if task.completed_by in ACCESS_COMPLETIONS]
        if access:
            sections.append(access_section(cancellation, facts, view.today, _gated(access)))
    return TerminationView(
        str(customer.account),
        str(customer.name),
        int(customer.version),
        pending,
        view,
        dict(facts.sign_offs),
        tuple(guid_list(cancellation)),
        cancellation.data_decision,
        str(cancellation.decision_reason or ""),
        cancellation.review_date,
        cancellation.access_deactivated_at is not None,
        cancellation.purged_at is not None,
        tuple(shown for section in sections if (shown := _shown(section, playbook)) is not None),
        case_open(cancellation),
        tuple((team.key, team.label, team.team) for team in playbook.sign_offs),
    )


def termination_sections(customer: Customer, cancellation: Cancellation) -> list[Section]:
    return list(termination_view(customer, cancellation).sections)


def left_for_close(view: Timeline) -> list[TaskView]:
    """The tasks of a case not done yet (a task done by Process itself left out), most urgent
    first."""
    left = [task for task in view.tasks if task.counts and task.state is not TaskState.DONE]
    return sorted(left, key=urgency)


def case_summary(
    customer: Customer, cancellation: Cancellation, view: Timeline | None = None
) -> str:
    """What the banner says of a processed cancellation: "Cancelled — termination case open:
    5 tasks left, next: Final termination e-mail due Tue 2026-12-22", or when it was closed;
    empty while it is pending. ``view`` is the case's timeline, when the caller has read it.
    Runs inside a connection."""
    if str(cancellation.state) != CancellationState.PROCESSED:
        return ""
    if cancellation.closed_at is not None:
        closed = arrow.get(cancellation.closed_at, tzinfo="UTC").to(zone(str(customer.time_zone)))
        return f"Cancelled — termination case closed on {closed.format('ddd YYYY-MM-DD')}"
    left = left_for_close(view if view is not None else timeline(customer, cancellation))
    if not left:
        return "Cancelled — termination case open: every task is done, close it"
    first = left[0]
    due = f" due {first.due.absolute()}" if first.due is not None else " (no effective date yet)"
    count = f"{len(left)} task{'s' if len(left) != 1 else ''} left"
    return f"Cancelled — termination case open: {count}, next: {first.task.title}{due}"
