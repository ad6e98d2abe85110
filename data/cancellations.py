"""The operations of the Cancellation Tool: begin, remove, process, and resolving the records
that keep a section red. Each is one transaction, checks permission, and writes its audit trail.

Every operation takes the acting user's login and the customer's account number, and may take
the customer ``version`` the caller last read: a stale version is refused with a message that
says to refresh, so two team leads on one database never overwrite each other unseen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from data import audit, outbox
from data.dates import today_in, when
from data.db import connection, database, is_sqlite
from data.errors import Conflict, InvalidInput, NotAllowed, NotFound, NotReady
from data.models import (
    AUDIENCE_CUSTOMER,
    BILLING_STATUSES,
    CANCELLED,
    CASE_CLOSED,
    FORMER_CUSTOMER,
    LIVE,
    MOODS,
    OUTBOX_FAILED,
    OUTBOX_QUEUED,
    OUTBOX_WITHDRAWN,
    PENDING,
    PENDING_CANCELLATION,
    PROCESSED,
    REMOVED,
    SCENARIO_BUYOUT,
    SCENARIOS,
    STEP_FINAL_AMOUNT_EMAIL,
    STEP_PAYMENT_CONFIRMED,
    STEPS,
    Asset,
    AuditEvent,
    Cancellation,
    CancellationReason,
    Case,
    Customer,
    Expiry,
    NotifyUser,
    OutboxMessage,
    Reason,
    ScenarioStep,
    User,
    utcnow,
)
from data.rules import (
    OFFBOARDING_NOTICE,
    RECORD_KINDS,
    SCENARIO_SECTIONS,
    describe_red,
    evaluate,
    reason_names,
    record_kind,
    scenario_key,
    scenario_steps,
    unfinished_sections,
)

TEXT_LIMIT = 4000
ID_CHUNK = 900


@dataclass(frozen=True)
class Outcome:
    """What an operation did, in a sentence, and the customer's version after it."""

    message: str
    account: str
    version: int
    count: int = 0


# ----------------------------------------------------------------------------- helpers


def _customer(account: str) -> Customer:
    """The customer, locked for the rest of the transaction where the database can lock a row."""
    query = Customer.select().where(Customer.account == (account or "").strip())
    if not is_sqlite():
        # SQLite's BEGIN IMMEDIATE already holds the write lock; PostgreSQL locks the row.
        query = query.for_update()
    customer = query.first()
    if customer is None:
        raise NotFound(f"There is no customer with account number '{account}'.")
    return customer  # type: ignore[no-any-return]


def _last_change(customer: Customer) -> str:
    last = (
        AuditEvent.select(AuditEvent.at, User.display_name)
        .join(User)
        .where(AuditEvent.customer == customer)
        .order_by(AuditEvent.id.desc())
        .tuples()
        .first()
    )
    if last is None:
        return ""
    return f" by {last[1]} at {when(last[0])}"


def _check_version(customer: Customer, expected: int | None) -> None:
    if expected is not None and customer.version != expected:
        raise Conflict(
            f"{customer.name} was changed{_last_change(customer)} after you loaded it. "
            "Refresh to see the change, then try again."
        )


def bump(customer: Customer, **changes: Any) -> None:
    """Write the customer's changes and its next version, refusing if another writer got there first."""
    updated = (
        Customer.update(version=Customer.version + 1, updated_at=utcnow(), **changes)
        .where((Customer.id == customer.id) & (Customer.version == customer.version))
        .execute()
    )
    if updated != 1:
        raise Conflict(
            f"{customer.name} was changed by someone else at the same moment. "
            "Refresh to see the change, then try again."
        )
    customer.version += 1
    for name, value in changes.items():
        setattr(customer, name, value)


def _pending(customer: Customer) -> Cancellation | None:
    query = Cancellation.select().where(
        (Cancellation.customer == customer) & (Cancellation.state == PENDING)
    )
    return query.first()  # type: ignore[no-any-return]


def _latest_processed(customer: Customer) -> Cancellation | None:
    return (  # type: ignore[no-any-return]
        Cancellation.select()
        .where((Cancellation.customer == customer) & (Cancellation.state == PROCESSED))
        .order_by(Cancellation.processed_at.desc())
        .first()
    )


def display_name(user_id: int | None) -> str:
    if user_id is None:
        return "nobody"
    user = User.get_or_none(User.id == user_id)
    return str(user.display_name) if user is not None else "an unknown user"


