"""The cancellation rules: which section of a customer's cancellation is red, and why.

The records behind the record sections (their kinds, counts and pages) are in data/records.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from peewee import fn

from data.dates import today_in, when
from data.errors import InvalidInput
from data.models import (
    SCENARIOS,
    STEPS,
    Audience,
    Cancellation,
    CancellationReason,
    CancellationState,
    Customer,
    Expiry,
    OutboxMessage,
    OutboxStatus,
    Reason,
    Scenario,
    ScenarioStep,
    Step,
    User,
    key_named,
)
from data.records import RECORD_KINDS, RecordKind, all_record_counts, record_counts

# Section and SectionState are read from here by the screens and the CLI too.
from data.sections import Section as Section
from data.sections import SectionState as SectionState
from data.statements import select
from data.timeline import TERMINATION_SECTION_NAMES, termination_sections

SECTION_NAMES: dict[str, str] = {
    "reasons": "Cancellation reasons",
    "ownership": "Ownership",
    "expiry": "Future expiry",
    "assets": "Assets",
    "cases": "Cases",
    "opportunities": "Opportunities",
    "quotations": "Quotations",
    "sales_orders": "Sales orders",
    "mood": "Customer mood",
}
SECTION_KEYS: tuple[str, ...] = tuple(SECTION_NAMES)

# The sections a scenario adds (seed 001), between the records and the customer's mood.
SCENARIO_SECTION_NAMES: dict[str, str] = {
    "final_amount": "Final amount paid",
    "bill_till_payout": "Bill till Payout set",
    "auto_renewal": "Auto-renewal billing disabled",
    "admin_notified": "Admin notified",
    "no_contact": "No contact (collections)",
}
SCENARIO_SECTIONS: dict[str, tuple[str, ...]] = {
    Scenario.BUYOUT: ("final_amount", "admin_notified"),
    Scenario.NON_RENEWAL: ("bill_till_payout", "auto_renewal", "admin_notified"),
    Scenario.COLLECTIONS: ("no_contact",),
}
# The steps someone confirms to clear a section, in the order they happen.
SECTION_STEPS: dict[str, tuple[str, ...]] = {
    "final_amount": (Step.FINAL_AMOUNT_EMAIL, Step.PAYMENT_CONFIRMED),
    "bill_till_payout": (Step.BILL_TILL_PAYOUT,),
    "auto_renewal": (Step.AUTO_RENEWAL_DISABLED,),
    "admin_notified": (Step.ADMIN_NOTIFIED,),
}
OFFBOARDING_NOTICE = "offboarding-notice"


def scenario_steps(scenario: str) -> tuple[str, ...]:
    """The steps a scenario's sections ask someone to confirm."""
    return tuple(
        step for key in SCENARIO_SECTIONS.get(scenario, ()) for step in SECTION_STEPS.get(key, ())
    )


def scenario_key(text: str) -> str:
    """A scenario named by its key or its label, any case; InvalidInput lists the choices."""
    key = key_named(text, SCENARIOS)
    if key is not None:
        return key
    choices = ", ".join(f"{key} ({label})" for key, label in SCENARIOS.items())
    raise InvalidInput(f"'{text}' is not a scenario. Choose one of: {choices}.")


def section_name(key: str) -> str:
    return (
        SECTION_NAMES.get(key)
        or SCENARIO_SECTION_NAMES.get(key)
        or TERMINATION_SECTION_NAMES.get(key, key)
    )


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
            .where((Cancellation.customer == customer_id) & (Cancellation.state == "processed"))
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
    name = SECTION_NAMES["reasons"]
    if names is None:
        names = reason_names(cancellation) if cancellation is not None else []
    if not names:
        return Section("reasons", name, SectionState.BLOCKING, "No reason chosen yet", 1)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return Section("reasons", name, SectionState.CLEAR, shown, 0, len(names))


def _ownership_section(cancellation: Cancellation | None) -> Section:
    name = SECTION_NAMES["ownership"]
    owner_id = cancellation.new_owner_id if cancellation is not None else None
    if owner_id is None:
        return Section("ownership", name, SectionState.BLOCKING, "No new owner chosen", 1)
    owner = User.get_by_id(owner_id)
    when = "applied now" if cancellation and cancellation.owner_applied_at else "applied at Process"
    return Section(
        "ownership", name, SectionState.CLEAR, f"New owner: {owner.display_name} ({when})", 0, 1
    )


