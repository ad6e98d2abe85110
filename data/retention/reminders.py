"""The retention reminders for Today (issue 15): an approved change request's effective date
coming within the playbook's ``reminder_days`` (seed 004: "remind the MA team as we get closer
to the effective date"), and a paused customer's end date coming (or passed: Resume it).

``retention_reminders(today)`` is what Today's query includes; it reads in one connection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data import clock
from data.db import connection
from data.models import Customer, CustomerStatus
from data.playbook import current_playbook
from data.retention.models import ChangeRequest, RequestKind, RequestState
from data.retention.requests import KIND_LABELS


@dataclass(frozen=True)
class Reminder:
    """One line for Today: the customer, what is coming and when."""

    account: str
    customer_name: str
    request_id: int
    kind: str  # "effective" (a request's effective date) or "pause-end"
    due: dt.date
    title: str
    days: int  # days from today to ``due`` (negative: passed)
    time_zone: str  # the customer's, to show ``due`` in


def retention_reminders(today: dt.date | None = None) -> list[Reminder]:
    """Approved requests whose effective date is within ``reminder_days`` (and not passed), and
    paused customers whose pause ends within them (or has ended), soonest first."""
    chain = current_playbook().approval
    days = chain.reminder_days if chain is not None else 7
    today = today or clock.now().date()
    horizon = today + dt.timedelta(days=days)
    found: list[Reminder] = []
    with connection():
        approved = (
            ChangeRequest.select(ChangeRequest, Customer)
            .join(Customer)
            .where(
                (ChangeRequest.state == RequestState.APPROVED)
                & (ChangeRequest.effective_date >= today)
                & (ChangeRequest.effective_date <= horizon)
            )
        )
        for request in approved:
            customer = request.customer
            label = KIND_LABELS.get(str(request.kind), str(request.kind))
            found.append(
                Reminder(
                    str(customer.account),
                    str(customer.name),
                    int(request.id),
                    "effective",
                    request.effective_date,
                    f"{label} {customer.name}: change request #{request.id} takes effect on "
                    f"{request.effective_date}",
                    (request.effective_date - today).days,
                    str(customer.time_zone),
                )
            )
        paused = (
            ChangeRequest.select(ChangeRequest, Customer)
            .join(Customer)
            .where(
                (ChangeRequest.kind == RequestKind.PAUSE)
                & (ChangeRequest.state == RequestState.APPROVED)
                & ChangeRequest.resumed_at.is_null()
                & (Customer.status == CustomerStatus.PAUSED)
                & ChangeRequest.end_date.is_null(False)
                & (ChangeRequest.end_date <= horizon)
            )
        )
        for request in paused:
            customer = request.customer
            end: dt.date = request.end_date  # type: ignore[assignment]  # not null: the query
            ended = "ended" if end < today else "ends"
            found.append(
                Reminder(
                    str(customer.account),
                    str(customer.name),
                    int(request.id),
                    "pause-end",
                    end,
                    f"{customer.name}'s pause {ended} on {end}: Resume it "
                    f"(offboard resume {customer.account})",
                    (end - today).days,
                    str(customer.time_zone),
                )
            )
    return sorted(found, key=lambda r: (r.due, r.account, r.request_id))