def _require_pending(customer: Customer) -> Cancellation:
    pending = _pending(customer)
    if pending is not None:
        return pending
    done = _latest_processed(customer)
    if done is not None:
        raise Conflict(
            f"{customer.name} was already cancelled on {when(done.processed_at)} by "
            f"{display_name(done.processed_by_id)}. Nothing was changed."
        )
    raise Conflict(f"{customer.name} has no pending cancellation. Begin a cancellation first.")


def clean_text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if len(text) > TEXT_LIMIT:
        raise InvalidInput(f"{field} is {len(text)} characters long; keep it under {TEXT_LIMIT}.")
    return text


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield list(ids[start : start + ID_CHUNK])


def _ids(ids: Sequence[int] | None) -> list[int] | None:
    if ids is None:
        return None
    clean = []
    for value in ids:
        # Past 2**63 - 1 SQLite cannot even compare the number: no id is that large.
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
            raise InvalidInput(f"'{value}' is not a record id.")
        clean.append(value)
    if not clean:
        raise InvalidInput("No records were chosen.")
    return sorted(set(clean))


def _active_user(login: str, role_of: str) -> User:
    user = User.get_or_none(User.login == (login or "").strip())
    if user is None:
        raise NotFound(f"There is no user '{login}' to be the {role_of}.")
    if not user.active:
        raise InvalidInput(f"{user.display_name} is deactivated and cannot be the {role_of}.")
    return user


# ----------------------------------------------------------------------------- begin / remove / process


def begin(
    login: str,
    account: str,
    *,
    scenario: str = SCENARIO_BUYOUT,
    expected_version: int | None = None,
) -> Outcome:
    """Begin a cancellation in one of the three scenarios: the customer becomes Live (PC) until
    it is processed or removed."""
    chosen = scenario_key(scenario)
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "begin a cancellation")
        customer = _customer(account)
        pending = _pending(customer)
        if pending is not None:
            raise Conflict(
                f"{customer.name} is already pending cancellation since {when(pending.begun_at)} "
                f"by {display_name(pending.begun_by_id)}. Open that cancellation instead."
            )
        if customer.status != LIVE:
            raise Conflict(
                f"{customer.name} is {customer.status}; only a Live customer can be cancelled."
            )
        _check_version(customer, expected_version)
        cancellation = Cancellation.create(
            customer=customer,
            previous_status=customer.status,
            begun_by=who,
            begun_at=utcnow(),
            scenario=chosen,
        )
        # By default the account owner and the team lead hear when it is processed.
        notify = {who.id}
        if customer.owner_id is not None:
            notify.add(customer.owner_id)
        NotifyUser.insert_many(
            [{"cancellation": cancellation.id, "user": user_id} for user_id in sorted(notify)]
        ).execute()
        before = {"status": customer.status}
        bump(customer, status=PENDING_CANCELLATION)
        audit.record(
            [
                audit.event(
                    who,
                    "begin",
                    customer=customer,
                    cancellation=cancellation,
                    before=before,
                    after={"status": PENDING_CANCELLATION, "scenario": chosen},
                )
            ]
        )
        withdrawn = _withdraw_customer_mail(who, customer, cancellation)
        return Outcome(
            f"Cancellation of {customer.name} begun ({SCENARIOS[chosen]}): the customer is now "
            f"{PENDING_CANCELLATION}.{withdrawn}",
            customer.account,
            customer.version,
        )


def remove(login: str, account: str, *, expected_version: int | None = None) -> Outcome:
    """Abort the pending cancellation: the customer returns to the status it had before."""
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "remove a cancellation")
        customer = _customer(account)
        cancellation = _require_pending(customer)
        _check_version(customer, expected_version)
        if cancellation.purged_at is not None:
            raise Conflict(
                f"{customer.name}'s data is already purged: the cancellation cannot be taken "
                "back. Finish it with Process."
            )
        now = utcnow()
        Cancellation.update(state=REMOVED, removed_by=who, removed_at=now).where(
            Cancellation.id == cancellation.id
        ).execute()
        before = {"status": customer.status, "state": PENDING}
        bump(customer, status=cancellation.previous_status)
        audit.record(
            [
                audit.event(
                    who,
                    "remove",
                    customer=customer,
                    cancellation=cancellation,
                    before=before,
                    after={"status": cancellation.previous_status, "state": REMOVED},
                )
            ]
        )
        return Outcome(
            f"Cancellation of {customer.name} removed: the customer is {customer.status} again.",
            customer.account,
            customer.version,
        )