def _expiry_section(customer: Customer) -> Section:
    name = SECTION_NAMES["expiry"]
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
        return Section("expiry", name, SectionState.BLOCKING, summary, 1)
    if isinstance(first, str):  # SQLite hands back text for an aggregate over a date column
        first = dt.date.fromisoformat(first)
    summary = (
        f"1 future expiry: {first}" if count == 1 else f"{count} future expiries, next {first}"
    )
    return Section("expiry", name, SectionState.CLEAR, summary, 0, count)


def _mood_section(cancellation: Cancellation | None) -> Section:
    mood = cancellation.mood if cancellation is not None else None
    summary = f"Mood: {mood}" if mood else "Not recorded (optional)"
    return Section("mood", SECTION_NAMES["mood"], SectionState.OPTIONAL, summary, 0)


@dataclass(frozen=True)
class StepDone:
    """A confirmed step: who, when, and what they noted."""

    step: str
    title: str
    by: str
    at: dt.datetime
    note: str

    def line(self) -> str:
        return f"{self.title} ({self.by}, {when(self.at)})"


def steps_done(cancellation: Cancellation) -> dict[str, StepDone]:
    """The scenario steps confirmed on a cancellation, by step."""
    rows: Any = select(
        ScenarioStep,
        "rules.steps_done",
        lambda cancellation_id: (
            ScenarioStep.select(
                ScenarioStep.step, User.display_name, ScenarioStep.done_at, ScenarioStep.note
            )
            .join(User, on=(ScenarioStep.done_by == User.id))
            .where(ScenarioStep.cancellation == cancellation_id)
        ),
        int(cancellation.id),
    ).tuples()
    return {
        str(step): StepDone(str(step), STEPS.get(str(step), str(step)), str(by), at, str(note))
        for step, by, at, note in rows
    }


def offboarding_notices(cancellation: Cancellation) -> list[OutboxMessage]:
    """The cancellation's offboarding notices to the admin, latest first (a handful at most)."""
    query = select(
        OutboxMessage,
        "rules.offboarding_notices",
        lambda cancellation_id: (
            OutboxMessage.select(
                OutboxMessage.id,
                OutboxMessage.status,
                OutboxMessage.recipients,
                OutboxMessage.sent_at,
                OutboxMessage.created_at,
                OutboxMessage.last_error,
            )
            .where(
                (OutboxMessage.cancellation == cancellation_id)
                & (OutboxMessage.kind == OFFBOARDING_NOTICE)
                & (OutboxMessage.audience == Audience.CUSTOMER)
            )
            .order_by(OutboxMessage.id.desc())
        ),
        int(cancellation.id),
    )
    return list(query)


def latest_notice(
    cancellation: Cancellation,
    *,
    sent: bool = False,
    notices: Sequence[OutboxMessage] | None = None,
) -> OutboxMessage | None:
    """The cancellation's latest offboarding notice to the admin (the latest sent one, if
    ``sent``); ``notices`` are its notices, latest first, when the caller has read them."""
    if notices is None:
        notices = offboarding_notices(cancellation)
    return next((n for n in notices if not sent or n.status == OutboxStatus.SENT), None)


def _step_section(key: str, done: dict[str, StepDone]) -> Section:
    name = SCENARIO_SECTION_NAMES[key]
    steps = SECTION_STEPS[key]
    missing = [step for step in steps if step not in done]
    confirmed = [done[step] for step in steps if step in done]
    if not missing:
        # The last step rests on the earlier ones (no payment before the final-amount e-mail).
        summary = confirmed[-1].line()
        return Section(key, name, SectionState.CLEAR, summary, 0, len(steps))
    waiting: dict[str, str] = {
        Step.FINAL_AMOUNT_EMAIL: "Waiting for Finance to send the final-amount e-mail",
        Step.PAYMENT_CONFIRMED: "payment not confirmed yet",
        Step.BILL_TILL_PAYOUT: "Not set yet: set the account to Bill till Payout in the case",
        Step.AUTO_RENEWAL_DISABLED: "Not confirmed yet: ask Billing to disable auto-renewal",
    }
    parts = [step.line() for step in confirmed] + [waiting[missing[0]]]
    summary = "; ".join(parts)
    return Section(
        key,
        name,
        SectionState.BLOCKING,
        summary[:1].upper() + summary[1:],
        len(missing),
        len(steps),
    )


