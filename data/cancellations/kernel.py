"""The change kernel: every change to a customer or its cancellation opens, checks and finishes here.

``with change(login, account, expected_version, doing=...) as c:`` opens one transaction,
finds the acting user and refuses without the cancellation role, locks the customer, requires
its pending cancellation and refuses a stale ``expected_version`` (the caller's copy is out of
date: refresh). The operation then writes its rows, notes each audit event with ``c.audit`` (or
``c.audit_each`` for many records) and ends with ``return c.outcome(message)``: the customer's
next version (a conditional bump: a writer that got there first is refused) and every audit
event, in one multi-row INSERT per batch. It is also the one place the operations read the
clock: ``c.now`` (one moment for the whole change) and ``c.today()`` in the customer's zone.

A change may name the ``part`` of the cancellation it touches (its reasons, its owner, a section's
steps or records: ``SectionVersion``). Its conflict is then as narrow as that part: a stale
``expected_version`` is refused only when that part was changed after it (or the cancellation
was begun after it), so a colleague's scenario change does not refuse a reasons save, while two
people saving the reasons still conflict (``PartConflict``, naming who changed what and when).
Each change to a part stores the customer's next version on the part's row.

``case_change`` is the same for the termination case, which outlives Process: it opens while the
cancellation is pending or processed with its case not yet closed (the timeline's tasks,
sign-offs, access and data). Neither opens a case whose playbook version can no longer be read
(``data.playbook.store``): such a case is read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from data import audit, clock
from data.dates import today_in, when
from data.db import connection, database, is_sqlite
from data.errors import Conflict, InvalidInput, NotFound
from data.models import (
    AuditEvent,
    Cancellation,
    CancellationState,
    Customer,
    SectionVersion,
    User,
)
from data.playbook.store import require_readable
from data.text import normal_newlines

TEXT_LIMIT = 4000

# The part "case": the customer's version when its cancellation was begun.
CASE_PART = "case"
# What a conflict calls each part, as the subject of "… changed by".
_PART_PHRASES = {
    "reasons": "The reasons were",
    "ownership": "The new owner was",
    "expiry": "The future expiry was",
    "mood": "The customer mood was",
    "notify": "Who is notified was",
    "scenario": "The scenario was",
    "assets": "The assets were",
    "cases": "The cases were",
    "opportunities": "The opportunities were",
    "quotations": "The quotations were",
    "sales_orders": "The sales orders were",
}


def part_phrase(part: str) -> str:
    """A part as a conflict says it changed: "The reasons were", "The Final amount steps were"."""
    return _PART_PHRASES.get(part, f"The {part.replace('_', ' ')} steps were")


class PartConflict(Conflict):
    """The part a save touches was changed after the form read it; ``version`` is the
    customer's version now (a form may offer to save over the change with it)."""

    def __init__(self, changed: str, *, part: str, version: int) -> None:
        super().__init__(f"{changed} Nothing was saved. Refresh to see the change, then try again.")
        self.changed = changed  # who changed what, and when: the first sentence
        self.part = part
        self.version = version


@dataclass(frozen=True)
class Outcome:
    """What an operation did, in a sentence, and the customer's version after it."""

    message: str
    account: str
    version: int
    count: int = 0


def next_version(row: Any, name: str, **changes: Any) -> None:
    """Write ``changes`` to ``row`` with its next version — a compare-and-swap on its version
    column, refused if another writer got there first (``name`` says what, in the message)."""
    model = type(row)
    updated = (
        model.update(version=model.version + 1, **changes)
        .where((model.id == row.id) & (model.version == row.version))
        .execute()
    )
    if updated != 1:
        raise Conflict(
            f"{name} was changed by someone else at the same moment. "
            "Refresh to see the change, then try again."
        )
    row.version += 1
    for key, value in changes.items():
        setattr(row, key, value)