def process(login: str, account: str, *, expected_version: int | None = None) -> Outcome:
    """Complete the cancellation, only when every section is clear, exactly once."""
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "process a cancellation")
        customer = _customer(account)
        cancellation = _require_pending(customer)
        _check_version(customer, expected_version)
        sections = evaluate(customer, cancellation)
        unfinished = unfinished_sections(sections)
        if unfinished:
            raise NotReady(
                f"{customer.name} cannot be processed yet: {describe_red(sections)}.",
                [section.name for section in unfinished],
            )
        # The sections say so already; the customer only becomes a Former Customer after the
        # purge, whatever a plan or a section might say one day.
        if cancellation.purged_at is None:
            raise NotReady(
                f"{customer.name} cannot be processed yet: the data purge is not done.",
                ["Access & data"],
            )
        now = utcnow()
        new_owner = User.get_by_id(cancellation.new_owner_id)
        before = {
            "status": customer.status,
            "owner": display_name(customer.owner_id),
            "state": PENDING,
            "customer_type": customer.customer_type,
        }
        Cancellation.update(state=PROCESSED, processed_by=who, processed_at=now).where(
            (Cancellation.id == cancellation.id) & (Cancellation.state == PENDING)
        ).execute()
        bump(customer, status=CANCELLED, owner=new_owner.id, customer_type=FORMER_CUSTOMER)
        cancellation.processed_at = now
        notified = _queue_notification(who, customer, cancellation, new_owner)
        audit.record(
            [
                audit.event(
                    who,
                    "process",
                    customer=customer,
                    cancellation=cancellation,
                    before=before,
                    after={
                        "status": CANCELLED,
                        "owner": new_owner.display_name,
                        "state": PROCESSED,
                        "customer_type": FORMER_CUSTOMER,
                        "notified": notified,
                    },
                )
            ]
        )
        told = (
            f" {', '.join(notified)} will be notified."
            if notified
            else " Nobody was notified: none of the chosen users has an e-mail address."
        )
        return Outcome(
            f"{customer.name} is Cancelled, a Former Customer, now owned by "
            f"{new_owner.display_name}.{told}",
            customer.account,
            customer.version,
        )


def _queue_notification(
    who: User, customer: Customer, cancellation: Cancellation, new_owner: User
) -> list[str]:
    users = list(
        User.select()
        .join(NotifyUser)
        .where(NotifyUser.cancellation == cancellation)
        .order_by(User.login)
    )
    addresses = [str(user.email) for user in users if user.email]
    if not addresses:
        return []
    rendered = outbox.render(
        "cancellation_notification",
        {
            "scenario": SCENARIOS.get(str(cancellation.scenario), str(cancellation.scenario)),
            "customer_name": customer.name,
            "account": customer.account,
            "processed_by": who.display_name,
            "processed_at": when(cancellation.processed_at),
            "begun_at": when(cancellation.begun_at),
            "begun_by": display_name(cancellation.begun_by_id),
            "reasons": ", ".join(reason_names(cancellation)) or "none given",
            "new_owner": new_owner.display_name,
            "mood": cancellation.mood or "not recorded",
            "extra_information": cancellation.extra_information or "",
        },
    )
    outbox.queue(
        customer,
        cancellation,
        "cancellation-notification",
        addresses,
        rendered.subject,
        rendered.body,
        created_by=who,
    )
    return [str(user.display_name) for user in users if user.email]


# ----------------------------------------------------------------------------- resolving records


@dataclass
class Change:
    """The opening of every change to a pending cancellation: who, which customer, which one."""

    who: User
    customer: Customer
    cancellation: Cancellation


def start_change(login: str, account: str, doing: str, expected_version: int | None) -> Change:
    who = audit.actor(login)
    audit.require_cancellation_role(who, doing)
    customer = _customer(account)
    cancellation = _require_pending(customer)
    _check_version(customer, expected_version)
    return Change(who, customer, cancellation)


