"""The demo's cancellations, made through the real operations as a team would, so the audit
trail and the outbox look as they do in use: one nearly ready, one mostly red, one sent to
collections and one processed with its termination case still open.

``finish_termination`` (the whole termination timeline, done as a team lead would) is here too;
tests and benchmarks use it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from data import cancellations, clock, notices, termination
from data.dates import today_in
from data.db import connection
from data.demo.content import ALREADY_CANCELLED, COLLECTIONS, MANY_RED, NEARLY_READY, SAMPLE_GUID
from data.models import (
    CASE_CLOSED,
    SALES_ORDER_CLOSED,
    Asset,
    Cancellation,
    CancellationState,
    Customer,
    DoneBy,
    OutboxMessage,
    OutboxStatus,
    Reason,
    SalesOrder,
    Scenario,
    Step,
)
from data.playbook import current_playbook
from data.retention import attempts
from data.retention.models import Outcome
from data.rules import OFFBOARDING_NOTICE
from data.sections import SectionKey
from data.timeline import SIGN_OFFS


def add_cancellations(me: str) -> None:
    """Begin and work the demo's four cancellations; ``me`` (whoever runs the demo) has the
    mostly red one, so the app offers it on start."""
    # Nearly ready: a month into its timeline, everything clear but one sales order (the
    # seed's own example).
    ready = NEARLY_READY
    cancellations.begin("alex", ready)
    _backdate(ready, 34)
    _clear_all_but_sales_orders("alex", ready)
    finish_termination("alex", ready)
    if (
        not SalesOrder.select()
        .join(Customer)
        .where((Customer.account == ready) & SalesOrder.status.not_in(SALES_ORDER_CLOSED))
        .exists()
    ):
        customer = Customer.get(Customer.account == ready)
        SalesOrder.create(
            customer=customer, number=f"SO-{ready}-9", status="In progress", amount=Decimal(1200)
        )
    # Many red: begun five days ago by the person running the demo, so the app offers it on
    # start; the first days' tasks are done, the next ones are late.
    cancellations.begin(me, MANY_RED, scenario=Scenario.NON_RENEWAL)
    _backdate(MANY_RED, 4)
    termination.set_effective_date(me, MANY_RED, _in_days(26))
    for task, note in (
        ("notice_received", "Non-renewal letter attached to the case"),
        ("account_team_informed", ""),
        ("attrition_box", ""),
    ):
        termination.complete_task(me, MANY_RED, task, note)
    termination.sign_off(me, MANY_RED, "finance", "Kim: invoices settled, nothing open")
    # Sent to collections: no contact with the admin, deactivation at once; begun yesterday,
    # no effective date yet.
    cancellations.begin("riley", COLLECTIONS, scenario=Scenario.COLLECTIONS)
    _backdate(COLLECTIONS, 1)
    # Processed, its termination case still open (Process once the CRM is tidy, seed 002; Close
    # on day 33, seed 000): begun twelve days ago by Riley, the tool cleared, the first week's
    # tasks done, processed today. Left for Close: the final termination e-mail, the data
    # decision, the sign-offs and the purge, up to the effective date in 18 days.
    cancellations.begin("riley", ALREADY_CANCELLED)
    _backdate(ALREADY_CANCELLED, 12)
    _clear_all_but_sales_orders("riley", ALREADY_CANCELLED)
    cancellations.close_records("riley", ALREADY_CANCELLED, SectionKey.SALES_ORDERS, "Cancelled")
    termination.set_effective_date("riley", ALREADY_CANCELLED, _in_days(18))
    for task in (
        "notice_received",
        "account_team_informed",
        "attrition_box",
        "legal_terms",
        "termination_notified",
        "team_tasks_assigned",
    ):
        termination.complete_task("riley", ALREADY_CANCELLED, task)
    termination.record_deactivation("riley", ALREADY_CANCELLED, SAMPLE_GUID)
    cancellations.process("riley", ALREADY_CANCELLED)


def finish_termination(
    login: str, account: str, *, leave: str | None = None, effective: dt.date | str = "today"
) -> None:
    """Do the whole termination timeline through the operations, as a team lead would: the
    effective date (today where the customer is, unless given), every task done by hand, the
    final termination e-mail, the deactivation, the approval and the purge, every sign-off.
    ``leave`` names a section to leave unfinished (timeline, sign_offs or access_data). The
    purge waits for the effective date: without one, or before it, it is left for its day.
    The Retention section is cleared too (a lost save attempt) unless ``leave`` is retention."""
    if leave != SectionKey.RETENTION:
        lost_save_attempt(login, account)
    if leave != SectionKey.TIMELINE:
        termination.set_effective_date(login, account, effective)
        for task in current_playbook().plan.tasks:
            if task.by_hand:
                termination.complete_task(login, account, task.key)
            elif task.completed_by == DoneBy.EMAIL:
                draft = notices.compose_task_email(account, login, task.key)
                termination.queue_task_email(
                    login, account, task.key, draft.recipients, draft.subject, draft.body
                )
    if leave != SectionKey.ACCESS_DATA:
        termination.record_deactivation(login, account, SAMPLE_GUID)
        termination.decide_data(login, account, "approve")
        if _purge_date_come(account):
            termination.record_purge(login, account)
    if leave != SectionKey.SIGN_OFFS:
        for key in SIGN_OFFS:
            termination.sign_off(login, account, key)


def lost_save_attempt(login: str, account: str) -> None:
    """Record a save attempt that lost the customer, unless its latest one already did (the
    Retention section is then green)."""
    latest = next(iter(attempts.attempts_of(account)), None)
    if latest is None or latest.outcome != Outcome.LOST:
        attempts.record_attempt(
            login, account, outcome=Outcome.LOST, concern="Leaving whatever we offer."
        )


def _purge_date_come(account: str) -> bool:
    """Whether the customer's effective date is set and has come where the customer is."""
    with connection():
        customer = Customer.get(Customer.account == account)
        effective = (
            Cancellation.select(Cancellation.effective_date)
            .where(Cancellation.customer == customer)
            .order_by(Cancellation.id.desc())
            .scalar()
        )
    return effective is not None and effective <= today_in(str(customer.time_zone))


