"""Change requests (seed 004), the request as a record: its values and their validation
(kind, effective date, credit, a pause's end date, notes), creating a draft and editing it,
and what every operation on a request shares — finding it, checking the version the caller
loaded, bumping it, refusing a locked one, and the ``RequestDone`` it returns.

Submitting and deciding a request is ``data.retention.decisions``; its approval chain
``data.retention.chain``; reading requests ``data.retention.request_views``. Every refusal is
one line and writes nothing; every change is audited and bumps the request's version and the
customer's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from data.cancellations.kernel import CustomerChange, clean_text, next_version, pending
from data.cancellations.kernel import Outcome as Done
from data.dates import parse_date
from data.db import connection, row_by_id
from data.errors import Conflict, InvalidInput, NotFound, clip
from data.models import Customer, User
from data.retention.changes import require_works_on, retention_change
from data.retention.models import ChangeRequest, RequestKind, RequestState, SaveAttempt

KIND_LABELS: dict[str, str] = {
    RequestKind.CANCEL: "Cancel",
    RequestKind.PAUSE: "Pause",
    RequestKind.REDUCE: "Reduce",
}
# The largest credit the column holds: all its digits nines (9,999,999,999.99).
CREDIT_LIMIT = Decimal(10) ** (
    ChangeRequest.credit.max_digits - ChangeRequest.credit.decimal_places
) - Decimal("0.01")
REQUEST_KIND = "change_request"  # the audit events' record_kind


# ----------------------------------------------------------------------------- values


def kind_named(text: str | None) -> RequestKind:
    wanted = " ".join((text or "").split()).casefold()
    for kind in RequestKind:
        if wanted == kind.value:
            return kind
    raise InvalidInput(
        f"'{clip(text)}' is not a kind of change request. Choose cancel, pause or reduce."
    )


def parse_credit(value: str | Decimal | int | None) -> Decimal:
    """A credit: a number of at most two decimals, from 0 to ``CREDIT_LIMIT`` (what the column
    holds), as the column stores it (``-0`` is 0.00)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0.00")
    typed = clip(str(value).strip())
    written = str(value).strip().replace(",", "")
    try:
        # ASCII only: Decimal also reads '１００' (full-width digits) as 100.
        number = Decimal(written) if written.isascii() else Decimal("NaN")
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise InvalidInput(
            f"The credit '{typed}' is not a number. Write an amount such as 250 or 99.50."
        )
    if number < 0:
        raise InvalidInput(
            f"The credit cannot be negative ('{typed}'): write the amount to be issued, or 0."
        )
    # Compared before rounding: rounding 1e30 to cents would need more digits than Decimal has.
    if number > CREDIT_LIMIT:
        raise InvalidInput(
            f"The credit '{typed}' is too large: write at most {CREDIT_LIMIT:,} (what a change "
            "request can record)."
        )
    cents = number.quantize(Decimal("0.01"))
    if number != cents:
        raise InvalidInput(
            f"The credit '{typed}' has more than two decimals: write it in cents, such as 99.50."
        )
    return cents + Decimal("0.00")  # -0.00 + 0.00 is 0.00