def _target_ids(change: Change, section: str, ids: Sequence[int] | None, done: str) -> list[int]:
    """The blocking records to resolve: all of them (``ids=None``) or the ones named, checked."""
    kind = record_kind(section)
    model: Any = kind.model
    wanted = _ids(ids)
    owned = model.customer == change.customer.id
    if wanted is None:
        query = model.select(model.id).where(owned & kind.blocking()).order_by(model.id)
        return [row[0] for row in query.tuples()]
    found: dict[int, bool] = {}
    for chunk in _chunks(wanted):
        query = model.select(model.id, kind.blocking().alias("b")).where(
            owned & model.id.in_(chunk)
        )
        found.update({int(pk): bool(b) for pk, b in query.tuples()})
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        shown = ", ".join(str(pk) for pk in missing[:5])
        raise NotFound(f"{change.customer.name} has no {kind.nouns} with id {shown}.")
    resolved = [pk for pk in wanted if not found[pk]]
    if resolved:
        label = kind.noun if len(resolved) == 1 else kind.nouns
        shown = ", ".join(str(pk) for pk in resolved[:5])
        raise Conflict(
            f"The {label} {shown} {'is' if len(resolved) == 1 else 'are'} already {done}. "
            "Refresh to see the current state."
        )
    return wanted


