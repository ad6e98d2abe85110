"""The operations of the termination timeline: the effective date, timeline tasks done by hand,
the termination team's sign-offs, the deactivation of access, the account team's data decision
and the data purge. Each is one change to the termination case (``data.cancellations.kernel``'s
``case_change``): permission and the customer's version checked, one transaction, audited. The
case outlives Process, so each works while the cancellation is pending and after Process until
the case is closed; the tasks are those of the playbook the case was begun with.

Dates guard what cannot be true yet: the purge waits for the de-provisioning (effective) date,
and an effective date in the past must be asked for (``allow_past``)."""

from __future__ import annotations

import datetime as dt

import arrow

from data import outbox
from data.cancellations.kernel import Change, Outcome, case_change, clean_text, display_name
from data.dates import parse_date, when
from data.errors import Conflict, InvalidInput, NotReady
from data.models import (
    DECISIONS,
    Cancellation,
    Completion,
    CompletionKind,
    Decision,
    DoneBy,
    key_named,
)
from data.notices import task_copies
from data.playbook.store import playbook_for
from data.timeline import (
    COMPLETIONS,
    PlanTask,
    case_plan,
    email_kind,
    guid_list,
    parse_guids,
    sign_off_key,
    sign_off_labels,
)

# An effective date further out than this is almost surely a typing mistake in the year.
EFFECTIVE_HORIZON_DAYS = 5 * 366


def _date(value: dt.date | str, time_zone: str) -> dt.date:
    return value if isinstance(value, dt.date) else parse_date(value, time_zone)


def set_effective_date(
    login: str,
    account: str,
    date: dt.date | str,
    *,
    allow_past: bool = False,
    expected_version: int | None = None,
) -> Outcome:
    """Set the cancellation's effective date: the contract end or de-provisioning date. A day
    before today (in the customer's zone) only with ``allow_past``: the contract really ended."""
    with case_change(login, account, expected_version, doing="set the effective date") as c:
        time_zone = str(c.customer.time_zone)
        day = _date(date, time_zone)
        today = c.today()
        if abs((day - today).days) > EFFECTIVE_HORIZON_DAYS:
            raise InvalidInput(
                f"{day} is more than five years from today ({today}); check the year."
            )
        if day < today and not allow_past:
            raise InvalidInput(
                f"{day} is in the past (today is {today} in {time_zone}); pass --past (or "
                "confirm in the tool) if the contract really ended then."
            )
        before = c.cancellation.effective_date
        Cancellation.update(effective_date=day).where(
            Cancellation.id == c.cancellation.id
        ).execute()
        c.audit(
            "set effective date",
            before={"effective_date": str(before) if before else None},
            after={"effective_date": str(day)},
        )
        return c.outcome(f"The effective date is {day} ({time_zone}).")


def _completion(cancellation: Cancellation, kind: str, key: str) -> Completion | None:
    return (  # type: ignore[no-any-return]
        Completion.select()
        .where(
            (Completion.cancellation == cancellation.id)
            & (Completion.kind == kind)
            & (Completion.key == key)
        )
        .first()
    )


def _record(c: Change, kind: str, key: str, note: str, action: str, record_kind: str) -> None:
    """Record a completion (a task ticked, a sign-off) with who and when, and its audit event."""
    done = Completion.create(
        cancellation=c.cancellation,
        kind=kind,
        key=key,
        done_by=c.who,
        done_at=c.now,
        note=note,
    )
    c.audit(
        action,
        record_kind=record_kind,
        record_id=done.id,
        after={record_kind.replace("-", "_"): key, "note": note},
    )


def _take_back(c: Change, existing: Completion, action: str, record_kind: str) -> None:
    """Delete a completion recorded by mistake; the audit event keeps who had recorded it."""
    before = {
        record_kind.replace("-", "_"): existing.key,
        "by": display_name(existing.done_by_id),
        "note": existing.note,
    }
    existing.delete_instance()
    c.audit(action, record_kind=record_kind, record_id=existing.id, before=before)


def _planned(c: Change, task: str) -> PlanTask:
    """The task of the case's own plan (the playbook it was begun with) that ``task`` names."""
    return case_plan(c.cancellation).task(task)


def complete_task(
    login: str, account: str, task: str, note: str = "", *, expected_version: int | None = None
) -> Outcome:
    """Tick a timeline task done by hand (the attrition box checked, the case moved…)."""
    text = clean_text(note, "The note")
    with case_change(login, account, expected_version, doing="complete a timeline task") as c:
        planned = _planned(c, task)
        if planned.completed_by != DoneBy.HAND:
            how = COMPLETIONS[planned.completed_by]
            raise InvalidInput(f"'{planned.title}' is not ticked by hand: it is done by {how}.")
        existing = _completion(c.cancellation, CompletionKind.TASK, planned.key)
        if existing is not None:
            raise Conflict(
                f"'{planned.title}' was already done by {display_name(existing.done_by_id)} on "
                f"{when(existing.done_at)}. Nothing was changed."
            )
        _record(c, CompletionKind.TASK, planned.key, text, "complete task", "task")
        return c.outcome(f"Done: {planned.title}.", 1)