@dataclass
class CustomerChange:
    """A change under way to one customer: who makes it, when, and the audit events it has noted."""

    who: User
    customer: Customer
    now: dt.datetime
    cancellation: Cancellation | None
    events: list[dict[str, Any]] = field(default_factory=list)
    bumped: bool = False

    def today(self) -> dt.date:
        """Today in the customer's time zone."""
        return today_in(str(self.customer.time_zone))

    def bump(self, **changes: Any) -> None:
        """Write the customer's changes and its next version, refusing if another writer got
        there first. Once per change: ``outcome`` bumps if the operation did not."""
        if self.bumped:
            raise RuntimeError("A change bumps the customer's version once.")
        next_version(self.customer, str(self.customer.name), updated_at=self.now, **changes)
        self.bumped = True

    def audit(
        self,
        action: str,
        *,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        record_kind: str = "",
        record_id: int | None = None,
        cancellation: Cancellation | None = None,
    ) -> None:
        """Note one audit event of this change (written when the change finishes)."""
        self.events.append(
            audit.event(
                self.who,
                action,
                customer=self.customer,
                cancellation=cancellation if cancellation is not None else self.cancellation,
                record_kind=record_kind,
                record_id=record_id,
                before=before,
                after=after,
            )
        )

    def audit_each(
        self,
        action: str,
        record_kind: str,
        changes: Iterable[tuple[int, Mapping[str, Any], Mapping[str, Any]]],
        *,
        cancellation: Cancellation | None = None,
    ) -> None:
        """Note one audit event per record, given as (id, before, after): a bulk change's rows,
        built from one template (the same before or after is serialised once)."""
        template = audit.event(
            self.who,
            action,
            customer=self.customer,
            cancellation=cancellation if cancellation is not None else self.cancellation,
            record_kind=record_kind,
        )
        serialised: dict[tuple[tuple[str, Any], ...], str] = {}

        def text(values: Mapping[str, Any]) -> str:
            # The JSON exactly as ``audit.event`` writes it, made once per distinct value.
            try:
                key = tuple(values.items())
                known = serialised.get(key)
            except TypeError:  # a value that cannot be a key (a list): serialise it each time
                return str(audit.event(self.who, action, after=values)["after"])
            if known is None:
                known = serialised[key] = str(audit.event(self.who, action, after=values)["after"])
            return known

        self.events.extend(
            {**template, "record_id": pk, "before": text(before), "after": text(after)}
            for pk, before, after in changes
        )

    def finish(self) -> None:
        """Bump the customer's version (if the operation has not), write the audit events, and
        note the versions of the parts it changed (``noted``)."""
        if not self.bumped:
            self.bump()
        events, self.events = self.events, []
        audit.record(events)
        self.noted()

    def noted(self) -> None:
        """Note the version a cancellation pending now was begun at (its "case" part)."""
        begun = pending(self.customer)
        if begun is not None:
            _mark_part(begun, CASE_PART, self, only_new=True)

    def outcome(self, message: str, count: int = 0) -> Outcome:
        """Finish the change and say what it did."""
        self.finish()
        return Outcome(message, self.customer.account, self.customer.version, count)

    def unchanged(self, message: str) -> Outcome:
        """Say why nothing was changed (no new version, no audit event)."""
        if self.events or self.bumped:
            raise RuntimeError("A change that wrote something must finish with outcome().")
        return Outcome(message, self.customer.account, self.customer.version)


@dataclass
class Change(CustomerChange):
    """A change to a customer's pending cancellation, touching ``part`` of it if named."""

    cancellation: Cancellation
    part: str = ""

    def noted(self) -> None:
        """Note the customer's version now on the part this change touched."""
        if self.part:
            _mark_part(self.cancellation, self.part, self)


