"""The cancellation rules: which section of a customer's cancellation is red, and why, and which
milestone (Process, Close) each holds back.

The scenarios, their sections and steps, and how the tool uses each section come from the
playbook the cancellation runs on (``data.timeline.playbook_of``: the version it was begun with).
The records behind the record sections (their kinds, counts and pages) are in data/records.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from peewee import fn

from data.dates import today_in
from data.models import (
    Cancellation,
    CancellationReason,
    CancellationState,
    Customer,
    Expiry,
    Reason,
    User,
)
from data.playbook.model import (
    Milestone,
    Playbook,
    SectionUse,
)
from data.records import RECORD_KINDS, RecordKind, all_record_counts, record_counts

# The scenario's sections and steps (data.scenario_rules), and Section, SectionKey and
# SectionState, are read from here by the screens and the CLI too.
from data.retention.sections import approval_section, retention_section
from data.scenario_rules import OFFBOARDING_NOTICE as OFFBOARDING_NOTICE
from data.scenario_rules import SCENARIO_SECTION_NAMES as SCENARIO_SECTION_NAMES
from data.scenario_rules import SCENARIO_SECTIONS as SCENARIO_SECTIONS
from data.scenario_rules import SECTION_STEPS as SECTION_STEPS
from data.scenario_rules import StepDone as StepDone
from data.scenario_rules import latest_notice as latest_notice
from data.scenario_rules import offboarding_notices as offboarding_notices
from data.scenario_rules import scenario_choices as scenario_choices
from data.scenario_rules import scenario_key as scenario_key
from data.scenario_rules import scenario_label as scenario_label
from data.scenario_rules import scenario_rule as scenario_rule
from data.scenario_rules import scenario_section as scenario_section
from data.scenario_rules import scenario_sections as scenario_sections
from data.scenario_rules import scenario_steps as scenario_steps
from data.scenario_rules import sends_notice as sends_notice
from data.scenario_rules import step_label as step_label
from data.scenario_rules import steps_done as steps_done
from data.sections import Section as Section
from data.sections import SectionKey as SectionKey
from data.sections import SectionState as SectionState
from data.statements import select
from data.timeline import (
    TERMINATION_SECTION_NAMES,
    Timeline,
    left_for_close,
    playbook_of,
    termination_view,
)

SECTION_NAMES: dict[SectionKey, str] = {
    SectionKey.REASONS: "Cancellation reasons",
    SectionKey.OWNERSHIP: "Ownership",
    SectionKey.EXPIRY: "Future expiry",
    SectionKey.ASSETS: "Assets",
    SectionKey.CASES: "Cases",
    SectionKey.OPPORTUNITIES: "Opportunities",
    SectionKey.QUOTATIONS: "Quotations",
    SectionKey.SALES_ORDERS: "Sales orders",
    SectionKey.RETENTION: "Retention",
    SectionKey.MOOD: "Customer mood",
}
# Shown only when the cancellation is linked to a cancel request (data.retention.sections).
APPROVAL_SECTION_NAMES: dict[SectionKey, str] = {SectionKey.APPROVAL: "Approval"}
SECTION_KEYS: tuple[SectionKey, ...] = tuple(SECTION_NAMES)
# The tool's termination sections: they hold back the milestone their tasks gate.
TERMINATION_KEYS = frozenset(TERMINATION_SECTION_NAMES)


def section_name(key: str, playbook: Playbook | None = None) -> str:
    """The name the tool gives a section: its own, or a scenario's section of the playbook."""
    if key in SECTION_NAMES:
        return SECTION_NAMES[SectionKey(key)]
    if key in APPROVAL_SECTION_NAMES:
        return APPROVAL_SECTION_NAMES[SectionKey(key)]
    if key in TERMINATION_SECTION_NAMES:
        return TERMINATION_SECTION_NAMES[SectionKey(key)]
    for rule in (playbook or playbook_of(None)).scenarios.values():
        for section in rule.sections:
            if section.key == key:
                return section.label
    return key


