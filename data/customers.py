"""Reading customers for the list, the customer view and the Cancellation Tool.

Everything returned is a plain frozen dataclass, so screens never touch a model (or the
database) outside a worker. Lists are keyset-paged: only what is shown is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

# The list's reads live in data/customer_search.py; callers import them from here too.
from data.customer_search import PAGE as PAGE
from data.customer_search import STATUS_FILTERS as STATUS_FILTERS
from data.customer_search import CustomerRow as CustomerRow
from data.customer_search import customer_count as customer_count
from data.customer_search import customer_page as customer_page
from data.customer_search import status_filter as status_filter
from data.db import connection
from data.errors import NotFound
from data.models import (
    Cancellation,
    CancellationReason,
    CancellationState,
    Customer,
    Expiry,
    NotifyUser,
    Reason,
    Scenario,
    User,
)
from data.statements import select

# The rules and sections, the timeline, billing and the outbox are imported where they are used:
# the customer list (a page of customers) needs none of them to start.
if TYPE_CHECKING:
    from data.billing import BillingSummary
    from data.playbook.model import Playbook
    from data.rules import StepDone
    from data.sections import Section, SectionKey
    from data.timeline import TerminationView


@dataclass(frozen=True)
class RecordCount:
    section: SectionKey
    title: str
    total: int
    blocking: int


@dataclass(frozen=True)
class CancellationView:
    id: int
    state: str
    previous_status: str
    begun_at: dt.datetime
    begun_by: str
    reasons: tuple[str, ...]
    reason_ids: tuple[int, ...]
    reason_text: str
    extra_information: str
    mood: str | None
    new_owner: str | None
    new_owner_login: str | None
    owner_applied_at: dt.datetime | None
    notify: tuple[str, ...]
    notify_logins: tuple[str, ...]
    processed_at: dt.datetime | None
    processed_by: str | None
    scenario: str = Scenario.BUYOUT
    steps: tuple[StepDone, ...] = ()
    # The termination case: open while pending, and after Process until it is closed.
    case_open: bool = True
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    # The playbook the case runs on (the version it was begun with), and a note when that
    # version can no longer be read (the case is then read-only).
    playbook_name: str = ""
    playbook_digest: str = ""
    playbook_note: str = ""
    # The scenario's name in the case's playbook, and (processed) what is left of the
    # termination case: "Cancelled — termination case open: 5 tasks left, next: …".
    scenario_name: str = ""
    case_summary: str = ""
    # The playbook's parties (keys) notified on Process besides ``notify`` (data.notices).
    notify_parties: tuple[str, ...] = ()

    @property
    def scenario_label(self) -> str:
        return self.scenario_name or self.scenario

    def step(self, key: str) -> StepDone | None:
        return next((done for done in self.steps if done.step == key), None)


@dataclass(frozen=True)
class CustomerDetail:
    id: int
    account: str
    name: str
    status: str
    customer_type: str
    owner: str
    owner_login: str | None
    time_zone: str
    admin_name: str
    admin_email: str
    billing_status: str
    modules: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


@dataclass(frozen=True)
class ToolView:
    """Everything the Cancellation Tool shows, read in one go so it is consistent."""

    customer: CustomerDetail
    cancellation: CancellationView | None
    sections: tuple[Section, ...]
    billing: BillingSummary | None = None
    # Why nobody may contact the customer's admin (empty when they may).
    no_contact: str = ""
    termination: TerminationView | None = None
    # The playbook the cancellation runs on (the one in force without a cancellation): its
    # scenarios, steps and sign-offs, for the screens (through data/views.py).
    playbook: Playbook | None = None

    @property
    def red(self) -> list[Section]:
        from data.rules import red_sections

        return red_sections(self.sections)

    @property
    def unfinished(self) -> list[Section]:
        """The sections Process waits for: red, or waiting for tasks due later."""
        from data.rules import unfinished_sections

        return unfinished_sections(self.sections)


@dataclass(frozen=True)
class ExpiryRow:
    date: dt.date
    note: str
    future: bool


@dataclass(frozen=True)
class PendingCancellation:
    account: str
    name: str
    begun_at: dt.datetime
    begun_by: str
    # The next timeline task, in words ("Deactivate access (due tomorrow, Thu 2026-01-16)").
    next_task: str = ""
    # How it sorts: tasks with no date first (they need one), then by due moment.
    urgency: tuple[int, float] = (2, 0.0)
    # Processed with its termination case still open: "Cancelled · case open, 5 tasks left"
    # (empty while pending).
    case_note: str = ""


def _users(ids: Iterable[int | None]) -> dict[int, Any]:
    """The users with these ids (names and logins only), in one query."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    ordered = sorted(wanted)
    query = select(
        User,
        f"customers.users.{len(ordered)}",
        lambda *ids: User.select(User.id, User.display_name, User.login).where(
            User.id.in_(list(ids))
        ),
        *ordered,
    )
    return {user.id: user for user in query}