def _mark_part(
    cancellation: Cancellation, part: str, done: CustomerChange, *, only_new: bool = False
) -> None:
    """Store the customer's version now on the part's row (made if it is missing)."""
    where = (SectionVersion.cancellation == cancellation.id) & (SectionVersion.section == part)
    values = {"version": done.customer.version, "changed_by": done.who.id, "changed_at": done.now}
    if only_new:
        if SectionVersion.select().where(where).exists():
            return
    elif SectionVersion.update(values).where(where).execute():
        return
    SectionVersion.create(cancellation=cancellation.id, section=part, **values)


def _check_part(
    customer: Customer, cancellation: Cancellation, part: str, expected: int | None
) -> None:
    """Refuse a stale ``expected`` version only when ``part`` (or the cancellation itself) was
    changed after it; without what to go by, as strictly as ``_check_version``."""
    if expected is None or customer.version == expected:
        return
    rows = {
        str(row.section): row
        for row in SectionVersion.select().where(
            (SectionVersion.cancellation == cancellation.id)
            & SectionVersion.section.in_([CASE_PART, part])
        )
    }
    begun = rows.get(CASE_PART)
    if expected > customer.version or begun is None or begun.version > expected:
        _check_version(customer, expected)
    changed = rows.get(part)
    if changed is not None and changed.version > expected:
        raise PartConflict(
            f"{part_phrase(part)} changed by {display_name(changed.changed_by_id)} at "
            f"{when(changed.changed_at)} after you read them.",
            part=part,
            version=customer.version,
        )


@contextmanager
def _opened(
    login: str,
    account: str,
    expected_version: int | None,
    doing: str,
    opening: Callable[[Customer], Cancellation | None],
    allowed: Callable[[User, Customer], None] | None = None,
) -> Iterator[tuple[User, Customer, Cancellation | None, dt.datetime]]:
    """Open a change: the acting user may make it (the customer-cancellation role, or what
    ``allowed`` decides once the customer is read), the customer locked, ``opening`` run, the
    version checked."""
    with connection(), database.atomic():
        who = audit.actor(login)
        if allowed is None:
            audit.require_cancellation_role(who, doing)
        customer = _customer(account)
        if allowed is not None:
            allowed(who, customer)
        cancellation = opening(customer)
        _check_version(customer, expected_version)
        yield who, customer, cancellation, clock.now()


def _finished(done: CustomerChange) -> None:
    if done.events:
        raise RuntimeError("A change noted audit events but never finished with outcome().")


@contextmanager
def change(
    login: str,
    account: str,
    expected_version: int | None = None,
    *,
    doing: str,
    refusing: Callable[[Customer], None] | None = None,
    part: str | Callable[[Cancellation], str] = "",
) -> Iterator[Change]:
    """A change to the customer's pending cancellation, in one transaction (see the module);
    ``refusing`` may refuse it first with its own reason (it runs before the pending check);
    ``part`` names what it touches, for a conflict as narrow as that (see the module), or
    finds it from the cancellation (a step's section)."""

    def opening(customer: Customer) -> Cancellation:
        if refusing is not None:
            refusing(customer)
        return require_pending(customer)

    strict = None if part else expected_version
    with _opened(login, account, strict, doing, _readable(opening)) as opened:
        who, customer, cancellation, now = opened
        assert cancellation is not None
        touched = part(cancellation) if callable(part) else part
        if touched:
            _check_part(customer, cancellation, touched, expected_version)
        current = Change(who, customer, now, cancellation, part=touched)
        yield current
        _finished(current)


@contextmanager
def case_change(
    login: str, account: str, expected_version: int | None = None, *, doing: str
) -> Iterator[Change]:
    """A change to the customer's open termination case (its cancellation pending, or processed
    and not yet closed), in one transaction like ``change``."""
    with _opened(login, account, expected_version, doing, _readable(require_open_case)) as opened:
        who, customer, cancellation, now = opened
        assert cancellation is not None
        current = Change(who, customer, now, cancellation)
        yield current
        _finished(current)


