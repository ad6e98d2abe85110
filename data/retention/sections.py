"""The tool's two retention sections (issue 15), read for one cancellation:

- **Retention**: green with the customer's latest save attempt lost, or a note on the
  cancellation why none was made; red with none, one still open, or one that kept the customer.
  Without a cancellation it only says what the latest attempt was (never red).
- **Approval**: only when the cancellation is linked to a cancel request (linked when the
  request was made, or the customer's latest cancel request not yet linked to another
  cancellation and not recalled); green only once the request is approved."""

from __future__ import annotations

from typing import Any

from peewee import JOIN

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
from data.statements import select

RETENTION_NAME = "Retention"
APPROVAL_NAME = "Approval"


def latest_attempt(customer_id: int) -> SaveAttempt | None:
    """The customer's most recent save attempt."""
    return (  # type: ignore[no-any-return]
        SaveAttempt.select()
        .where(SaveAttempt.customer == customer_id)
        .order_by(SaveAttempt.at.desc(), SaveAttempt.id.desc())
        .first()
    )


def _latest_attempt_seen(customer_id: int) -> tuple[str, Any, str] | None:
    """The outcome, time and author's name of the customer's most recent save attempt: what the
    section shows of it, in one query (the author joined, not read after)."""
    query = select(
        SaveAttempt,
        "retention.latest_attempt",
        lambda customer: (
            SaveAttempt.select(SaveAttempt.outcome, SaveAttempt.at, User.display_name)
            .join(User, JOIN.LEFT_OUTER, on=(User.id == SaveAttempt.by))
            .where(SaveAttempt.customer == customer)
            .order_by(SaveAttempt.at.desc(), SaveAttempt.id.desc())
            .limit(1)
        ),
        customer_id,
    )
    row: tuple[Any, Any, Any] | None = next(iter(query.tuples()), None)
    if row is None:
        return None
    outcome, at, name = row
    return str(outcome), at, str(name) if name is not None else "nobody"


def retention_note(cancellation_id: int) -> str | None:
    """The note on the cancellation why no save attempt was made, if there is one."""
    query = select(
        RetentionNote,
        "retention.note",
        lambda cancellation: (
            RetentionNote.select(RetentionNote.note)
            .where(RetentionNote.cancellation == cancellation)
            .limit(1)
        ),
        cancellation_id,
    )
    row: tuple[Any] | None = next(iter(query.tuples()), None)
    return str(row[0]) if row is not None else None


def retention_section(customer: Customer, cancellation: Cancellation | None) -> Section:
    """Without a cancellation the section only informs (the latest attempt, never red)."""
    if cancellation is None:
        latest = _latest_attempt_seen(int(customer.id))
        summary = (
            f"Last save attempt {latest[0]} ({when(latest[1])}, {latest[2]})"
            if latest is not None
            else "No save attempt recorded"
        )
        return Section(SectionKey.RETENTION, RETENTION_NAME, SectionState.OPTIONAL, summary, 0)
    note = retention_note(int(cancellation.id))
    if note is not None:
        return Section(
            SectionKey.RETENTION,
            RETENTION_NAME,
            SectionState.CLEAR,
            f"No save attempt: {note}",
            0,
            1,
        )
    attempt = _latest_attempt_seen(int(customer.id))
    if attempt is None:
        summary = "No save attempt: record one (s on the customer) or a note why none was made"
        return Section(SectionKey.RETENTION, RETENTION_NAME, SectionState.BLOCKING, summary, 1)
    outcome, at, by = attempt[0], when(attempt[1]), attempt[2]
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
    """The cancel request the cancellation is linked to, if any (see the module): in one query,
    the latest request linked to it first, else the latest one it would link to."""
    query = select(
        ChangeRequest,
        "retention.linked_request",
        lambda cancellation_id, customer_id: (
            ChangeRequest.select()
            .where(
                (ChangeRequest.cancellation == cancellation_id)
                | (
                    (ChangeRequest.customer == customer_id)
                    & (ChangeRequest.kind == RequestKind.CANCEL)
                    & ChangeRequest.cancellation.is_null()
                    & (ChangeRequest.state != RequestState.RECALLED)
                )
            )
            .order_by(ChangeRequest.cancellation.is_null(), ChangeRequest.id.desc())
            .limit(1)
        ),
        int(cancellation.id),
        int(cancellation.customer_id),
    )
    return next(iter(query), None)


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
    differs = dates_differ(request, cancellation)
    if state == RequestState.APPROVED:
        summary = f"{number} approved {when(request.decided_at)}"
        if differs:
            # Approved, so nothing blocks, but the two dates disagree: a warning (the ! note).
            summary = f"{differs} ({number} approved {when(request.decided_at)})"
            return Section(SectionKey.APPROVAL, APPROVAL_NAME, SectionState.NOTE, summary, 0, 1)
        return Section(SectionKey.APPROVAL, APPROVAL_NAME, SectionState.CLEAR, summary, 0, 1)
    if state == RequestState.SUBMITTED:
        step = waiting_step(request)
        waiting = f": {step.label} ({step.approver_words})" if step is not None else ""
        summary = f"{number} waiting for approval{waiting}"
    elif state in (RequestState.REJECTED, RequestState.RECALLED):
        summary = f"{number} was {state}: edit it if needed and submit it again"
    else:
        summary = f"{number} is a draft: submit it for approval"
    if differs:
        summary = f"{summary}. {differs}"
    return Section(SectionKey.APPROVAL, APPROVAL_NAME, SectionState.BLOCKING, summary, 1, 1)


def dates_differ(request: ChangeRequest, cancellation: Cancellation) -> str:
    """The warning when the cancel request's effective date is not the cancellation's (both
    dates, and how to make them agree), or an empty string when they agree or one is unset."""
    ours = cancellation.effective_date
    theirs = request.effective_date
    if ours is None or theirs is None or ours == theirs:
        return ""
    return (
        f"Effective dates differ: the request says {theirs}, the cancellation {ours} — set the "
        "one that is right (f on the Timeline, or edit the request)"
    )


def linked_request_id(account: str) -> int | None:
    """The id of the cancel request the customer's current cancellation is linked to."""
    from data.db import connection
    from data.rules import current_cancellation

    with connection():
        customer = Customer.by_account(account)
        cancellation = current_cancellation(customer)
        request = linked_request(cancellation) if cancellation is not None else None
        return int(request.id) if request is not None else None