def _date(value: str | dt.date | None, zone: str, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    if not value.strip():
        return None
    try:
        return parse_date(value, zone)
    except InvalidInput as error:
        raise InvalidInput(f"The {what}: {error}") from None


def _check_dates(kind: str, effective: dt.date, end: dt.date | None) -> None:
    if end is None:
        return
    if kind != RequestKind.PAUSE:
        raise InvalidInput(
            "Only a pause has an end date: leave it out for a cancel or reduce request."
        )
    if end < effective:
        raise InvalidInput(
            f"The pause's end date {end} is before its start ({effective}): the pause ends on or "
            "after the day it begins."
        )


# ----------------------------------------------------------------------------- one request


def find_request(request_id: int) -> ChangeRequest:
    """The request, or NotFound."""
    found = row_by_id(ChangeRequest, request_id)
    if found is None:
        raise NotFound(f"There is no change request #{request_id}.")
    return found


def locked_request(request_id: int, expected_version: int | None) -> ChangeRequest:
    """The request, refused when it is no longer the version the caller loaded."""
    request = find_request(request_id)
    if expected_version is not None and request.version != expected_version:
        raise Conflict(
            f"Change request #{request_id} was changed after you loaded it. Refresh to see the "
            "change, then try again."
        )
    return request


def bump(request: ChangeRequest, **changes: Any) -> None:
    """Write ``changes`` and a new version, refused if someone changed it meanwhile."""
    next_version(request, f"Change request #{request.id}", **changes)


def account_of(request_id: int) -> str:
    """The account number of the request's customer (for ``retention_change``)."""
    with connection():
        return str(find_request(request_id).customer.account)


def refuse_if_locked(request: ChangeRequest) -> None:
    """A submitted request is locked and an approved one final: neither is changed."""
    state = str(request.state)
    if state == RequestState.SUBMITTED:
        raise Conflict(
            f"Change request #{request.id} is submitted and locked while it is in approval: "
            f"nothing was changed. Recall it first (offboard change-request recall {request.id})."
        )
    if state == RequestState.APPROVED:
        raise Conflict(f"Change request #{request.id} is approved: it can no longer be changed.")


# ----------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class RequestDone:
    """What an operation on a request did, the request's id and version after it."""

    message: str
    request_id: int
    version: int
    account: str
    customer_version: int


def request_done(c: CustomerChange, request: ChangeRequest, message: str) -> RequestDone:
    """Finish the change (its audit events) and say what it did."""
    outcome: Done = c.outcome(message)
    return RequestDone(
        message, int(request.id), int(request.version), outcome.account, outcome.version
    )


def create_request(
    login: str,
    account: str,
    kind: str,
    effective: str | dt.date,
    *,
    credit: str | Decimal | None = None,
    end_date: str | dt.date | None = None,
    notes: str = "",
    retention: bool | None = None,
) -> RequestDone:
    """Create a change request (a draft). ``retention``: whether the retention team took part
    (by default: whether the customer has a save attempt)."""
    chosen = kind_named(kind)
    amount = parse_credit(credit)
    text = clean_text(notes, "The notes")

    def allowed(who: User, customer: Customer) -> None:
        require_works_on(who, customer, "create a change request")

    with retention_change(login, account=account, allowed=allowed) as c:
        zone = str(c.customer.time_zone)
        start = _date(effective, zone, "effective date")
        if start is None:
            raise InvalidInput("A change request needs its effective date (such as 2026-12-31).")
        end = _date(end_date, zone, "end date")
        _check_dates(chosen, start, end)
        if retention is None:
            retention = SaveAttempt.select().where(SaveAttempt.customer == c.customer.id).exists()
        linked = pending(c.customer) if chosen == RequestKind.CANCEL else None
        request = ChangeRequest.create(
            customer=c.customer,
            kind=chosen,
            effective_date=start,
            end_date=end,
            credit=amount,
            notes=text,
            retention=bool(retention),
            cancellation=linked,
            created_by=c.who,
            created_at=c.now,
        )
        c.audit(
            "create change request",
            record_kind=REQUEST_KIND,
            record_id=request.id,
            after={
                "kind": chosen,
                "effective_date": start,
                "end_date": end,
                "credit": amount,
                "notes": text,
                "retention": bool(retention),
            },
            cancellation=linked,
        )
        return request_done(
            c,
            request,
            f"Change request #{request.id} ({KIND_LABELS[chosen].lower()} {c.customer.name} from "
            f"{start}) created as a draft: submit it for approval.",
        )


def edit_request(
    login: str,
    request_id: int,
    *,
    expected_version: int | None = None,
    effective: str | dt.date | None = None,
    credit: str | Decimal | None = None,
    end_date: str | dt.date | None = None,
    notes: str | None = None,
    retention: bool | None = None,
) -> RequestDone:
    """Change a draft (or a rejected or recalled request); a submitted one is locked."""
    amount = parse_credit(credit) if credit is not None else None
    text = clean_text(notes, "The notes") if notes is not None else None

    def allowed(who: User, customer: Customer) -> None:
        require_works_on(who, customer, "edit a change request")

    with retention_change(login, account_of(request_id), allowed=allowed) as c:
        request = locked_request(request_id, expected_version)
        refuse_if_locked(request)
        zone = str(c.customer.time_zone)
        changes: dict[str, Any] = {}
        start = _date(effective, zone, "effective date") if effective is not None else None
        if start is not None:
            changes["effective_date"] = start
        if end_date is not None:
            changes["end_date"] = _date(end_date, zone, "end date")
        if amount is not None:
            changes["credit"] = amount
        if text is not None:
            changes["notes"] = text
        if retention is not None:
            changes["retention"] = retention
        _check_dates(
            str(request.kind),
            changes.get("effective_date", request.effective_date),
            changes.get("end_date", request.end_date),
        )
        changed = {k: v for k, v in changes.items() if getattr(request, k) != v}
        if not changed:
            raise InvalidInput(
                f"Nothing to change on change request #{request_id}: give a new value "
                "(--effective, --end, --credit, --notes, --retention)."
            )
        before = {k: getattr(request, k) for k in changed}
        bump(request, **changed)
        c.audit(
            "edit change request",
            record_kind=REQUEST_KIND,
            record_id=request.id,
            before=before,
            after=changed,
        )
        return request_done(
            c, request, f"Change request #{request_id} changed: {', '.join(changed)}."
        )


__all__ = [
    "CREDIT_LIMIT",
    "KIND_LABELS",
    "REQUEST_KIND",
    "RequestDone",
    "account_of",
    "bump",
    "create_request",
    "edit_request",
    "find_request",
    "kind_named",
    "locked_request",
    "parse_credit",
    "refuse_if_locked",
    "request_done",
]
