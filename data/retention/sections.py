"""The tool's two retention sections (issue 15), read for one cancellation:

- **Retention**: green with the customer's latest save attempt lost, or a note on the
  cancellation why none was made; red with none, one still open, or one that kept the customer.
  Without a cancellation it only says what the latest attempt was (never red).
- **Approval**: only when the cancellation is linked to a cancel request (linked when the
  request was made, or the customer's latest cancel request not yet linked to another
  cancellation and not recalled); green only once the request is approved."""

from __future__ import annotations

from data.dates import when
from data.models import Cancellation, Customer, User
from data.retention.models import (
    ChangeRequest,
    Outcome,
    RequestKind,
    RequestState,
    RetentionNote,
    SaveAttempt,
)
from data.sections import Section, SectionKey, SectionState

RETENTION_NAME = "Retention"
APPROVAL_NAME = "Approval"


def _name(user_id: int | None) -> str:
    user = User.get_or_none(User.id == user_id) if user_id is not None else None
    return str(user.display_name) if user is not None else "nobody"


def latest_attempt(customer_id: int) -> SaveAttempt | None:
    """The customer's most recent save attempt."""
    return (  # type: ignore[no-any-return]
        SaveAttempt.select()
        .where(SaveAttempt.customer == customer_id)
        .order_by(SaveAttempt.at.desc(), SaveAttempt.id.desc())
        .first()
    )


def retention_section(customer: Customer, cancellation: Cancellation | None) -> Section:
    """Without a cancellation the section only informs (the latest attempt, never red)."""
    if cancellation is None:
        latest = latest_attempt(int(customer.id))
        summary = (
            f"Last save attempt {latest.outcome} ({when(latest.at)}, {_name(latest.by_id)})"
            if latest is not None
            else "No save attempt recorded"
        )
        return Section(SectionKey.RETENTION, RETENTION_NAME, SectionState.OPTIONAL, summary, 0)
    if cancellation is not None:
        note = RetentionNote.get_or_none(RetentionNote.cancellation == cancellation.id)
        if note is not None:
            return Section(
                SectionKey.RETENTION,
                RETENTION_NAME,
                SectionState.CLEAR,
                f"No save attempt: {note.note}",
                0,
                1,
            )
    attempt = latest_attempt(int(customer.id))
    if attempt is None:
        summary = "No save attempt: record one (s on the customer) or a note why none was made"
        return Section(SectionKey.RETENTION, RETENTION_NAME, SectionState.BLOCKING, summary, 1)
    by, at = _name(attempt.by_id), when(attempt.at)
    outcome = str(attempt.outcome)
    if outcome == Outcome.LOST:
        summary = f"Save attempt lost ({at}, {by})"
        return Section(SectionKey.RETENTION, RETENTION_NAME, SectionState.CLEAR, summary, 0, 1)
    if outcome == Outcome.OPEN:
        summary = f"Save attempt still open ({at}, {by}): record its outcome"
    else:
        summary = (
            f"The last save attempt ended {outcome} ({at}, {by}): record a new one, or remove "
            "the cancellation"
        )
    return Section(SectionKey.RETENTION, RETENTION_NAME, SectionState.BLOCKING, summary, 1, 1)


def linked_request(cancellation: Cancellation) -> ChangeRequest | None:
    """The cancel request the cancellation is linked to, if any (see the module)."""
    linked = (
        ChangeRequest.select()
        .where(ChangeRequest.cancellation == cancellation.id)
        .order_by(ChangeRequest.id.desc())
        .first()
    )
    if linked is not None:
        return linked  # type: ignore[no-any-return]
    return (  # type: ignore[no-any-return]
        ChangeRequest.select()
        .where(
            (ChangeRequest.customer == cancellation.customer_id)
            & (ChangeRequest.kind == RequestKind.CANCEL)
            & ChangeRequest.cancellation.is_null()
            & (ChangeRequest.state != RequestState.RECALLED)
        )
        .order_by(ChangeRequest.id.desc())
        .first()
    )


def approval_section(cancellation: Cancellation | None) -> Section | None:
    """The Approval section, or None when the cancellation has no cancel request."""
    if cancellation is None:
        return None
    request = linked_request(cancellation)
    if request is None:
        return None
    from data.retention.chain import waiting_step  # the chain as the request stored it

    number = f"Cancel request #{request.id}"
    state = str(request.state)
    if state == RequestState.APPROVED:
        summary = f"{number} approved {when(request.decided_at)}"
        return Section(SectionKey.APPROVAL, APPROVAL_NAME, SectionState.CLEAR, summary, 0, 1)
    if state == RequestState.SUBMITTED:
        step = waiting_step(request)
        waiting = f": {step.label} ({step.approver_words})" if step is not None else ""
        summary = f"{number} waiting for approval{waiting}"
    elif state in (RequestState.REJECTED, RequestState.RECALLED):
        summary = f"{number} was {state}: edit it if needed and submit it again"
    else:
        summary = f"{number} is a draft: submit it for approval"
    return Section(SectionKey.APPROVAL, APPROVAL_NAME, SectionState.BLOCKING, summary, 1, 1)


def linked_request_id(account: str) -> int | None:
    """The id of the cancel request the customer's current cancellation is linked to."""
    from data.db import connection
    from data.rules import current_cancellation

    with connection():
        customer = Customer.by_account(account)
        cancellation = current_cancellation(customer)
        request = linked_request(cancellation) if cancellation is not None else None
        return int(request.id) if request is not None else None
