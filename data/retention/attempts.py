"""Save attempts (seed 003/004): who tried to keep the customer, when, the concern in the
customer's words, the offers made and the outcome — and, on a cancellation where none was made,
the note why. A customer may have several attempts over time; the latest one decides the
Retention section."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data.cancellations.kernel import Outcome as Done
from data.cancellations.kernel import clean_text, pending
from data.db import connection, row_by_id
from data.errors import Conflict, InvalidInput, NotFound
from data.models import Customer, CustomerStatus, User
from data.retention.changes import require_works_on, retention_change
from data.retention.models import Outcome, RetentionNote, SaveAttempt
from data.retention.offers import offers_named

OUTCOME_LABELS: dict[str, str] = {
    Outcome.SAVED: "Saved",
    Outcome.PAUSED: "Paused",
    Outcome.DOWNGRADED: "Downgraded",
    Outcome.LOST: "Lost",
    Outcome.OPEN: "Open",
}
# A save attempt is made while the customer is still ours.
_ATTEMPT_STATUSES = (CustomerStatus.LIVE, CustomerStatus.PENDING_CANCELLATION)


@dataclass(frozen=True)
class AttemptRow:
    id: int
    account: str
    by: str
    by_login: str
    at: dt.datetime
    concern: str
    offers: tuple[str, ...]
    outcome: str
    note: str


def outcome_named(text: str | None) -> Outcome:
    wanted = " ".join((text or "").split()).casefold()
    for outcome in Outcome:
        if wanted == outcome.value:
            return outcome
    listed = ", ".join(Outcome)
    raise InvalidInput(f"'{text}' is not an outcome. Choose one of: {listed}.")


def _may_attempt(who: User, customer: Customer) -> None:
    require_works_on(who, customer, "record a save attempt")
    if customer.status not in _ATTEMPT_STATUSES:
        raise Conflict(
            f"{customer.name} is {customer.status}: a save attempt is recorded on a Live "
            "customer (or one pending cancellation)."
        )


def record_attempt(
    login: str,
    account: str,
    *,
    outcome: str,
    concern: str = "",
    offers: list[str] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Done:
    """Record a save attempt on the customer."""
    chosen = outcome_named(outcome)
    concern_text = clean_text(concern, "The concern")
    note_text = clean_text(note, "The note")
    with retention_change(
        login, account=account, expected_version=expected_version, allowed=_may_attempt
    ) as c:
        made = offers_named(list(offers or []))
        attempt = SaveAttempt.create(
            customer=c.customer,
            by=c.who,
            at=c.now,
            concern=concern_text,
            offers="\n".join(made),
            outcome=chosen,
            note=note_text,
        )
        c.audit(
            "save attempt",
            record_kind="save_attempt",
            record_id=attempt.id,
            after={"outcome": chosen, "concern": concern_text, "offers": made, "note": note_text},
            cancellation=pending(c.customer),
        )
        offered = f", offering {', '.join(made)}" if made else ""
        return c.outcome(
            f"Save attempt on {c.customer.name} recorded{offered}: {OUTCOME_LABELS[chosen]}.",
            attempt.id,
        )


def set_outcome(
    login: str,
    attempt_id: int,
    outcome: str,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> Done:
    """Record how an open save attempt ended (an attempt that has ended stays as it is)."""
    chosen = outcome_named(outcome)
    with connection():
        found = row_by_id(SaveAttempt, attempt_id)
        if found is None:
            raise NotFound(f"There is no save attempt with id {attempt_id}.")
        account = str(found.customer.account)
    with retention_change(
        login, account, expected_version=expected_version, allowed=_may_attempt
    ) as c:
        attempt = SaveAttempt.get_by_id(attempt_id)
        if attempt.outcome != Outcome.OPEN:
            raise Conflict(
                f"Save attempt #{attempt_id} already ended {attempt.outcome}: record a new "
                "attempt instead."
            )
        changes: dict[str, object] = {"outcome": chosen}
        if note is not None:
            changes["note"] = clean_text(note, "The note")
        SaveAttempt.update(**changes).where(SaveAttempt.id == attempt_id).execute()
        c.audit(
            "save attempt outcome",
            record_kind="save_attempt",
            record_id=attempt_id,
            before={"outcome": attempt.outcome},
            after=changes,
            cancellation=pending(c.customer),
        )
        return c.outcome(
            f"Save attempt #{attempt_id} on {c.customer.name}: {OUTCOME_LABELS[chosen]}.",
            attempt_id,
        )


def note_no_attempt(
    login: str, account: str, note: str, *, expected_version: int | None = None
) -> Done:
    """Record on the pending cancellation why no save attempt was made (the Retention section
    then reads green); a second note replaces the first."""
    text = clean_text(note, "The note")
    if not text:
        raise InvalidInput("Say why no save attempt was made: the note is empty.")

    def allowed(who: User, customer: Customer) -> None:
        require_works_on(who, customer, "note why no save attempt was made")

    with retention_change(
        login, account=account, expected_version=expected_version, allowed=allowed
    ) as c:
        cancellation = pending(c.customer)
        if cancellation is None:
            raise Conflict(
                f"{c.customer.name} has no pending cancellation: the note why no save attempt "
                "was made belongs to one. Begin the cancellation first."
            )
        before = RetentionNote.get_or_none(RetentionNote.cancellation == cancellation.id)
        if before is not None:
            RetentionNote.update(note=text, by=c.who, at=c.now).where(
                RetentionNote.id == before.id
            ).execute()
        else:
            RetentionNote.create(cancellation=cancellation, by=c.who, at=c.now, note=text)
        c.audit(
            "no save attempt",
            before={"note": before.note} if before is not None else {},
            after={"note": text},
            cancellation=cancellation,
        )
        return c.outcome(f"Noted why no save attempt was made on {c.customer.name}.")


def _row(attempt: SaveAttempt, account: str, users: dict[int, User]) -> AttemptRow:
    user = users.get(attempt.by_id)
    return AttemptRow(
        int(attempt.id),
        account,
        str(user.display_name) if user else "an unknown user",
        str(user.login) if user else "",
        attempt.at,
        str(attempt.concern),
        tuple(attempt.offer_list),
        str(attempt.outcome),
        str(attempt.note),
    )


def attempts_of(account: str) -> list[AttemptRow]:
    """The customer's save attempts, latest first."""
    with connection():
        customer = Customer.by_account(account)
        attempts = list(
            SaveAttempt.select()
            .where(SaveAttempt.customer == customer.id)
            .order_by(SaveAttempt.at.desc(), SaveAttempt.id.desc())
        )
        ids = {a.by_id for a in attempts}
        users = {u.id: u for u in User.select().where(User.id.in_(ids))} if ids else {}
        return [_row(a, str(customer.account), users) for a in attempts]