def reopen_task(
    login: str, account: str, task: str, *, expected_version: int | None = None
) -> Outcome:
    """Take back a task ticked by mistake; the audit trail keeps both."""
    with case_change(login, account, expected_version, doing="reopen a timeline task") as c:
        planned = _planned(c, task)
        existing = _completion(c.cancellation, CompletionKind.TASK, planned.key)
        if existing is None:
            raise Conflict(f"'{planned.title}' is not ticked, so there is nothing to reopen.")
        _take_back(c, existing, "reopen task", "task")
        return c.outcome(f"Reopened: {planned.title}.")


def sign_off(
    login: str, account: str, team: str, note: str = "", *, expected_version: int | None = None
) -> Outcome:
    """Record a termination team's sign-off (one of the case's playbook's); the final
    confirmation only once all others are in."""
    text = clean_text(note, "The note")
    with case_change(login, account, expected_version, doing="record a sign-off") as c:
        playbook = playbook_for(c.cancellation)
        key = sign_off_key(team, playbook)
        labels = sign_off_labels(playbook)
        final = playbook.final_sign_off
        existing = _completion(c.cancellation, CompletionKind.SIGN_OFF, key)
        if existing is not None:
            raise Conflict(
                f"'{labels[key]}' was already recorded by {display_name(existing.done_by_id)} "
                f"on {when(existing.done_at)}. Nothing was changed."
            )
        if final is not None and key == final.key:
            signed = {
                str(row.key)
                for row in Completion.select(Completion.key).where(
                    (Completion.cancellation == c.cancellation.id)
                    & (Completion.kind == CompletionKind.SIGN_OFF)
                )
            }
            missing = [labels[k] for k in labels if k != final.key and k not in signed]
            if missing:
                raise NotReady(
                    "The final confirmation comes after every other sign-off. Still missing: "
                    + "; ".join(missing)
                    + ".",
                    missing,
                )
        _record(c, CompletionKind.SIGN_OFF, key, text, "sign off", "sign-off")
        return c.outcome(f"Signed: {labels[key]}.", 1)


def withdraw_sign_off(
    login: str, account: str, team: str, *, expected_version: int | None = None
) -> Outcome:
    """Take back a sign-off recorded by mistake (the final confirmation first)."""
    with case_change(login, account, expected_version, doing="withdraw a sign-off") as c:
        playbook = playbook_for(c.cancellation)
        key = sign_off_key(team, playbook)
        labels = sign_off_labels(playbook)
        final = playbook.final_sign_off
        existing = _completion(c.cancellation, CompletionKind.SIGN_OFF, key)
        if existing is None:
            raise Conflict(f"'{labels[key]}' is not signed, so there is nothing to withdraw.")
        if (
            final is not None
            and key != final.key
            and _completion(c.cancellation, CompletionKind.SIGN_OFF, final.key)
        ):
            raise Conflict("Withdraw the final confirmation first: it rests on this sign-off.")
        _take_back(c, existing, "withdraw sign-off", "sign-off")
        return c.outcome(f"Withdrawn: {labels[key]}.")


def record_deactivation(
    login: str, account: str, guids: str, *, expected_version: int | None = None
) -> Outcome:
    """Record that the customer's access was deactivated, with the GUIDs of what was; recording
    again (a GUID was missed) replaces the list, until the data is purged."""
    wanted = parse_guids(guids)
    with case_change(login, account, expected_version, doing="record the deactivation") as c:
        cancellation = c.cancellation
        if cancellation.purged_at is not None:
            raise Conflict("The data is already purged; the deactivation record stays as it is.")
        before = guid_list(cancellation)
        Cancellation.update(
            access_deactivated_at=c.now,
            access_deactivated_by=c.who,
            access_guids="\n".join(wanted),
        ).where(Cancellation.id == cancellation.id).execute()
        c.audit(
            "record deactivation",
            before={"guids": before},
            after={"guids": wanted},
        )
        count = len(wanted)
        return c.outcome(
            f"Access deactivated: {count} GUID{'s' if count != 1 else ''} recorded.", count
        )


