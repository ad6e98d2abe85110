"""A cancellation's life: begin it (on the playbook in force, whose version the case keeps),
remove it (abort, while nothing irreversible happened), process it once the tool's sections are
clear and the tasks that gate Process are done. Process cancels the customer record; the
termination case stays open until it is closed (``closing``), unless the playbook has nothing
that gates Close: then Process closes it too."""

from __future__ import annotations

from data import outbox
from data.cancellations.closing import case_timeline, left_words, open_tasks
from data.cancellations.contact import withdraw_customer_mail
from data.cancellations.kernel import (
    Change,
    Outcome,
    change,
    customer_change,
    display_name,
    latest_processed,
    pending,
)
from data.dates import when
from data.errors import Conflict, NotReady
from data.models import (
    Cancellation,
    CancellationState,
    Customer,
    CustomerStatus,
    CustomerType,
    NotifyUser,
    User,
)
from data.playbook import Milestone, current_playbook
from data.playbook.store import playbook_for, remember
from data.rules import (
    Section,
    SectionKey,
    describe_red,
    evaluate,
    reason_names,
    scenario_key,
    scenario_label,
    unfinished_sections,
)

# The sections that show the termination timeline: what of them holds Process back is judged
# by the plan's tasks that gate Process, not by the whole section.
_TERMINATION = frozenset({SectionKey.TIMELINE, SectionKey.SIGN_OFFS, SectionKey.ACCESS_DATA})


def holds_back_process(section: Section) -> bool:
    """Whether a section the tool shows keeps Process back (the termination sections do only
    through tasks that gate Process, checked on their own)."""
    return section.key not in _TERMINATION


def _may_begin(customer: Customer) -> None:
    """Refuse a customer that is already pending, or is not Live (a Paused one is told how to
    resume it)."""
    found = pending(customer)
    if found is not None:
        raise Conflict(
            f"{customer.name} is already pending cancellation since {when(found.begun_at)} "
            f"by {display_name(found.begun_by_id)}. Open that cancellation instead."
        )
    if customer.status == CustomerStatus.PAUSED:
        # Imported here: data.retention.pause builds on this package's kernel.
        from data.retention.pause import pause_of

        pause = pause_of(str(customer.account))
        until = f" until {pause.end}" if pause is not None and pause.end is not None else ""
        raise Conflict(
            f"{customer.name} is Paused{until}; resume it first (offboard resume "
            f"{customer.account}, or u on the customer)."
        )
    if customer.status != CustomerStatus.LIVE:
        raise Conflict(
            f"{customer.name} is {customer.status}; only a Live customer can be cancelled."
        )


def begin(
    login: str,
    account: str,
    *,
    scenario: str | None = None,
    expected_version: int | None = None,
) -> Outcome:
    """Begin a cancellation in one of the playbook's scenarios (its default when none is
    chosen): the customer becomes Live (PC) until it is processed or removed. The case keeps
    the playbook in force now, whatever the file says later."""
    playbook = current_playbook()
    chosen = scenario_key(scenario if scenario is not None else playbook.default_scenario, playbook)
    with customer_change(
        login, account, expected_version, doing="begin a cancellation", opening=_may_begin
    ) as c:
        customer = c.customer
        version = remember(playbook)
        cancellation = Cancellation.create(
            customer=customer,
            previous_status=customer.status,
            begun_by=c.who,
            begun_at=c.now,
            scenario=chosen,
            playbook_version=version.id,
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
            f"Cancellation of {customer.name} begun ({scenario_label(chosen, playbook)}): the "
            "customer is now "
            f"{CustomerStatus.PENDING_CANCELLATION}.{withdrawn}"
        )


def _not_processed(customer: Customer) -> None:
    """Refuse to remove a cancellation that was processed (the customer record is cancelled)."""
    if pending(customer) is not None:
        return
    done = latest_processed(customer)
    if done is not None:
        raise Conflict(
            f"{customer.name} was processed on {when(done.processed_at)}: a processed "
            "cancellation cannot be removed. Close its termination case when the tasks are done, "
            "or ask a CRM admin to set the customer Live again."
        )