def _detail(customer: Customer, users: dict[int, Any] | None = None) -> CustomerDetail:
    owner_id = customer.owner_id
    if users is None:
        users = _users([owner_id])
    owner = users.get(owner_id) if owner_id else None
    return CustomerDetail(
        id=customer.id,
        account=customer.account,
        name=customer.name,
        status=customer.status,
        customer_type=customer.customer_type,
        owner=owner.display_name if owner else "",
        owner_login=owner.login if owner else None,
        time_zone=customer.time_zone,
        admin_name=customer.admin_name,
        admin_email=customer.admin_email,
        billing_status=customer.billing_status,
        modules=tuple(customer.module_list),
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        version=customer.version,
    )


def _reasons(cancellation: Cancellation) -> list[tuple[int, str]]:
    """The cancellation's reasons as (id, name), in the order of the reason list."""
    query: Any = select(
        Reason,
        "customers.reasons",
        lambda cancellation_id: (
            Reason.select(Reason.id, Reason.name)
            .join(CancellationReason)
            .where(CancellationReason.cancellation == cancellation_id)
            .order_by(Reason.position, Reason.name)
        ),
        int(cancellation.id),
    ).tuples()
    return [(int(pk), str(name)) for pk, name in query]


def _cancellation_view(
    cancellation: Cancellation,
    reasons: list[tuple[int, str]],
    users: dict[int, Any],
    steps: dict[str, StepDone],
    playbook: Playbook,
) -> CancellationView:
    notify: list[Any] = list(
        select(
            User,
            "customers.notify",
            lambda cancellation_id: (
                User.select(User.display_name, User.login)
                .join(NotifyUser)
                .where(NotifyUser.cancellation == cancellation_id)
                .order_by(User.display_name)
            ),
            int(cancellation.id),
        ).tuples()
    )

    def named(user_id: int | None) -> tuple[str | None, str | None]:
        user = users.get(user_id) if user_id is not None else None
        return (user.display_name, user.login) if user else (None, None)

    from data.playbook.store import version_described
    from data.rules import scenario_label
    from data.timeline import case_open

    new_owner, new_owner_login = named(cancellation.new_owner_id)
    playbook_name, playbook_digest, playbook_note = version_described(cancellation)
    return CancellationView(
        id=cancellation.id,
        state=cancellation.state,
        previous_status=cancellation.previous_status,
        begun_at=cancellation.begun_at,
        begun_by=named(cancellation.begun_by_id)[0] or "",
        reasons=tuple(name for _, name in reasons),
        reason_ids=tuple(sorted(pk for pk, _ in reasons)),
        reason_text=cancellation.reason_text,
        extra_information=cancellation.extra_information,
        mood=cancellation.mood,
        new_owner=new_owner,
        new_owner_login=new_owner_login,
        owner_applied_at=cancellation.owner_applied_at,
        notify=tuple(name for name, _ in notify),
        notify_logins=tuple(login for _, login in notify),
        processed_at=cancellation.processed_at,
        processed_by=named(cancellation.processed_by_id)[0],
        scenario=str(cancellation.scenario),
        steps=tuple(steps.values()),
        case_open=case_open(cancellation),
        closed_at=cancellation.closed_at,
        closed_by=named(cancellation.closed_by_id)[0],
        playbook_name=playbook_name,
        playbook_digest=playbook_digest,
        playbook_note=playbook_note,
        scenario_name=scenario_label(str(cancellation.scenario), playbook),
        notify_parties=tuple(
            key for key in str(cancellation.notify_parties or "").split(",") if key.strip()
        ),
    )


def customer_detail(account: str) -> CustomerDetail:
    with connection():
        return _detail(Customer.by_account(account))