def _readable(
    opening: Callable[[Customer], Cancellation],
) -> Callable[[Customer], Cancellation]:
    """``opening``, refusing a case whose playbook version can no longer be read."""

    def opened(customer: Customer) -> Cancellation:
        cancellation = opening(customer)
        require_readable(cancellation)
        return cancellation

    return opened


@contextmanager
def customer_change(
    login: str,
    account: str,
    expected_version: int | None = None,
    *,
    doing: str,
    opening: Callable[[Customer], None] | None = None,
    allowed: Callable[[User, Customer], None] | None = None,
) -> Iterator[CustomerChange]:
    """A change to the customer itself, pending cancellation or not; ``opening`` may refuse it
    (it runs before the version check); ``allowed`` replaces the customer-cancellation role
    with a check of its own (who may act on this customer)."""

    def opened_by(customer: Customer) -> None:
        if opening is not None:
            opening(customer)

    with _opened(login, account, expected_version, doing, opened_by, allowed) as opened:
        who, customer, _, now = opened
        current = CustomerChange(who, customer, now, None)
        yield current
        _finished(current)


# ----------------------------------------------------------------------------- what the kernel reads


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


def pending(customer: Customer) -> Cancellation | None:
    """The customer's pending cancellation, if there is one."""
    query = Cancellation.select().where(
        (Cancellation.customer == customer) & (Cancellation.state == CancellationState.PENDING)
    )
    return query.first()  # type: ignore[no-any-return]


def latest_processed(customer: Customer) -> Cancellation | None:
    """The customer's cancellation processed last, if any."""
    return (  # type: ignore[no-any-return]
        Cancellation.select()
        .where(
            (Cancellation.customer == customer)
            & (Cancellation.state == CancellationState.PROCESSED)
        )
        .order_by(Cancellation.processed_at.desc())
        .first()
    )


def display_name(user_id: int | None) -> str:
    """A user's name as a sentence shows it, "nobody" for none."""
    if user_id is None:
        return "nobody"
    user = User.get_or_none(User.id == user_id)
    return str(user.display_name) if user is not None else "an unknown user"


def require_pending(customer: Customer) -> Cancellation:
    """The pending cancellation, or Conflict saying there is none (and why)."""
    found = pending(customer)
    if found is not None:
        return found
    done = latest_processed(customer)
    if done is not None:
        raise Conflict(
            f"{customer.name} was already cancelled on {when(done.processed_at)} by "
            f"{display_name(done.processed_by_id)}. Nothing was changed."
        )
    raise Conflict(f"{customer.name} has no pending cancellation. Begin a cancellation first.")


def open_case(customer: Customer) -> Cancellation | None:
    """The customer's open termination case: its pending cancellation, or the processed one
    whose case is not closed yet."""
    found = pending(customer)
    if found is not None:
        return found
    done = latest_processed(customer)
    return done if done is not None and done.closed_at is None else None


def require_open_case(customer: Customer) -> Cancellation:
    """The open termination case, or Conflict saying there is none (and why)."""
    found = open_case(customer)
    if found is not None:
        return found
    done = latest_processed(customer)
    if done is not None:
        raise Conflict(
            f"{customer.name}'s termination case was closed on {when(done.closed_at)} by "
            f"{display_name(done.closed_by_id)}. Nothing was changed."
        )
    raise Conflict(f"{customer.name} has no pending cancellation. Begin a cancellation first.")


def clean_text(value: str | None, field: str) -> str:
    """Free text as stored: CRLF line ends made plain line breaks, trimmed, refused past
    TEXT_LIMIT characters (its field refuses a control character, naming it)."""
    text = normal_newlines(value or "").strip()
    if len(text) > TEXT_LIMIT:
        raise InvalidInput(
            f"{field} is {len(text):,} characters; the limit is {TEXT_LIMIT:,}. Shorten it, "
            "then save again (nothing was cut)."
        )
    return text