def remove(login: str, account: str, *, expected_version: int | None = None) -> Outcome:
    """Abort the pending cancellation: the customer returns to the status it had before. Not
    once it is processed, nor once the customer's data is purged."""
    with change(
        login, account, expected_version, doing="remove a cancellation", refusing=_not_processed
    ) as c:
        customer, cancellation = c.customer, c.cancellation
        if cancellation.purged_at is not None:
            raise Conflict(
                f"The customer's data was purged on {when(cancellation.purged_at)} by "
                f"{display_name(cancellation.purged_by_id)}: the cancellation of {customer.name} "
                "cannot be removed."
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
    """Cancel the customer record, exactly once: only when the tool's sections are clear and
    every task that gates Process is done. The customer becomes Cancelled, owned by the new
    owner, and the users chosen are notified; the termination case stays open for the tasks
    that gate Close (when the playbook has none, Process closes it: Former Customer)."""
    with change(login, account, expected_version, doing="process a cancellation") as c:
        customer, cancellation = c.customer, c.cancellation
        playbook = playbook_for(cancellation)
        sections = [
            section
            for section in unfinished_sections(evaluate(customer, cancellation))
            if holds_back_process(section)
        ]
        if sections:
            raise NotReady(
                f"{customer.name} cannot be processed yet: {describe_red(sections)}.",
                [section.name for section in sections],
            )
        view = case_timeline(customer, cancellation, playbook)
        before_process = open_tasks(view, Milestone.PROCESS)
        if before_process:
            titles = [task.task.title for task in before_process]
            raise NotReady(
                f"{customer.name} cannot be processed yet: "
                f"{'these tasks come' if len(titles) != 1 else 'this task comes'} before "
                f"Process: {'; '.join(titles)}.",
                titles,
            )
        closing = not playbook.needs_close
        new_owner = User.get_by_id(cancellation.new_owner_id)
        before = {
            "status": customer.status,
            "owner": display_name(customer.owner_id),
            "state": CancellationState.PENDING,
            "customer_type": customer.customer_type,
        }
        closed = {"closed_at": c.now, "closed_by": c.who} if closing else {}
        Cancellation.update(
            state=CancellationState.PROCESSED, processed_by=c.who, processed_at=c.now, **closed
        ).where(
            (Cancellation.id == cancellation.id) & (Cancellation.state == CancellationState.PENDING)
        ).execute()
        customer_type = CustomerType.FORMER_CUSTOMER if closing else customer.customer_type
        c.bump(status=CustomerStatus.CANCELLED, owner=new_owner.id, customer_type=customer_type)
        cancellation.processed_at = c.now
        notified = _queue_notification(c, new_owner)
        c.audit(
            "process",
            before=before,
            after={
                "status": CustomerStatus.CANCELLED,
                "owner": new_owner.display_name,
                "state": CancellationState.PROCESSED,
                "customer_type": customer_type,
                "notified": notified,
                "case": "closed" if closing else "open",
            },
        )
        told = (
            f" {', '.join(notified)} will be notified."
            if notified
            else " Nobody was notified: none of the chosen users has an e-mail address."
        )
        if closing:
            return c.outcome(
                f"{customer.name} is Cancelled, a Former Customer, now owned by "
                f"{new_owner.display_name}.{told}"
            )
        left = left_words(open_tasks(view))
        return c.outcome(
            f"{customer.name} is Cancelled, now owned by {new_owner.display_name}. "
            f"The termination case stays open: {left}.{told}"
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
    from data.notices import notified_parties  # the playbook's parties chosen too

    parties = notified_parties(cancellation, playbook_for(cancellation))
    addresses = list(
        dict.fromkeys([str(user.email) for user in users if user.email] + [a for _, a in parties])
    )
    if not addresses:
        return []
    rendered = outbox.render(
        "cancellation_notification",
        {
            "scenario": scenario_label(str(cancellation.scenario), playbook_for(cancellation)),
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
    labels = list(dict.fromkeys(label for label, _ in parties))
    return [str(user.display_name) for user in users if user.email] + labels
