"""A cancellation's life: begin it, remove it (abort), process it once every section is clear."""

from __future__ import annotations

from data import outbox
from data.cancellations.contact import withdraw_customer_mail
from data.cancellations.kernel import (
    Change,
    Outcome,
    change,
    customer_change,
    display_name,
    pending,
)
from data.dates import when
from data.errors import Conflict, NotReady
from data.models import (
    SCENARIOS,
    Cancellation,
    CancellationState,
    Customer,
    CustomerStatus,
    CustomerType,
    NotifyUser,
    Scenario,
    User,
)
from data.rules import describe_red, evaluate, reason_names, scenario_key, unfinished_sections


def _may_begin(customer: Customer) -> None:
    """Refuse a customer that is already pending, or is not Live."""
    found = pending(customer)
    if found is not None:
        raise Conflict(
            f"{customer.name} is already pending cancellation since {when(found.begun_at)} "
            f"by {display_name(found.begun_by_id)}. Open that cancellation instead."
        )
    if customer.status != CustomerStatus.LIVE:
        raise Conflict(
            f"{customer.name} is {customer.status}; only a Live customer can be cancelled."
        )


def begin(
    login: str,
    account: str,
    *,
    scenario: str = Scenario.BUYOUT,
    expected_version: int | None = None,
) -> Outcome:
    """Begin a cancellation in one of the three scenarios: the customer becomes Live (PC) until
    it is processed or removed."""
    chosen = scenario_key(scenario)
    with customer_change(
        login, account, expected_version, doing="begin a cancellation", opening=_may_begin
    ) as c:
        customer = c.customer
        cancellation = Cancellation.create(
            customer=customer,
            previous_status=customer.status,
            begun_by=c.who,
            begun_at=c.now,
            scenario=chosen,
        )
        # By default the account owner and the team lead hear when it is processed.
        notify = {c.who.id}
        if customer.owner_id is not None:
            notify.add(customer.owner_id)
        NotifyUser.insert_many(
            [{"cancellation": cancellation.id, "user": user_id} for user_id in sorted(notify)]
        ).execute()
        before = {"status": customer.status}
        c.bump(status=CustomerStatus.PENDING_CANCELLATION)
        c.audit(
            "begin",
            cancellation=cancellation,
            before=before,
            after={"status": CustomerStatus.PENDING_CANCELLATION, "scenario": chosen},
        )
        withdrawn = withdraw_customer_mail(c, cancellation)
        return c.outcome(
            f"Cancellation of {customer.name} begun ({SCENARIOS[chosen]}): the customer is now "
            f"{CustomerStatus.PENDING_CANCELLATION}.{withdrawn}"
        )


def remove(login: str, account: str, *, expected_version: int | None = None) -> Outcome:
    """Abort the pending cancellation: the customer returns to the status it had before."""
    with change(login, account, expected_version, doing="remove a cancellation") as c:
        customer, cancellation = c.customer, c.cancellation
        if cancellation.purged_at is not None:
            raise Conflict(
                f"{customer.name}'s data is already purged: the cancellation cannot be taken "
                "back. Finish it with Process."
            )
        Cancellation.update(
            state=CancellationState.REMOVED, removed_by=c.who, removed_at=c.now
        ).where(Cancellation.id == cancellation.id).execute()
        before = {"status": customer.status, "state": CancellationState.PENDING}
        c.bump(status=cancellation.previous_status)
        c.audit(
            "remove",
            before=before,
            after={"status": cancellation.previous_status, "state": CancellationState.REMOVED},
        )
        return c.outcome(
            f"Cancellation of {customer.name} removed: the customer is {customer.status} again."
        )


def process(login: str, account: str, *, expected_version: int | None = None) -> Outcome:
    """Complete the cancellation, only when every section is clear, exactly once."""
    with change(login, account, expected_version, doing="process a cancellation") as c:
        customer, cancellation = c.customer, c.cancellation
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
        new_owner = User.get_by_id(cancellation.new_owner_id)
        before = {
            "status": customer.status,
            "owner": display_name(customer.owner_id),
            "state": CancellationState.PENDING,
            "customer_type": customer.customer_type,
        }
        Cancellation.update(
            state=CancellationState.PROCESSED, processed_by=c.who, processed_at=c.now
        ).where(
            (Cancellation.id == cancellation.id) & (Cancellation.state == CancellationState.PENDING)
        ).execute()
        c.bump(
            status=CustomerStatus.CANCELLED,
            owner=new_owner.id,
            customer_type=CustomerType.FORMER_CUSTOMER,
        )
        cancellation.processed_at = c.now
        notified = _queue_notification(c, new_owner)
        c.audit(
            "process",
            before=before,
            after={
                "status": CustomerStatus.CANCELLED,
                "owner": new_owner.display_name,
                "state": CancellationState.PROCESSED,
                "customer_type": CustomerType.FORMER_CUSTOMER,
                "notified": notified,
            },
        )
        told = (
            f" {', '.join(notified)} will be notified."
            if notified
            else " Nobody was notified: none of the chosen users has an e-mail address."
        )
        return c.outcome(
            f"{customer.name} is Cancelled, a Former Customer, now owned by "
            f"{new_owner.display_name}.{told}"
        )


def _queue_notification(c: Change, new_owner: User) -> list[str]:
    """Queue the processed-cancellation e-mail to the users chosen; their names (none without
    an e-mail address)."""
    customer, cancellation = c.customer, c.cancellation
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
            "processed_by": c.who.display_name,
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
        created_by=c.who,
    )
    return [str(user.display_name) for user in users if user.email]