def current_cancellation(customer: Customer) -> Cancellation | None:
    """The pending cancellation, else the most recent processed one, else none."""
    pending = select(
        Cancellation,
        "rules.pending",
        lambda customer_id: (
            Cancellation.select()
            .where(
                (Cancellation.customer == customer_id)
                & (Cancellation.state == CancellationState.PENDING)
            )
            .limit(1)
        ),
        int(customer.id),
    )
    found: Cancellation | None = next(iter(pending), None)
    if found is not None:
        return found
    processed = select(
        Cancellation,
        "rules.processed",
        lambda customer_id: (
            Cancellation.select()
            .where(
                (Cancellation.customer == customer_id)
                & (Cancellation.state == CancellationState.PROCESSED)
            )
            .order_by(Cancellation.processed_at.desc())
            .limit(1)
        ),
        int(customer.id),
    )
    return next(iter(processed), None)


def _plural(count: int, noun: str, nouns: str) -> str:
    return f"{count} {noun if count == 1 else nouns}"


def record_section(
    customer_id: int, kind: RecordKind, counts: tuple[int, int] | None = None
) -> Section:
    total, blocking = counts if counts is not None else record_counts(customer_id, kind)
    if total == 0:
        summary = f"No {kind.nouns}"
    elif blocking == 0:
        summary = (
            f"The {kind.noun} is {kind.done_words}"
            if total == 1
            else f"All {total} {kind.nouns} {kind.done_words}"
        )
    else:
        summary = f"{blocking} of {_plural(total, kind.noun, kind.nouns)} {kind.open_words}"
    state = SectionState.BLOCKING if blocking else SectionState.CLEAR
    return Section(kind.section, kind.title, state, summary, blocking, total)


def reason_names(cancellation: Cancellation) -> list[str]:
    query = select(
        Reason,
        "rules.reason_names",
        lambda cancellation_id: (
            Reason.select(Reason.name)
            .join(CancellationReason)
            .where(CancellationReason.cancellation == cancellation_id)
            .order_by(Reason.position, Reason.name)
        ),
        int(cancellation.id),
    )
    return [str(name) for (name,) in query.tuples()]


def _reasons_section(
    cancellation: Cancellation | None, names: Sequence[str] | None = None
) -> Section:
    name = SECTION_NAMES[SectionKey.REASONS]
    if names is None:
        names = reason_names(cancellation) if cancellation is not None else []
    if not names:
        return Section(SectionKey.REASONS, name, SectionState.BLOCKING, "No reason chosen yet", 1)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return Section(SectionKey.REASONS, name, SectionState.CLEAR, shown, 0, len(names))


def _ownership_section(cancellation: Cancellation | None) -> Section:
    name = SECTION_NAMES[SectionKey.OWNERSHIP]
    owner_id = cancellation.new_owner_id if cancellation is not None else None
    if owner_id is None:
        return Section(SectionKey.OWNERSHIP, name, SectionState.BLOCKING, "No new owner chosen", 1)
    owner = User.get_by_id(owner_id)
    when = "applied now" if cancellation and cancellation.owner_applied_at else "applied at Process"
    return Section(
        SectionKey.OWNERSHIP,
        name,
        SectionState.CLEAR,
        f"New owner: {owner.display_name} ({when})",
        0,
        1,
    )


def _expiry_section(customer: Customer) -> Section:
    name = SECTION_NAMES[SectionKey.EXPIRY]
    today = today_in(str(customer.time_zone))
    query = select(
        Expiry,
        "rules.future_expiries",
        lambda customer_id, after: Expiry.select(fn.COUNT(Expiry.id), fn.MIN(Expiry.date)).where(
            (Expiry.customer == customer_id) & (Expiry.date > after)
        ),
        int(customer.id),
        today,
    )
    row: Any = next(iter(query.tuples()))
    count, first = int(row[0]), row[1]
    if count == 0:
        summary = f"No future expiry: add one dated after {today}"
        return Section(SectionKey.EXPIRY, name, SectionState.BLOCKING, summary, 1)
    if isinstance(first, str):  # SQLite hands back text for an aggregate over a date column
        first = dt.date.fromisoformat(first)
    summary = (
        f"1 future expiry: {first}" if count == 1 else f"{count} future expiries, next {first}"
    )
    return Section(SectionKey.EXPIRY, name, SectionState.CLEAR, summary, 0, count)


def _mood_section(cancellation: Cancellation | None) -> Section:
    mood = cancellation.mood if cancellation is not None else None
    summary = f"Mood: {mood}" if mood else "Not recorded (optional)"
    return Section(
        SectionKey.MOOD, SECTION_NAMES[SectionKey.MOOD], SectionState.OPTIONAL, summary, 0
    )


