"""What each screen reads at once: the batched reads behind the customer list, the customer, the
Cancellation Tool and Manage <section>, each in one connection of its own; and what the screens
read of the playbook a cancellation runs on (its scenarios, steps, sign-offs), from the view.

A screen's worker calls one of these and gets everything it shows in a single round of reads,
so screens never open a connection themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from data.customers import (
    CustomerRow,
    RecordCount,
    ToolView,
    customer_count,
    customer_page,
    record_totals,
    tool_view,
)
from data.db import connection
from data.users import ReasonRow, UserRow, list_reasons, list_users

if TYPE_CHECKING:
    from data.records import RecordRow
    from data.timeline import TerminationView, TodayTask


@dataclass(frozen=True)
class Cursor:
    """Where the next page of a section's records starts: in the blocking records or the
    resolved ones, after an id."""

    blocking: bool = True
    after_id: int = 0
    done: bool = False


def customer_list_page(
    search: str,
    status: str | None,
    *,
    after: tuple[str, int] | None,
    limit: int,
    counted: bool,
) -> tuple[list[CustomerRow], int | None]:
    """A page of the customer list after ``after``, and (``counted``) how many match in all (a
    search's count stops at LIST_COUNT_LIMIT)."""
    from data.customer_search import LIST_COUNT_LIMIT

    with connection():
        rows = customer_page(search, status, after=after, limit=limit)
        total = customer_count(search, status, up_to=LIST_COUNT_LIMIT) if counted else None
    return rows, total


def customer_screen(account: str) -> tuple[ToolView, list[RecordCount]]:
    """The customer and its record totals."""
    with connection():
        return tool_view(account), record_totals(account)


def tool_screen(account: str) -> tuple[ToolView, list[ReasonRow], list[UserRow]]:
    """The cancellation, every reason (retired ones too) and the active users."""
    with connection():
        view = tool_view(account)
        reasons = list_reasons(include_retired=True)
        users = list_users(include_inactive=False)
    return view, reasons, users


def section_records(
    account: str, section: str, cursor: Cursor, *, customer_id: int | None, limit: int
) -> tuple[ToolView | None, list[RecordRow], Cursor]:
    """Up to ``limit`` records of a section from ``cursor`` on (blocking ones first, then the
    resolved ones), and where the next page starts. Without ``customer_id`` the customer's
    view is read too (a fresh start of the screen)."""
    from data.records import records

    with connection():
        view = tool_view(account) if customer_id is None else None
        customer = view.customer.id if view is not None else customer_id
        assert customer is not None
        rows: list[RecordRow] = []
        while not cursor.done and len(rows) < limit:
            wanted = limit - len(rows)
            page = records(
                customer,
                section,
                blocking=cursor.blocking,
                after_id=cursor.after_id,
                limit=wanted,
            )
            rows.extend(page)
            if len(page) < wanted:
                # This part is exhausted: go on to the resolved records, or stop.
                cursor = Cursor(False, 0, done=not cursor.blocking)
            else:
                cursor = Cursor(cursor.blocking, page[-1].id)
    return view, rows, cursor


def today_screen(login: str | None = None) -> tuple[list[TodayTask], frozenset[str]]:
    """The Today list (every open termination case's tasks due today or overdue; only the
    cases ``login`` began, when given) and which of its accounts are already Cancelled: their
    cancellation is processed and the termination case is still open."""
    from data.models import Customer, CustomerStatus
    from data.timeline import due_today

    with connection():
        rows = due_today(login)
        accounts = sorted({row.account for row in rows})
        cancelled: frozenset[str] = frozenset()
        if accounts:
            query = Customer.select(Customer.account).where(
                Customer.account.in_(accounts) & (Customer.status == CustomerStatus.CANCELLED)
            )
            found: Any = query.tuples()
            cancelled = frozenset(str(account) for (account,) in found)
    return rows, cancelled


def scenario_choices(view: ToolView | None = None) -> list[tuple[str, str]]:
    """The scenarios as (label, key): of the cancellation's playbook, or (no view, at Begin)
    of the playbook in force."""
    from data.rules import scenario_choices as choices

    return choices(view.playbook if view is not None else None)


def section_title(view: ToolView, key: str) -> str:
    """The name of a section of the tool (a scenario's sections are named by the playbook)."""
    from data.rules import section_name

    return section_name(key, view.playbook)


def section_steps(view: ToolView, key: str) -> list[tuple[str, str]]:
    """The steps a scenario's section asks someone to confirm, as (step, label), in order;
    empty for a section that asks for none."""
    from data.rules import scenario_section, step_label

    if view.cancellation is None:
        return []
    section = scenario_section(view.cancellation.scenario, key, view.playbook)
    if section is None:
        return []
    return [(step, step_label(step, view.playbook)) for step in section.steps]


def sends_notice(view: ToolView) -> bool:
    """Whether the cancellation's scenario tells the admin by the offboarding notice."""
    from data.rules import sends_notice as notifies

    return view.cancellation is not None and notifies(view.cancellation.scenario, view.playbook)


def sign_off_choices(termination: TerminationView) -> list[tuple[str, str, str]]:
    """The case's sign-offs in order, as (key, what is confirmed, who confirms it)."""
    return list(termination.sign_off_list)


def begin_scenario(*, collections: bool) -> str:
    """The scenario Begin offers first: the playbook's default, or for an account Billing sent
    to collections its first no-contact scenario."""
    from data.timeline import playbook_of

    playbook = playbook_of(None)
    if collections:
        for key, rule in playbook.scenarios.items():
            if rule.no_contact:
                return key
    return playbook.default_scenario
