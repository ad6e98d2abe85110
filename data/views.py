"""What each screen reads at once: the batched reads behind the customer list, the customer, the
Cancellation Tool and Manage <section>, each in one connection of its own.

A screen's worker calls one of these and gets everything it shows in a single round of reads,
so screens never open a connection themselves."""

from __future__ import annotations

from dataclasses import dataclass

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
from data.records import RecordRow, records
from data.users import ReasonRow, UserRow, list_reasons, list_users


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
    """A page of the customer list after ``after``, and (``counted``) how many match in all."""
    with connection():
        rows = customer_page(search, status, after=after, limit=limit)
        total = customer_count(search, status) if counted else None
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