def decide_data(
    login: str,
    account: str,
    decision: str,
    *,
    reason: str = "",
    review_date: dt.date | str | None = None,
    expected_version: int | None = None,
) -> Outcome:
    """Record the account team's decision: hold the data (a reason and a review date) or
    approve its deletion. A hold is resolved by a later approval; nothing changes after the purge."""
    wanted = key_named(decision, DECISIONS)
    if wanted is None:
        raise InvalidInput(f"'{decision}' is not a decision. Use one of: hold, approve.")
    text = clean_text(reason, "The reason")
    with case_change(login, account, expected_version, doing="record the data decision") as c:
        cancellation = c.cancellation
        time_zone = str(c.customer.time_zone)
        if cancellation.purged_at is not None:
            raise Conflict("The data is already purged: the decision cannot change any more.")
        review: dt.date | None = None
        if wanted == Decision.HOLD:
            if not text:
                raise InvalidInput("A hold needs a reason: write why the data is kept.")
            if review_date is None or (isinstance(review_date, str) and not review_date.strip()):
                raise InvalidInput("A hold needs a review date: when will it be looked at again?")
            review = _date(review_date, time_zone)
            today = c.today()
            if review <= today:
                raise InvalidInput(
                    f"The review date {review} is not after today ({today}); pick a later day."
                )
        before = {
            "decision": cancellation.data_decision,
            "reason": cancellation.decision_reason,
            "review_date": str(cancellation.review_date) if cancellation.review_date else None,
        }
        Cancellation.update(
            data_decision=wanted,
            decision_reason=text,
            review_date=review,
            decided_by=c.who,
            decided_at=c.now,
        ).where(Cancellation.id == cancellation.id).execute()
        c.audit(
            "data decision",
            before=before,
            after={
                "decision": wanted,
                "reason": text,
                "review_date": str(review) if review else None,
            },
        )
        message = (
            f"Data on hold until {review}: {text}."
            if wanted == Decision.HOLD
            else "Deletion of the customer's data approved."
        )
        return c.outcome(message)


def record_purge(login: str, account: str, *, expected_version: int | None = None) -> Outcome:
    """Record "Data Purge Done": only after access is deactivated and deletion approved, and not
    before the de-provisioning (effective) date where the customer is."""
    with case_change(login, account, expected_version, doing="record the data purge") as c:
        cancellation = c.cancellation
        if cancellation.purged_at is not None:
            raise Conflict(
                f"The data purge was already recorded by {display_name(cancellation.purged_by_id)} "
                f"on {when(cancellation.purged_at)}. Nothing was changed."
            )
        if cancellation.access_deactivated_at is None:
            raise NotReady(
                "The customer's access is not deactivated yet: record the deactivation first.",
                ["Access"],
            )
        if cancellation.data_decision == Decision.HOLD:
            raise NotReady(
                f"The data is on hold until {cancellation.review_date} "
                f"({cancellation.decision_reason}): no purge before the account team approves.",
                ["Data decision"],
            )
        if cancellation.data_decision != Decision.APPROVE:
            raise NotReady(
                "The account team has not approved the deletion: no purge before they do.",
                ["Data decision"],
            )
        _purge_date_come(c)
        Cancellation.update(purged_at=c.now, purged_by=c.who).where(
            Cancellation.id == cancellation.id
        ).execute()
        c.audit(
            "data purge done",
            after={"purged": True},
        )
        return c.outcome("Data Purge Done recorded.")


def queue_task_email(
    login: str,
    account: str,
    task: str,
    recipients: str,
    subject: str,
    body: str,
    *,
    cc: str | None = None,
    expected_version: int | None = None,
) -> Outcome:
    """Queue the e-mail a timeline task sends (the final termination e-mail), as written,
    copying in ``cc`` (comma-separated; ``None``: the addresses its playbook copies in, as the
    draft shows them)."""
    addresses = outbox.parse_addresses(recipients)
    with case_change(login, account, expected_version, doing="queue an e-mail") as c:
        planned = _planned(c, task)
        if planned.completed_by != DoneBy.EMAIL or not planned.template:
            raise InvalidInput(f"'{planned.title}' sends no e-mail.")
        if cc is None:
            copied = task_copies(playbook_for(c.cancellation), planned)
        else:
            copied = outbox.parse_addresses(cc) if cc.strip() else []
        message = outbox.queue(
            c.customer,
            c.cancellation,
            email_kind(planned.template),
            addresses,
            subject,
            body,
            created_by=c.who,
            cc=copied,
        )
        copies = [address for address in str(message.cc).split(", ") if address]
        c.audit(
            "queue e-mail",
            record_kind="outbox",
            record_id=message.id,
            after={
                "task": planned.key,
                "to": addresses,
                **({"cc": copies} if copies else {}),
                "subject": message.subject,
            },
        )
        also = f", cc {', '.join(copies)}" if copies else ""
        return c.outcome(f"Queued: {planned.title}, to {', '.join(addresses)}{also}.", 1)


def _purge_date_come(c: Change) -> None:
    """Refuse the purge while there is no effective date, or before it in the customer's zone."""
    effective = c.cancellation.effective_date
    if effective is None:
        raise NotReady(
            "Data Purge Done cannot be recorded before the de-provisioning (effective) date is "
            "set: set the effective date first.",
            ["Timeline"],
        )
    today = c.today()
    if today < effective:
        days = (effective - today).days
        wait = "tomorrow" if days == 1 else f"in {days} days"
        day = arrow.get(effective).format("ddd YYYY-MM-DD")
        raise NotReady(
            f"Data Purge Done cannot be recorded before the de-provisioning date, {day} ({wait}).",
            ["Access & data"],
        )