def _as_used(section: Section, playbook: Playbook, pending: bool) -> Section | None:
    """The section as the playbook uses it: None when hidden; never blocking when only shown,
    nor, once the cancellation is processed, when it is one of the tool's own (Process is
    done: what is left are the termination sections, for Close)."""
    use = playbook.use(section.key)
    if use is SectionUse.HIDDEN:
        return None
    if use is SectionUse.SHOWN or (not pending and section.key not in TERMINATION_KEYS):
        return replace(section, milestone=None)
    return section


def evaluate(
    customer: Customer,
    cancellation: Cancellation | None,
    *,
    reasons: Sequence[str] | None = None,
    steps: dict[str, StepDone] | None = None,
    termination: Sequence[Section] | None = None,
    playbook: Playbook | None = None,
) -> list[Section]:
    """Every section of the cancellation its playbook shows, in the order of the tool, each
    holding back the milestone it gates. Runs inside a connection.

    ``reasons`` are the cancellation's reason names, ``steps`` its confirmed scenario steps,
    ``termination`` its timeline's sections and ``playbook`` the one it runs on, when the caller
    has read them already."""
    playbook = playbook or playbook_of(cancellation)
    sections = [
        _reasons_section(cancellation, reasons),
        _ownership_section(cancellation),
        _expiry_section(customer),
    ]
    counts = all_record_counts(customer.id)
    sections.extend(
        record_section(customer.id, kind, counts[kind.section]) for kind in RECORD_KINDS.values()
    )
    # Retention (issue 15): the save attempt, and the linked cancel request's approval.
    sections.append(retention_section(customer, cancellation))
    approval = approval_section(cancellation)
    if approval is not None:
        sections.append(approval)
    if cancellation is not None:
        sections.extend(scenario_sections(cancellation, steps, playbook))
        if termination is None:
            termination = termination_view(customer, cancellation, playbook=playbook).sections
        sections.extend(termination)
    sections.append(_mood_section(cancellation))
    pending = cancellation is None or str(cancellation.state) == CancellationState.PENDING
    return [
        used for section in sections if (used := _as_used(section, playbook, pending)) is not None
    ]


def red_sections(sections: Sequence[Section], milestone: Milestone | None = None) -> list[Section]:
    """The red sections (only those that hold ``milestone`` back, when given)."""
    return [
        section
        for section in sections
        if section.is_red and (milestone is None or section.holds_back_for(milestone))
    ]


def unfinished_sections(
    sections: Sequence[Section], milestone: Milestone = Milestone.PROCESS
) -> list[Section]:
    """The sections that keep ``milestone`` from completing: the red ones and those waiting for
    work due later (tasks not due yet) that gate it."""
    return [section for section in sections if section.holds_back_for(milestone)]


def describe_red(sections: Sequence[Section], milestone: Milestone = Milestone.PROCESS) -> str:
    """ "4 sections still red: Assets, Cases, …", with the sections still waiting for later work
    — of those that hold ``milestone`` back — or an empty string when all is clear for it."""
    red = red_sections(sections, milestone)
    waiting = [
        section for section in unfinished_sections(sections, milestone) if not section.is_red
    ]
    parts = []
    if red:
        names = ", ".join(section.name for section in red)
        parts.append(f"{_plural(len(red), 'section', 'sections')} still red: {names}")
    if waiting:
        names = ", ".join(section.name for section in waiting)
        parts.append(f"still to come: {names} (tasks due later)")
    return "; ".join(parts)


def describe_left_for_close(
    sections: Sequence[Section], timeline: Timeline | None, *, next_task: bool = True
) -> str:
    """What a processed cancellation's termination case still needs before Close, in the words
    the tool says it: "5 tasks left, next: Final termination e-mail; Sign-offs; Access & data"
    (the tasks not done — the most urgent named, unless not ``next_task`` — then the other
    sections that hold Close back), or an empty string when nothing is left."""
    tasks = left_for_close(timeline) if timeline is not None else []
    parts = []
    if tasks:
        count = _plural(len(tasks), "task", "tasks")
        parts.append(f"{count} left, next: {tasks[0].task.title}" if next_task else f"{count} left")
    parts += [
        section.name
        for section in unfinished_sections(sections, Milestone.CLOSE)
        if section.key != SectionKey.TIMELINE or not tasks
    ]
    return "; ".join(parts)
