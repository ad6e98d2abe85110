"""The cancellation rules: which section of a customer's cancellation is red, why, and which
records hold it back.

Every count is made in the database with one aggregate query per table; no rows are loaded to
be counted in Python.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from peewee import SQL, DateField, DateTimeField, DecimalField, Expression, ModelSelect, Value, fn
from peewee import Case as When

from data.dates import today_in, when
from data.db import database
from data.errors import InvalidInput
from data.models import (
    CASE_CLOSED,
    OPPORTUNITY_CLOSED,
    QUOTATION_CLOSED,
    SALES_ORDER_CLOSED,
    SCENARIOS,
    STEPS,
    Asset,
    Audience,
    BaseModel,
    Cancellation,
    CancellationReason,
    CancellationState,
    Case,
    Customer,
    Expiry,
    Opportunity,
    OutboxMessage,
    OutboxStatus,
    Quotation,
    Reason,
    SalesOrder,
    Scenario,
    ScenarioStep,
    Step,
    User,
    key_named,
)

# Section and SectionState are read from here by the screens and the CLI too.
from data.sections import Section as Section
from data.sections import SectionState as SectionState
from data.statements import select, statement
from data.timeline import TERMINATION_SECTION_NAMES, termination_sections


@dataclass(frozen=True)
class RecordRow:
    """One record of a section, as the Manage table shows it."""

    kind: str
    id: int
    label: str
    status: str
    detail: str
    blocking: bool


@dataclass(frozen=True)
class RecordKind:
    """A kind of record a cancellation must clear, and how to tell a blocking one."""

    section: str
    title: str
    model: type[BaseModel]
    noun: str
    nouns: str
    open_words: str
    done_words: str
    closed_states: tuple[str, ...]

    def blocking(self) -> Expression:
        model: Any = self.model
        if self.model is Asset:
            return (Asset.live == True) | (Asset.cease_date.is_null())  # noqa: E712
        if self.model is Case:
            return Case.closed == False  # noqa: E712
        if self.model is Opportunity:
            return Opportunity.stage.not_in(OPPORTUNITY_CLOSED)
        return model.status.not_in(self.closed_states)  # type: ignore[no-any-return]

    def row(self, record: Any, blocking: bool) -> RecordRow:
        if self.model is Asset:
            ceased = f"ceased {record.cease_date}" if record.cease_date else "no cease date"
            status = "Live" if record.live else "Not live"
            detail = f"started {record.start_date}, {ceased}"
            label = record.name
        elif self.model is Case:
            status, label, detail = (
                record.status,
                record.subject,
                f"opened {record.opened_at:%Y-%m-%d}",
            )
        elif self.model is Opportunity:
            status, label, detail = record.stage, record.name, f"{record.amount:,.2f}"
        elif self.model is Quotation:
            status, label, detail = record.status, record.reference, f"{record.amount:,.2f}"
        else:
            status, label, detail = record.status, record.number, f"{record.amount:,.2f}"
        return RecordRow(self.section, record.id, label, status, detail, blocking)


RECORD_KINDS: dict[str, RecordKind] = {
    kind.section: kind
    for kind in (
        RecordKind("assets", "Assets", Asset, "asset", "assets", "still live", "ceased", ()),
        RecordKind("cases", "Cases", Case, "case", "cases", "still open", "closed", (CASE_CLOSED,)),
        RecordKind(
            "opportunities",
            "Opportunities",
            Opportunity,
            "opportunity",
            "opportunities",
            "still open",
            "won, lost or cancelled",
            OPPORTUNITY_CLOSED,
        ),
        RecordKind(
            "quotations",
            "Quotations",
            Quotation,
            "quotation",
            "quotations",
            "still open",
            "won, lost, expired or cancelled",
            QUOTATION_CLOSED,
        ),
        RecordKind(
            "sales_orders",
            "Sales orders",
            SalesOrder,
            "sales order",
            "sales orders",
            "not completed or cancelled",
            "completed or cancelled",
            SALES_ORDER_CLOSED,
        ),
    )
}

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


def record_kind(section: str) -> RecordKind:
    try:
        return RECORD_KINDS[section]
    except KeyError:
        names = ", ".join(RECORD_KINDS)
        raise InvalidInput(
            f"'{section}' is not a section with records. Use one of: {names}."
        ) from None


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


def _counts_query(customer_id: int, kind: RecordKind) -> ModelSelect:
    model: Any = kind.model
    # COUNT(*), not COUNT(id), and a FILTER rather than a SUM of CASE: the same numbers from
    # the same index entries, read about a fifth faster by SQLite (PostgreSQL has FILTER too).
    return model.select(  # type: ignore[no-any-return]
        Value(kind.section).alias("section"),
        fn.COUNT(SQL("*")).alias("total"),
        fn.COUNT(SQL("*")).filter(kind.blocking()).alias("blocking"),
    ).where(model.customer == customer_id)


# Stands for the customer while the counting statement is written; no customer has this id.
_ANY_CUSTOMER = -7_305_001


@functools.lru_cache(maxsize=16)
def _counts_statement(dialect: str, sections: tuple[str, ...]) -> tuple[str, tuple[Any, ...]]:
    """The counting statement for these sections, written by peewee once per kind of database:
    writing it each time took peewee a seventh of the time SQLite took to count 50,000 records."""
    query: Any = None
    for section in sections:
        part = _counts_query(_ANY_CUSTOMER, RECORD_KINDS[section])
        query = part if query is None else query.union_all(part)
    sql, params = query.sql()
    return str(sql), tuple(params)


def all_record_counts(
    customer_id: int, kinds: Sequence[RecordKind] | None = None
) -> dict[str, tuple[int, int]]:
    """(total, blocking) for each kind of record (all by default), by section key: one aggregate
    query per table, sent together as one UNION ALL statement."""
    sections = tuple(kind.section for kind in (kinds or RECORD_KINDS.values()))
    sql, params = _counts_statement(type(database.obj).__name__, sections)
    bound = [int(customer_id) if value == _ANY_CUSTOMER else value for value in params]
    rows = database.execute_sql(sql, bound).fetchall()
    return {str(key): (int(total), int(blocking)) for key, total, blocking in rows}


def record_counts(customer_id: int, kind: RecordKind) -> tuple[int, int]:
    """(total, blocking) for one kind of record, in one aggregate query."""
    return all_record_counts(customer_id, [kind])[kind.section]


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


def records_query(
    customer_id: int, section: str, *, blocking: bool | None = None
) -> tuple[RecordKind, ModelSelect]:
    kind = record_kind(section)
    model: Any = kind.model
    query = model.select().where(model.customer == customer_id)
    if blocking is True:
        query = query.where(kind.blocking())
    elif blocking is False:
        query = query.where(~kind.blocking())
    return kind, query


def records(
    customer_id: int,
    section: str,
    *,
    blocking: bool | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[RecordRow]:
    """A page of a section's records in id order, keyset-paged by ``after_id``.

    ``blocking=True`` gives only the records that hold the section red, ``False`` only the
    resolved ones, ``None`` both (each row says which it is).
    """
    kind = record_kind(section)

    def page(customer: int, after: int, size: int) -> ModelSelect:
        model: Any = kind.model
        if blocking is None:
            query = model.select(
                model, When(None, [(kind.blocking(), 1)], 0).alias("is_blocking")
            ).where(model.customer == customer)
        else:
            query = records_query(customer, section, blocking=blocking)[1]
        return query.where(model.id > after).order_by(model.id).limit(size)  # type: ignore[no-any-return]

    sql, params = statement(
        f"rules.records.{section}.{blocking}",
        page,
        int(customer_id),
        int(after_id),
        max(1, min(limit, 1000)),
    )
    cursor = database.execute_sql(sql, params)
    shape, converters = _record_shape(kind, tuple(column[0] for column in cursor.description))
    rows = []
    for values in cursor.fetchall():
        record: Any = shape(
            *(
                value if convert is None else convert(value)
                for convert, value in zip(converters, values, strict=True)
            )
        )
        is_blocking = bool(record.is_blocking) if blocking is None else blocking
        rows.append(kind.row(record, is_blocking))
    return rows


@functools.lru_cache(maxsize=32)
def _record_shape(
    kind: RecordKind, columns: tuple[str, ...]
) -> tuple[Any, tuple[Callable[[Any], Any] | None, ...]]:
    """A page's rows as light records (a named tuple of its columns), and the converter of each
    column a driver may hand back as text or a float (dates, times and amounts on SQLite):
    reading a page this way costs a fraction of building a model instance per row."""
    fields = kind.model._meta.columns
    converters = tuple(
        fields[name].python_value
        if isinstance(fields.get(name), (DateField, DateTimeField, DecimalField))
        else None
        for name in columns
    )
    return namedtuple(f"{kind.model.__name__}Row", columns), converters


def blocking_records(
    customer_id: int, section: str, *, after_id: int = 0, limit: int = 100
) -> list[RecordRow]:
    """The records that keep a section red, a page at a time."""
    return records(customer_id, section, blocking=True, after_id=after_id, limit=limit)