def _reason_ids(*names: str) -> list[int]:
    return [Reason.get(Reason.name == name).id for name in names]


def _clear_all_but_sales_orders(lead: str, account: str) -> None:
    cancellations.set_reasons(
        lead,
        account,
        _reason_ids("Price", "Moved to a competitor"),
        "Found a cheaper bundle with their new EHR vendor.",
        "Admin asked for training records export before deactivation.",
    )
    cancellations.choose_owner(lead, account, "tess")
    cancellations.add_expiry(
        lead,
        account,
        clock.local_now().date() + dt.timedelta(days=330),
        "Contract with competitor ends: call back",
    )
    if Asset.select().join(Customer).where(Customer.account == account).exists():
        earliest = clock.local_now().date()
        cancellations.cease_assets(lead, account, earliest)
    for section, state in (
        (SectionKey.CASES, CASE_CLOSED),
        (SectionKey.OPPORTUNITIES, "Lost"),
        (SectionKey.QUOTATIONS, "Expired"),
    ):
        cancellations.close_records(lead, account, section, state)
    cancellations.set_mood(lead, account, "Disappointed")
    cancellations.confirm_step(lead, account, Step.FINAL_AMOUNT_EMAIL, "Finance (Kim) sent it")
    cancellations.confirm_step(lead, account, Step.PAYMENT_CONFIRMED, "Paid in full by card")
    _notice_sent(lead, account)


def _notice_sent(lead: str, account: str) -> None:
    """Queue the offboarding notice as the team lead would, then mark it delivered (the demo
    has no mail server)."""
    draft = notices.compose_offboarding_notice(account, lead)
    cancellations.queue_offboarding_notice(
        lead, account, draft.recipients, draft.subject, draft.body
    )
    OutboxMessage.update(status=OutboxStatus.SENT, sent_at=clock.now(), attempts=1).where(
        (OutboxMessage.kind == OFFBOARDING_NOTICE)
        & (OutboxMessage.customer == Customer.get(Customer.account == account).id)
    ).execute()


def _in_days(days: int) -> dt.date:
    # From the demo's clock (clock.now), so a demo built with the clock stopped is the same each time.
    return clock.now().date() + dt.timedelta(days=days)


def _backdate(account: str, days: int) -> None:
    """Move a just-begun cancellation's Begin back by ``days``, as if begun then."""
    customer = Customer.get(Customer.account == account)
    Cancellation.update(begun_at=clock.now() - dt.timedelta(days=days)).where(
        (Cancellation.customer == customer) & (Cancellation.state == CancellationState.PENDING)
    ).execute()