def _admin_notified_section(cancellation: Cancellation, done: dict[str, StepDone]) -> Section:
    name = SCENARIO_SECTION_NAMES["admin_notified"]
    # Once one notice went out the admin was told, whatever a later correction does.
    notices = offboarding_notices(cancellation)
    sent = latest_notice(cancellation, sent=True, notices=notices)
    if sent is not None:
        summary = f"Offboarding notice sent to {sent.recipients} on {when(sent.sent_at)}"
        return Section("admin_notified", name, SectionState.CLEAR, summary, 0, 1)
    notice = latest_notice(cancellation, notices=notices)
    told = done.get(Step.ADMIN_NOTIFIED)
    if told is not None:
        return Section("admin_notified", name, SectionState.CLEAR, told.line(), 0, 1)
    if notice is None:
        summary = "No offboarding notice yet: write one or record a call"
    elif notice.status in (OutboxStatus.QUEUED, OutboxStatus.SENDING):
        retry = f" (last try failed: {notice.last_error})" if notice.last_error else ""
        summary = f"Offboarding notice to {notice.recipients} queued, not sent yet{retry}"
    elif notice.status == OutboxStatus.FAILED:
        summary = f"Offboarding notice failed: {notice.last_error or 'no reason given'}"
    else:
        summary = "Offboarding notice withdrawn: write a new one or record a call"
    return Section("admin_notified", name, SectionState.BLOCKING, summary, 1, 1)


def scenario_sections(
    cancellation: Cancellation, done: dict[str, StepDone] | None = None
) -> list[Section]:
    """The sections the cancellation's scenario adds; ``done`` are its confirmed steps, when the
    caller has read them already."""
    keys = SCENARIO_SECTIONS.get(str(cancellation.scenario), ())
    if not keys:
        return []
    if done is None:
        done = steps_done(cancellation) if any(key in SECTION_STEPS for key in keys) else {}
    sections = []
    for key in keys:
        if key == "no_contact":
            sections.append(
                Section(
                    key,
                    SCENARIO_SECTION_NAMES[key],
                    SectionState.NOTE,
                    "No e-mail or call to the admin; deactivate at once, without notice",
                    0,
                )
            )
        elif key == "admin_notified":
            sections.append(_admin_notified_section(cancellation, done))
        else:
            sections.append(_step_section(key, done))
    return sections


def evaluate(
    customer: Customer,
    cancellation: Cancellation | None,
    *,
    reasons: Sequence[str] | None = None,
    steps: dict[str, StepDone] | None = None,
    termination: Sequence[Section] | None = None,
) -> list[Section]:
    """Every section of the cancellation, in the order of the tool. Runs inside a connection.

    ``reasons`` are the cancellation's reason names, ``steps`` its confirmed scenario steps and
    ``termination`` its timeline's sections, when the caller has read them already."""
    sections = [
        _reasons_section(cancellation, reasons),
        _ownership_section(cancellation),
        _expiry_section(customer),
    ]
    counts = all_record_counts(customer.id)
    sections.extend(
        record_section(customer.id, kind, counts[kind.section]) for kind in RECORD_KINDS.values()
    )
    if cancellation is not None:
        sections.extend(scenario_sections(cancellation, steps))
        if termination is None:
            sections.extend(termination_sections(customer, cancellation))
        else:
            sections.extend(termination)
    sections.append(_mood_section(cancellation))
    return sections


def red_sections(sections: Sequence[Section]) -> list[Section]:
    return [section for section in sections if section.is_red]


def unfinished_sections(sections: Sequence[Section]) -> list[Section]:
    """The sections that keep Process from completing: the red ones and those waiting for work
    due later (timeline tasks not due yet)."""
    return [section for section in sections if section.holds_back]


def describe_red(sections: Sequence[Section]) -> str:
    """ "4 sections still red: Assets, Cases, …", with the sections still waiting for later work
    — or an empty string when all is clear."""
    red = red_sections(sections)
    waiting = [section for section in unfinished_sections(sections) if not section.is_red]
    parts = []
    if red:
        names = ", ".join(section.name for section in red)
        parts.append(f"{_plural(len(red), 'section', 'sections')} still red: {names}")
    if waiting:
        names = ", ".join(section.name for section in waiting)
        parts.append(f"still to come: {names} (tasks due later)")
    return "; ".join(parts)
