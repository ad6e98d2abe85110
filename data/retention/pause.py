"""Contract pause (seed 004): an approved pause request makes the customer Paused (no
offboarding runs for it: no tool sections, no timeline) until Resume, which ends the pause
early or on time and makes the customer Live again. A paused customer cannot begin a
cancellation (the Cancellation Tool's Begin refuses any customer that is not Live)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data.cancellations.kernel import Outcome as Done
from data.db import connection
from data.errors import Conflict
from data.models import Customer, CustomerStatus, User
from data.retention.changes import require_works_on, retention_change
from data.retention.models import ChangeRequest, RequestKind, RequestState


@dataclass(frozen=True)
class Pause:
    request_id: int
    start: dt.date
    end: dt.date | None


def _active_pause(customer_id: int) -> ChangeRequest | None:
    return (  # type: ignore[no-any-return]
        ChangeRequest.select()
        .where(
            (ChangeRequest.customer == customer_id)
            & (ChangeRequest.kind == RequestKind.PAUSE)
            & (ChangeRequest.state == RequestState.APPROVED)
            & ChangeRequest.resumed_at.is_null()
        )
        .order_by(ChangeRequest.decided_at.desc(), ChangeRequest.id.desc())
        .first()
    )


def pause_of(account: str) -> Pause | None:
    """The customer's pause, while it is Paused."""
    with connection():
        customer = Customer.by_account(account)
        if customer.status != CustomerStatus.PAUSED:
            return None
        request = _active_pause(int(customer.id))
        if request is None:
            return None
        return Pause(int(request.id), request.effective_date, request.end_date)


def status_words(account: str) -> str:
    """The customer's status as the customer screen may show it: "Paused until 2027-01-31"
    for a paused customer, else its status."""
    with connection():
        customer = Customer.by_account(account)
        status = str(customer.status)
    if status != CustomerStatus.PAUSED:
        return status
    pause = pause_of(account)
    return f"Paused until {pause.end}" if pause is not None and pause.end else "Paused"


def resume(login: str, account: str, *, expected_version: int | None = None) -> Done:
    """End the customer's pause (early or on time): it is Live again."""

    def allowed(who: User, customer: Customer) -> None:
        require_works_on(who, customer, "resume a paused customer")
        if customer.status != CustomerStatus.PAUSED:
            raise Conflict(f"{customer.name} is {customer.status}, not Paused: nothing to resume.")

    with retention_change(
        login, account=account, expected_version=expected_version, allowed=allowed
    ) as c:
        request = _active_pause(int(c.customer.id))
        if request is not None:
            ChangeRequest.update(
                resumed_at=c.now, resumed_by=c.who.id, version=ChangeRequest.version + 1
            ).where(ChangeRequest.id == request.id).execute()
        c.bump(status=CustomerStatus.LIVE)
        c.audit(
            "resume",
            before={"status": CustomerStatus.PAUSED},
            after={"status": CustomerStatus.LIVE},
            record_kind="change_request" if request is not None else "",
            record_id=int(request.id) if request is not None else None,
        )
        early = ""
        if request is not None and request.end_date is not None and c.today() < request.end_date:
            early = f" (the pause was to end on {request.end_date})"
        return c.outcome(f"{c.customer.name} resumed: Live again{early}.")