def cease_assets(
    login: str,
    account: str,
    cease_date: dt.date,
    ids: Sequence[int] | None = None,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Cease the assets named, or every one still live (``ids=None``), as of ``cease_date``."""
    if not isinstance(cease_date, dt.date) or isinstance(cease_date, dt.datetime):
        raise InvalidInput(f"'{cease_date}' is not a date. Give the cease date as 2026-12-31.")
    with connection(), database.atomic():
        change = start_change(login, account, "cease assets", expected_version)
        targets = _target_ids(change, "assets", ids, "ceased")
        if not targets:
            return Outcome(
                "Every asset is already ceased.", change.customer.account, change.customer.version
            )
        before: dict[int, tuple[bool, dt.date | None, dt.date]] = {}
        for chunk in _chunks(targets):
            rows: Any = Asset.select(
                Asset.id, Asset.live, Asset.cease_date, Asset.start_date
            ).where(Asset.id.in_(chunk))
            before.update({int(r[0]): (bool(r[1]), r[2], r[3]) for r in rows.tuples()})
        too_early = [
            (start, pk) for pk, (_, _, start) in before.items() if _date(start) > cease_date
        ]
        if too_early:
            start, pk = max(too_early)
            name = Asset.get_by_id(pk).name
            if len(too_early) == 1:
                raise InvalidInput(
                    f"The cease date {cease_date} is before the start date of '{name}' ({_date(start)})."
                )
            raise InvalidInput(
                f"The cease date {cease_date} is before the start date of {len(too_early)} assets "
                f"(the latest, '{name}', starts {_date(start)}). Choose {_date(start)} or later."
            )
        for chunk in _chunks(targets):
            Asset.update(live=False, cease_date=cease_date).where(Asset.id.in_(chunk)).execute()
        events = [
            audit.event(
                change.who,
                "cease asset",
                customer=change.customer,
                cancellation=change.cancellation,
                record_kind="asset",
                record_id=pk,
                before={"live": live, "cease_date": ceased},
                after={"live": False, "cease_date": cease_date},
            )
            for pk, (live, ceased, _) in sorted(before.items())
        ]
        bump(change.customer)
        audit.record(events)
        count = len(targets)
        noun = "asset" if count == 1 else "assets"
        return Outcome(
            f"Ceased {count} {noun} as of {cease_date}.",
            change.customer.account,
            change.customer.version,
            count,
        )


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def allowed_states(section: str) -> tuple[str, ...]:
    """The closed states a record of this section may be moved to."""
    if section == "assets":
        raise InvalidInput("Assets are ceased with a date, not given a state.")
    return record_kind(section).closed_states


def close_records(
    login: str,
    account: str,
    section: str,
    state: str,
    ids: Sequence[int] | None = None,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Move the records named, or every open one (``ids=None``), to one of the section's closed states."""
    choices = allowed_states(section)
    kind = RECORD_KINDS[section]
    chosen = next((s for s in choices if s.casefold() == (state or "").strip().casefold()), None)
    if chosen is None:
        raise InvalidInput(
            f"'{state}' is not a closed state for {kind.nouns}. Choose {_or(choices)}."
        )
    model: Any = kind.model
    field = model.stage if section == "opportunities" else model.status
    with connection(), database.atomic():
        change = start_change(login, account, f"close {kind.nouns}", expected_version)
        targets = _target_ids(change, section, ids, kind.done_words)
        if not targets:
            return Outcome(
                f"Every {kind.noun} is already {kind.done_words}.",
                change.customer.account,
                change.customer.version,
            )
        before: dict[int, str] = {}
        for chunk in _chunks(targets):
            rows = model.select(model.id, field).where(model.id.in_(chunk)).tuples()
            before.update({int(pk): str(value) for pk, value in rows})
        values: dict[Any, Any] = {field: chosen}
        if model is Case:
            values[Case.closed] = True
        for chunk in _chunks(targets):
            model.update(values).where(model.id.in_(chunk)).execute()
        events = [
            audit.event(
                change.who,
                f"close {kind.noun}",
                customer=change.customer,
                cancellation=change.cancellation,
                record_kind=kind.noun,
                record_id=pk,
                before={field.name: value},
                after={field.name: chosen},
            )
            for pk, value in sorted(before.items())
        ]
        bump(change.customer)
        audit.record(events)
        count = len(targets)
        noun = kind.noun if count == 1 else kind.nouns
        return Outcome(
            f"Set {count} {noun} to {chosen}.",
            change.customer.account,
            change.customer.version,
            count,
        )


def close_cases(
    login: str,
    account: str,
    ids: Sequence[int] | None = None,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Close the cases named, or every open case."""
    return close_records(
        login, account, "cases", CASE_CLOSED, ids, expected_version=expected_version
    )


def _or(choices: Sequence[str]) -> str:
    return choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + f" or {choices[-1]}"


# ----------------------------------------------------------------------------- the cancellation's own fields


def add_expiry(
    login: str,
    account: str,
    expiry_date: dt.date,
    note: str = "",
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Add a future expiry, a reminder for future marketing; the date must be after today there."""
    if not isinstance(expiry_date, dt.date) or isinstance(expiry_date, dt.datetime):
        raise InvalidInput(f"'{expiry_date}' is not a date. Give the expiry date as 2027-06-30.")
    text = clean_text(note, "The expiry note")
    with connection(), database.atomic():
        change = start_change(login, account, "add an expiry", expected_version)
        today = today_in(str(change.customer.time_zone))
        if expiry_date <= today:
            raise InvalidInput(
                f"The expiry date {expiry_date} is not in the future: it is {today} today "
                f"in {change.customer.time_zone}. Choose a later date."
            )
        expiry = Expiry.create(
            customer=change.customer, date=expiry_date, note=text, created_by=change.who
        )
        bump(change.customer)
        audit.record(
            [
                audit.event(
                    change.who,
                    "add expiry",
                    customer=change.customer,
                    cancellation=change.cancellation,
                    record_kind="expiry",
                    record_id=expiry.id,
                    after={"date": expiry_date, "note": text},
                )
            ]
        )
        return Outcome(
            f"Added a future expiry on {expiry_date}.",
            change.customer.account,
            change.customer.version,
            1,
        )


def choose_owner(
    login: str,
    account: str,
    owner_login: str,
    *,
    apply_now: bool = False,
    expected_version: int | None = None,
) -> Outcome:
    """Choose who owns the customer after cancellation; ``apply_now`` reassigns it at once
    ("Perform Now"), otherwise Process does."""
    with connection(), database.atomic():
        change = start_change(login, account, "choose the new owner", expected_version)
        owner = _active_user(owner_login, "new owner")
        cancellation = change.cancellation
        before = {
            "new_owner": display_name(cancellation.new_owner_id),
            "owner": display_name(change.customer.owner_id),
        }
        applied_at = utcnow() if apply_now else None
        Cancellation.update(new_owner=owner, owner_applied_at=applied_at).where(
            Cancellation.id == cancellation.id
        ).execute()
        if apply_now:
            bump(change.customer, owner=owner.id)
        else:
            bump(change.customer)
        audit.record(
            [
                audit.event(
                    change.who,
                    "apply owner now" if apply_now else "choose owner",
                    customer=change.customer,
                    cancellation=cancellation,
                    before=before,
                    after={
                        "new_owner": owner.display_name,
                        "owner": owner.display_name if apply_now else before["owner"],
                    },
                )
            ]
        )
        done = "now owns {}." if apply_now else "will own {} once the cancellation is processed."
        return Outcome(
            f"{owner.display_name} {done.format(change.customer.name)}",
            change.customer.account,
            change.customer.version,
        )


def set_reasons(
    login: str,
    account: str,
    reason_ids: Sequence[int],
    reason_text: str = "",
    extra_information: str = "",
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Set the cancellation's reasons (from the reason list), free text and extra information."""
    wanted = sorted(set(_ids(reason_ids) or [])) if reason_ids else []
    text = clean_text(reason_text, "The reason text")
    extra = clean_text(extra_information, "The extra information")
    with connection(), database.atomic():
        change = start_change(login, account, "set the cancellation reasons", expected_version)
        cancellation = change.cancellation
        current = {
            link.reason_id
            for link in CancellationReason.select().where(
                CancellationReason.cancellation == cancellation
            )
        }
        reasons = {reason.id: reason for reason in Reason.select().where(Reason.id.in_(wanted))}
        missing = [pk for pk in wanted if pk not in reasons]
        if missing:
            raise NotFound(
                f"There is no reason with id {', '.join(map(str, missing))} in the list."
            )
        retired = [
            reasons[pk].name for pk in wanted if not reasons[pk].active and pk not in current
        ]
        if retired:
            raise InvalidInput(f"The reason {', '.join(retired)} is retired and cannot be chosen.")
        before = {
            "reasons": reason_names(cancellation),
            "reason_text": cancellation.reason_text,
            "extra_information": cancellation.extra_information,
        }
        CancellationReason.delete().where(CancellationReason.cancellation == cancellation).execute()
        if wanted:
            CancellationReason.insert_many(
                [{"cancellation": cancellation.id, "reason": pk} for pk in wanted]
            ).execute()
        Cancellation.update(reason_text=text, extra_information=extra).where(
            Cancellation.id == cancellation.id
        ).execute()
        bump(change.customer)
        after = {
            "reasons": reason_names(cancellation),
            "reason_text": text,
            "extra_information": extra,
        }
        audit.record(
            [
                audit.event(
                    change.who,
                    "set reasons",
                    customer=change.customer,
                    cancellation=cancellation,
                    before=before,
                    after=after,
                )
            ]
        )
        names = ", ".join(after["reasons"]) or "none"
        return Outcome(
            f"Reasons set: {names}.", change.customer.account, change.customer.version, len(wanted)
        )


def set_mood(
    login: str, account: str, mood: str | None, *, expected_version: int | None = None
) -> Outcome:
    """Record the customer's mood (optional, never blocks); ``None`` clears it."""
    chosen: str | None = None
    if mood is not None and mood.strip():
        chosen = next((m for m in MOODS if m.casefold() == mood.strip().casefold()), None)
        if chosen is None:
            raise InvalidInput(f"'{mood}' is not a mood. Choose {_or(MOODS)}.")
    with connection(), database.atomic():
        change = start_change(login, account, "set the customer mood", expected_version)
        before = {"mood": change.cancellation.mood}
        Cancellation.update(mood=chosen).where(Cancellation.id == change.cancellation.id).execute()
        bump(change.customer)
        audit.record(
            [
                audit.event(
                    change.who,
                    "set mood",
                    customer=change.customer,
                    cancellation=change.cancellation,
                    before=before,
                    after={"mood": chosen},
                )
            ]
        )
        return Outcome(
            f"Customer mood: {chosen or 'not recorded'}.",
            change.customer.account,
            change.customer.version,
        )


def set_notify(
    login: str, account: str, logins: Sequence[str], *, expected_version: int | None = None
) -> Outcome:
    """Choose the users who are notified when the cancellation is processed."""
    with connection(), database.atomic():
        change = start_change(login, account, "choose who is notified", expected_version)
        users = [_active_user(name, "person notified") for name in dict.fromkeys(logins)]
        before = [
            u.login
            for u in User.select()
            .join(NotifyUser)
            .where(NotifyUser.cancellation == change.cancellation)
        ]
        NotifyUser.delete().where(NotifyUser.cancellation == change.cancellation).execute()
        if users:
            NotifyUser.insert_many(
                [{"cancellation": change.cancellation.id, "user": user.id} for user in users]
            ).execute()
        bump(change.customer)
        audit.record(
            [
                audit.event(
                    change.who,
                    "set notify",
                    customer=change.customer,
                    cancellation=change.cancellation,
                    before={"notify": before},
                    after={"notify": [u.login for u in users]},
                )
            ]
        )
        names = ", ".join(str(u.display_name) for u in users) or "nobody"
        return Outcome(
            f"On Process, {names} will be notified.",
            change.customer.account,
            change.customer.version,
            len(users),
        )


# ----------------------------------------------------------------------------- scenarios


def _withdraw_customer_mail(
    who: User, customer: Customer, cancellation: Cancellation | None
) -> str:
    """Withdraw every unsent message to the customer's people while the no-contact rule holds;
    a sentence for the outcome (empty when there was nothing to withdraw)."""
    reason = outbox.no_contact_reason(customer)
    if not reason:
        return ""
    rows: Any = (
        OutboxMessage.select(OutboxMessage.id)
        .where(
            (OutboxMessage.customer == customer.id)
            & (OutboxMessage.audience == AUDIENCE_CUSTOMER)
            & OutboxMessage.status.in_([OUTBOX_QUEUED, OUTBOX_FAILED])
        )
        .tuples()
    )
    unsent = [int(pk) for (pk,) in rows]
    if not unsent:
        return ""
    OutboxMessage.update(status=OUTBOX_WITHDRAWN, last_error=reason).where(
        OutboxMessage.id.in_(unsent)
    ).execute()
    audit.record(
        audit.event(
            who,
            "withdraw message",
            customer=customer,
            cancellation=cancellation,
            record_kind="message",
            record_id=pk,
            after={"status": OUTBOX_WITHDRAWN, "why": "no contact"},
        )
        for pk in unsent
    )
    count = len(unsent)
    return f" {count} unsent {'e-mail' if count == 1 else 'e-mails'} to the customer withdrawn (no contact)."


def set_scenario(
    login: str, account: str, scenario: str, *, expected_version: int | None = None
) -> Outcome:
    """Change the scenario of the pending cancellation; its sections change with it. Steps
    already confirmed stay on record (they count again if the scenario comes back)."""
    chosen = scenario_key(scenario)
    with connection(), database.atomic():
        change = start_change(login, account, "change the scenario", expected_version)
        before = str(change.cancellation.scenario)
        if before == chosen:
            return Outcome(
                f"The scenario is already {SCENARIOS[chosen]}.",
                change.customer.account,
                change.customer.version,
            )
        Cancellation.update(scenario=chosen).where(
            Cancellation.id == change.cancellation.id
        ).execute()
        change.cancellation.scenario = chosen
        bump(change.customer)
        audit.record(
            [
                audit.event(
                    change.who,
                    "set scenario",
                    customer=change.customer,
                    cancellation=change.cancellation,
                    before={"scenario": before},
                    after={"scenario": chosen},
                )
            ]
        )
        withdrawn = _withdraw_customer_mail(change.who, change.customer, change.cancellation)
        return Outcome(
            f"Scenario: {SCENARIOS[chosen]}.{withdrawn}",
            change.customer.account,
            change.customer.version,
        )


def _step_key(step: str) -> str:
    wanted = (step or "").strip().casefold()
    for key, title in STEPS.items():
        if wanted in (key, title.casefold()):
            return key
    choices = ", ".join(STEPS)
    raise InvalidInput(f"'{step}' is not a step. Use one of: {choices}.")


def _confirmed(cancellation: Cancellation, step: str) -> ScenarioStep | None:
    """The confirmation of a step on this cancellation, if there is one."""
    return (  # type: ignore[no-any-return]
        ScenarioStep.select()
        .where((ScenarioStep.cancellation == cancellation.id) & (ScenarioStep.step == step))
        .first()
    )


def confirm_step(
    login: str,
    account: str,
    step: str,
    note: str = "",
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Confirm a step of the scenario (Finance sent the final amount, Billing disabled
    auto-renewal, the admin was told in a call…), with who and when."""
    key = _step_key(step)
    text = clean_text(note, "The note")
    with connection(), database.atomic():
        change = start_change(login, account, "confirm a step", expected_version)
        scenario = str(change.cancellation.scenario)
        if key not in scenario_steps(scenario):
            allowed = ", ".join(scenario_steps(scenario)) or "none (nobody contacts the admin)"
            raise InvalidInput(
                f"'{STEPS[key]}' is not a step of the {SCENARIOS[scenario]} scenario. "
                f"Its steps are: {allowed}."
            )
        existing = _confirmed(change.cancellation, key)
        if existing is not None:
            raise Conflict(
                f"'{STEPS[key]}' was already confirmed by {display_name(existing.done_by_id)} on "
                f"{when(existing.done_at)}. Nothing was changed."
            )
        if key == STEP_PAYMENT_CONFIRMED and not _confirmed(
            change.cancellation, STEP_FINAL_AMOUNT_EMAIL
        ):
            raise Conflict(
                "The payment cannot be confirmed before Finance has sent the final-amount "
                "e-mail. Confirm that step first."
            )
        done = ScenarioStep.create(
            cancellation=change.cancellation,
            step=key,
            done_by=change.who,
            note=text,
            done_at=utcnow(),
        )
        bump(change.customer)
        audit.record(
            [
                audit.event(
                    change.who,
                    "confirm step",
                    customer=change.customer,
                    cancellation=change.cancellation,
                    record_kind="step",
                    record_id=done.id,
                    after={"step": key, "note": text},
                )
            ]
        )
        return Outcome(
            f"Confirmed: {STEPS[key]}.", change.customer.account, change.customer.version, 1
        )


def unconfirm_step(
    login: str, account: str, step: str, *, expected_version: int | None = None
) -> Outcome:
    """Take back a confirmation made by mistake; the audit trail keeps both."""
    key = _step_key(step)
    with connection(), database.atomic():
        change = start_change(login, account, "take back a step", expected_version)
        existing = _confirmed(change.cancellation, key)
        if existing is None:
            raise Conflict(f"'{STEPS[key]}' is not confirmed, so there is nothing to take back.")
        if key == STEP_FINAL_AMOUNT_EMAIL and _confirmed(
            change.cancellation, STEP_PAYMENT_CONFIRMED
        ):
            raise Conflict("Take back the payment confirmation first: it rests on this step.")
        before = {"step": key, "by": display_name(existing.done_by_id), "note": existing.note}
        existing.delete_instance()
        bump(change.customer)
        audit.record(
            [
                audit.event(
                    change.who,
                    "take back step",
                    customer=change.customer,
                    cancellation=change.cancellation,
                    record_kind="step",
                    record_id=existing.id,
                    before=before,
                )
            ]
        )
        return Outcome(
            f"Taken back: {STEPS[key]}.", change.customer.account, change.customer.version
        )


def queue_offboarding_notice(
    login: str,
    account: str,
    recipients: str,
    subject: str,
    body: str,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Queue the offboarding notice to the customer's admin, as the team lead edited it.

    Refused, whoever asks, when the customer is sent to collections (no contact)."""
    addresses = outbox.parse_addresses(recipients)
    with connection(), database.atomic():
        change = start_change(login, account, "e-mail the customer's admin", expected_version)
        if "admin_notified" not in SCENARIO_SECTIONS.get(str(change.cancellation.scenario), ()):
            raise NotAllowed(
                outbox.no_contact_reason(change.customer)
                or "This scenario sends no offboarding notice."
            )
        message = outbox.queue(
            change.customer,
            change.cancellation,
            OFFBOARDING_NOTICE,
            addresses,
            subject,
            body,
            audience=AUDIENCE_CUSTOMER,
            created_by=change.who,
        )
        bump(change.customer)
        audit.record(
            [
                audit.event(
                    change.who,
                    "queue message",
                    customer=change.customer,
                    cancellation=change.cancellation,
                    record_kind="message",
                    record_id=message.id,
                    after={
                        "kind": OFFBOARDING_NOTICE,
                        "to": message.recipients,
                        "subject": subject,
                    },
                )
            ]
        )
        return Outcome(
            f"Offboarding notice to {message.recipients} queued. Admin notified turns green once "
            "it is sent.",
            change.customer.account,
            change.customer.version,
            1,
        )


def set_billing_status(login: str, account: str, status: str) -> str:
    """Record the account's billing status as Billing reports it. Sent to collections withdraws
    every unsent e-mail to the customer (no contact from then on)."""
    chosen = next(
        (s for s in BILLING_STATUSES if s.casefold() == (status or "").strip().casefold()), None
    )
    if chosen is None:
        raise InvalidInput(
            f"'{status}' is not a billing status. Use one of: {', '.join(BILLING_STATUSES)}."
        )
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "change the billing status")
        customer = _customer(account)
        before = str(customer.billing_status)
        if before == chosen:
            return f"{customer.name} is already {chosen}."
        bump(customer, billing_status=chosen)
        audit.record(
            [
                audit.event(
                    who,
                    "set billing status",
                    customer=customer,
                    before={"billing_status": before},
                    after={"billing_status": chosen},
                )
            ]
        )
        withdrawn = _withdraw_customer_mail(who, customer, _pending(customer))
        rule = (
            " Nobody may contact its admin from now on."
            if outbox.no_contact_reason(customer)
            else ""
        )
        return f"{customer.name} is now {chosen}.{rule}{withdrawn}"