def record_totals(account: str) -> list[RecordCount]:
    """How many records of each kind the customer has, and how many would block a cancellation."""
    from data.records import RECORD_KINDS, record_counts
    from data.sections import SectionKey

    with connection():
        customer = Customer.by_account(account)
        counts = [
            RecordCount(kind.section, kind.title, *record_counts(customer.id, kind))
            for kind in RECORD_KINDS.values()
        ]
        expiries = Expiry.select().where(Expiry.customer == customer).count()
        counts.append(RecordCount(SectionKey.EXPIRY, "Expiries", int(expiries), 0))
        return counts


def expiries(account: str, *, limit: int = 20) -> list[ExpiryRow]:
    """The customer's expiries, latest first; ``future`` says which count for the section
    (dated after today in the customer's time zone)."""
    from data.dates import today_in

    with connection():
        customer = Customer.by_account(account)
        today = today_in(str(customer.time_zone))
        query = (
            Expiry.select(Expiry.date, Expiry.note)
            .where(Expiry.customer == customer)
            .order_by(Expiry.date.desc(), Expiry.id.desc())
            .limit(max(1, min(limit, 1000)))
        )
        rows: Any = query.tuples()
        return [ExpiryRow(date, note, date > today) for date, note in rows]


def tool_view(account: str) -> ToolView:
    """The customer, its pending (or last processed) cancellation, and every section."""
    from data.billing import summary as billing_summary
    from data.outbox import no_contact_reason
    from data.rules import current_cancellation, evaluate, steps_done
    from data.timeline import case_summary, playbook_of, termination_view

    with connection():
        customer = Customer.by_account(account)
        cancellation = current_cancellation(customer)
        # Read once and shared by the sections and the view: every query here is on the way
        # to the Cancellation Tool showing.
        reasons = _reasons(cancellation) if cancellation is not None else []
        playbook = playbook_of(cancellation)
        steps = steps_done(cancellation, playbook) if cancellation is not None else {}
        termination = (
            termination_view(customer, cancellation, playbook=playbook)
            if cancellation is not None
            else None
        )
        sections = tuple(
            evaluate(
                customer,
                cancellation,
                reasons=[name for _, name in reasons],
                steps=steps,
                termination=termination.sections if termination is not None else None,
                playbook=playbook,
            )
        )
        people = [customer.owner_id]
        if cancellation is not None:
            people += [
                cancellation.begun_by_id,
                cancellation.new_owner_id,
                cancellation.processed_by_id,
                cancellation.closed_by_id,
            ]
        users = _users(people)
        view = (
            _cancellation_view(cancellation, reasons, users, steps, playbook)
            if cancellation is not None
            else None
        )
        if view is not None and cancellation is not None and termination is not None:
            view = replace(
                view, case_summary=case_summary(customer, cancellation, termination.timeline)
            )
        return ToolView(
            _detail(customer, users),
            view,
            sections,
            billing_summary(customer),
            no_contact_reason(customer),
            termination,
            playbook,
        )


def pending_cancellations(login: str | None = None) -> list[PendingCancellation]:
    """Pending cancellations and processed ones whose termination case is open (only those
    begun by ``login`` when given), the one whose next timeline task is due first at the top."""
    from data.timeline import left_for_close, open_case_query, timelines_of, urgency

    with connection():
        cancellations = list(open_case_query(login))
        timelines = timelines_of(cancellations)
    pending = []
    for cancellation, view in zip(cancellations, timelines, strict=True):
        row = PendingCancellation(
            cancellation.customer.account,
            cancellation.customer.name,
            cancellation.begun_at,
            cancellation.begun_by.display_name,
        )
        if cancellation.state == CancellationState.PROCESSED:
            left = len(left_for_close(view))
            row = replace(
                row,
                case_note=f"Cancelled · case open, {left} task{'s' if left != 1 else ''} left",
            )
        task = view.next_due()
        if task is not None:
            due = f", {task.due.absolute()}" if task.due else ""
            row = replace(
                row,
                next_task=f"{task.task.title} ({task.relative}{due})",
                urgency=urgency(task),
            )
        pending.append(row)
    return sorted(pending, key=lambda row: row.urgency)


def read_termination(account: str) -> TerminationView:
    """The Timeline screen's view of the customer's pending (else last processed) cancellation."""
    from data.rules import current_cancellation
    from data.timeline import termination_view

    with connection():
        customer = Customer.by_account(account)
        cancellation = current_cancellation(customer)
        if cancellation is None:
            raise NotFound(f"{customer.name} has no cancellation, so there is no timeline yet.")
        return termination_view(customer, cancellation)
