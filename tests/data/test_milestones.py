"""Two milestones (issue 12) on both backends: Process today with only what is true today, the
termination case left open after it and closed once its tasks are done, the playbook version a
case keeps, the date guards of the purge and the effective date, and Remove refused once
something irreversible happened.

The clock is stopped (``clock``): "today" and every due date are known exactly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from data import cancellations, customers, notices, termination
from data.cancellations.closing import case_timeline, open_tasks
from data.db import connection
from data.demo import lost_save_attempt
from data.errors import Conflict, InvalidInput, NotReady
from data.models import (
    AuditEvent,
    Cancellation,
    CancellationState,
    Customer,
    CustomerStatus,
    CustomerType,
    PlaybookVersion,
    Step,
)
from data.playbook import (
    DEFAULT_PLAYBOOK,
    PLAYBOOKS,
    Milestone,
    current_playbook,
    store,
    use_playbook,
)
from data.timeline import SIGN_OFFS, TaskState
from tests.data.world import LEAD, OTHER, TESS, World

Clock = Callable[[dt.datetime], None]

# Monday 2 March 2026, 09:00 UTC: the moment each cancellation is begun (the customer is in UTC).
T0 = dt.datetime(2026, 3, 2, 9, 0)
EFFECTIVE = dt.date(2026, 4, 1)  # 30 days on
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
PROCESS_TASKS = ("notice_received", "account_team_informed", "attrition_box")


@pytest.fixture(autouse=True)
def shipped_playbook() -> Iterator[None]:
    """Every test starts, and leaves, with the shipped playbook and no parsed versions kept."""
    use_playbook(None)
    store.forget()
    yield
    use_playbook(None)
    store.forget()


def clear_the_tool(world: World, account: str | None = None) -> None:
    """Begin a buyout and clear every section of the tool, recording nothing that is not true
    today: the termination timeline is left as it is. Retention is cleared by a lost save
    attempt."""
    account = account or world.account
    cancellations.begin(LEAD, account)
    lost_save_attempt(LEAD, account)
    cancellations.set_reasons(LEAD, account, [world.reasons["Price"]])
    cancellations.choose_owner(LEAD, account, TESS)
    cancellations.add_expiry(LEAD, account, dt.date(2027, 3, 1))
    cancellations.confirm_step(LEAD, account, Step.FINAL_AMOUNT_EMAIL)
    cancellations.confirm_step(LEAD, account, Step.PAYMENT_CONFIRMED)
    cancellations.confirm_step(LEAD, account, Step.ADMIN_NOTIFIED, "told in a call")


def processed_today(world: World) -> str:
    """Begun, cleared, the three tasks that gate Process ticked, and processed: its message."""
    clear_the_tool(world)
    for task in PROCESS_TASKS:
        termination.complete_task(LEAD, world.account, task)
    return cancellations.process(LEAD, world.account).message


def cancellation(world: World) -> Cancellation:
    with connection():
        found: Cancellation = (
            Cancellation.select()
            .join(Customer)
            .where(Customer.account == world.account)
            .order_by(Cancellation.id.desc())
            .get()
        )
        return found


# ----------------------------------------------------------------------------- Process


def test_process_today_cancels_the_record_and_leaves_the_case_open(
    world: World, clock: Clock
) -> None:
    clock(T0)
    clear_the_tool(world)
    with pytest.raises(NotReady) as refused:
        cancellations.process(LEAD, world.account)
    assert str(refused.value) == (
        "Acme Widgets cannot be processed yet: these tasks come before Process: "
        "Non-renewal or termination notice received; termination case opened with the contract; "
        "Account team informed (cc CS Ops, Sales Ops and Legal); "
        '"Customer Attrition" checked on the customer\'s account.'
    )
    for task in PROCESS_TASKS:
        termination.complete_task(LEAD, world.account, task)

    message = cancellations.process(LEAD, world.account).message

    # No effective date yet: the next task is one without a date.
    assert message.startswith(
        "Acme Widgets is Cancelled, now owned by Tess Telesales. The termination case stays "
        "open: 9 tasks left, next: "
    )
    assert message.endswith("(no effective date yet). Lena Lead, Vic Viewer will be notified.")
    customer = world.now()
    assert customer.status == CustomerStatus.CANCELLED
    assert customer.customer_type == CustomerType.CUSTOMER
    done = cancellation(world)
    assert done.state == CancellationState.PROCESSED
    assert done.closed_at is None and done.purged_at is None and done.effective_date is None
    view = customers.tool_view(world.account).cancellation
    assert view is not None and view.case_open and view.closed_at is None
    assert view.playbook_digest == current_playbook().digest


def test_the_process_message_names_the_next_task_and_its_date(world: World, clock: Clock) -> None:
    clock(T0)
    clear_the_tool(world)
    termination.set_effective_date(LEAD, world.account, EFFECTIVE)
    for task in PROCESS_TASKS:
        termination.complete_task(LEAD, world.account, task)
    message = cancellations.process(LEAD, world.account).message
    assert (
        "The termination case stays open: 9 tasks left, next: Legal confirms the termination "
        "terms and dates; case updated due Tue 2026-03-03." in message
    )


def test_the_timeline_stays_workable_after_process_and_the_tool_does_not(
    world: World, clock: Clock
) -> None:
    clock(T0)
    processed_today(world)
    termination.set_effective_date(LEAD, world.account, EFFECTIVE)
    assert termination.complete_task(LEAD, world.account, "legal_terms").message.startswith("Done")
    termination.sign_off(LEAD, world.account, "finance")
    termination.withdraw_sign_off(LEAD, world.account, "finance")
    termination.record_deactivation(LEAD, world.account, GUID)
    termination.decide_data(LEAD, world.account, "approve")
    termination.reopen_task(LEAD, world.account, "legal_terms")
    # The tool's own operations stay those of a pending cancellation.
    with pytest.raises(Conflict, match="was already cancelled on"):
        cancellations.set_mood(LEAD, world.account, "Happy")


# ----------------------------------------------------------------------------- Close


def do_the_close_tasks(world: World) -> None:
    """Everything but the purge: the hand tasks, the deactivation, the e-mail, the approval and
    every sign-off."""
    account = world.account
    for task in ("legal_terms", "termination_notified", "team_tasks_assigned", "purge_requested"):
        termination.complete_task(LEAD, account, task)
    termination.record_deactivation(LEAD, account, GUID)
    draft = notices.compose_task_email(account, LEAD, "final_termination_mail")
    assert draft.refusal == ""
    termination.queue_task_email(
        LEAD, account, "final_termination_mail", draft.recipients, draft.subject, draft.body
    )
    termination.decide_data(LEAD, account, "approve")
    for key in SIGN_OFFS:
        termination.sign_off(LEAD, account, key)


def test_close_waits_for_its_tasks_then_makes_a_former_customer(world: World, clock: Clock) -> None:
    clock(T0)
    with pytest.raises(Conflict, match="is not processed yet"):
        clear_the_tool(world)
        cancellations.close_case(LEAD, world.account)
    for task in PROCESS_TASKS:
        termination.complete_task(LEAD, world.account, task)
    cancellations.process(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, EFFECTIVE)
    with pytest.raises(NotReady) as refused:
        cancellations.close_case(LEAD, world.account)
    assert str(refused.value).startswith(
        "The termination case of Acme Widgets cannot be closed yet: 9 tasks are not done ("
    )
    assert "Next: Legal confirms the termination terms and dates; case updated due " in str(
        refused.value
    )

    do_the_close_tasks(world)
    with pytest.raises(NotReady, match=r"cannot be closed yet: 1 task is not done \(Data purge"):
        cancellations.close_case(LEAD, world.account)
    with pytest.raises(NotReady, match="before the de-provisioning date, Wed 2026-04-01"):
        termination.record_purge(LEAD, world.account)

    clock(dt.datetime(2026, 4, 1, 8, 0))  # the de-provisioning day has come
    termination.record_purge(LEAD, world.account)
    before = world.version()
    outcome = cancellations.close_case(LEAD, world.account, expected_version=before)

    assert outcome.message.startswith(
        "The termination case of Acme Widgets is closed: Acme Widgets is a Former Customer since "
    )
    assert outcome.version == before + 1
    customer = world.now()
    assert (customer.status, customer.customer_type) == ("Cancelled", "Former Customer")
    done = cancellation(world)
    assert done.closed_at == dt.datetime(2026, 4, 1, 8, 0)
    assert world.actions()[-1] == "close"
    with connection():
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert '"case": "closed"' in str(event.after) and '"case": "open"' in str(event.before)
    view = customers.tool_view(world.account).cancellation
    assert view is not None and not view.case_open and view.closed_by == "Lena Lead"

    with pytest.raises(Conflict, match=r"termination case was closed on .* by Lena Lead"):
        cancellations.close_case(LEAD, world.account)
    # and the closed case takes no more timeline changes
    with pytest.raises(Conflict, match="was closed on"):
        termination.complete_task(OTHER, world.account, "legal_terms")


def test_close_refuses_a_stale_version(world: World, clock: Clock) -> None:
    clock(T0)
    processed_today(world)
    with pytest.raises(Conflict, match="after you loaded it"):
        cancellations.close_case(LEAD, world.account, expected_version=1)


# ----------------------------------------------------------------------------- date guards


def test_no_purge_before_the_effective_date_nor_without_one(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.record_deactivation(LEAD, world.account, GUID)
    termination.decide_data(LEAD, world.account, "approve")
    with pytest.raises(NotReady, match=r"effective\) date is set: set the effective date first"):
        termination.record_purge(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, dt.date(2026, 3, 25))
    before = world.snapshot()
    with pytest.raises(NotReady) as refused:
        termination.record_purge(LEAD, world.account)
    assert str(refused.value) == (
        "Data Purge Done cannot be recorded before the de-provisioning date, Wed 2026-03-25 "
        "(in 23 days)."
    )
    assert world.snapshot() == before
    clock(dt.datetime(2026, 3, 24, 23, 30))  # still the day before
    with pytest.raises(NotReady, match=r"\(tomorrow\)"):
        termination.record_purge(LEAD, world.account)
    clock(dt.datetime(2026, 3, 25, 0, 5))
    assert termination.record_purge(LEAD, world.account).message == "Data Purge Done recorded."


def test_the_effective_date_is_counted_in_the_customers_zone(world: World, clock: Clock) -> None:
    world.details(time_zone="Pacific/Auckland")  # 13 hours ahead of UTC in March
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.record_deactivation(LEAD, world.account, GUID)
    termination.decide_data(LEAD, world.account, "approve")
    termination.set_effective_date(LEAD, world.account, dt.date(2026, 3, 10))
    clock(dt.datetime(2026, 3, 9, 10, 0))  # 23:00 on the 9th in Auckland
    with pytest.raises(NotReady, match="tomorrow"):
        termination.record_purge(LEAD, world.account)
    clock(dt.datetime(2026, 3, 9, 11, 30))  # 00:30 on the 10th in Auckland, the 9th in UTC
    termination.record_purge(LEAD, world.account)


def test_an_effective_date_in_the_past_must_be_asked_for(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()
    with pytest.raises(InvalidInput) as refused:
        termination.set_effective_date(LEAD, world.account, "2026-02-27")
    assert str(refused.value) == (
        "2026-02-27 is in the past (today is 2026-03-02 in UTC); pass --past (or confirm in the "
        "tool) if the contract really ended then."
    )
    assert world.snapshot() == before
    termination.set_effective_date(LEAD, world.account, "today")
    outcome = termination.set_effective_date(LEAD, world.account, "2026-02-27", allow_past=True)
    assert outcome.message == "The effective date is 2026-02-27 (UTC)."


def test_the_final_emails_purge_date_is_never_before_the_effective_date(
    world: World, clock: Clock
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    # The purge task falls on day 32 after begin (2 April); the contract ends later.
    termination.set_effective_date(LEAD, world.account, dt.date(2026, 5, 15))
    draft = notices.compose_task_email(world.account, LEAD, "final_termination_mail")
    assert "Data purge: planned for Fri 2026-05-15 by " in draft.body
    assert "2026-04-02" not in draft.body
    # A contract that ended earlier: the plan's own day stands.
    termination.set_effective_date(LEAD, world.account, dt.date(2026, 3, 20))
    draft = notices.compose_task_email(world.account, LEAD, "final_termination_mail")
    assert "Data purge: planned for Thu 2026-04-02 by " in draft.body

    termination.record_deactivation(LEAD, world.account, GUID)
    termination.decide_data(LEAD, world.account, "approve")
    clock(dt.datetime(2026, 3, 21, 10, 0))
    termination.record_purge(LEAD, world.account)
    draft = notices.compose_task_email(world.account, LEAD, "final_termination_mail")
    assert "Data purge: done on Sat 2026-03-21" in draft.body


# ----------------------------------------------------------------------------- Remove


def test_remove_is_refused_once_processed(world: World, clock: Clock) -> None:
    clock(T0)
    processed_today(world)
    before = world.snapshot()
    with pytest.raises(Conflict) as refused:
        cancellations.remove(LEAD, world.account)
    assert str(refused.value) == (
        f"Acme Widgets was processed on {_when(T0)}: a processed cancellation cannot be "
        "removed. Close its termination case when the tasks are done, or ask a CRM admin to set "
        "the customer Live again."
    )
    assert world.snapshot() == before


def test_remove_is_refused_after_the_purge(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "today")
    termination.record_deactivation(LEAD, world.account, GUID)
    termination.decide_data(LEAD, world.account, "approve")
    termination.record_purge(OTHER, world.account)
    with pytest.raises(Conflict) as refused:
        cancellations.remove(LEAD, world.account)
    assert str(refused.value) == (
        f"The customer's data was purged on {_when(T0)} by Otto Other: the cancellation of "
        "Acme Widgets cannot be removed."
    )


def _when(moment: dt.datetime) -> str:
    from data.dates import when

    return when(moment)


# ----------------------------------------------------------------------------- versions


def test_begin_keeps_the_playbook_in_force_and_an_edit_moves_no_running_case(
    world: World, clock: Clock, tmp_path: Path
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    first = cancellation(world)
    with connection():
        version = PlaybookVersion.get_by_id(first.playbook_version_id)
    assert version.digest == current_playbook().digest
    assert version.text == DEFAULT_PLAYBOOK.read_text(encoding="utf-8")

    # The team's admin edits the playbook: Legal gets a week, not a day.
    edited = tmp_path / "edited.toml"
    text = DEFAULT_PLAYBOOK.read_text(encoding="utf-8")
    old = 'key = "legal_terms"'
    at = text.index(old)
    due = text.index('due = "day 2 after begin"', at)
    edited.write_text(
        text[:due] + 'due = "day 8 after begin"' + text[due + len('due = "day 2 after begin"') :],
        encoding="utf-8",
    )
    use_playbook(edited)
    world.customer("500002", "Calm Co")
    cancellations.begin(LEAD, "500002")

    with connection():
        assert PlaybookVersion.select().count() == 2
        running = Cancellation.get_by_id(first.id)
        later = Cancellation.select().where(Cancellation.id != first.id).get()
        old_plan = store.playbook_for(running).plan
        new_plan = store.playbook_for(later).plan
        customer = Customer.get(Customer.account == world.account)
        legal = next(
            task
            for task in case_timeline(customer, running, store.playbook_for(running)).tasks
            if task.key == "legal_terms"
        )
    assert old_plan.task("legal_terms").rule.text == "day 2 after begin"
    assert new_plan.task("legal_terms").rule.text == "day 8 after begin"
    assert legal.due is not None and legal.due.date == dt.date(2026, 3, 3)
    # A second case on the same edit shares its version.
    world.customer("500003", "Ready Co")
    cancellations.begin(LEAD, "500003")
    with connection():
        assert PlaybookVersion.select().count() == 2


def test_a_case_whose_playbook_no_longer_reads_is_read_only(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    with connection():
        PlaybookVersion.update(text="[playbook\nname = 'broken").execute()
        digest = str(PlaybookVersion.get().digest)
    store.forget()
    note = (
        f"This case was begun with playbook {current_playbook().name} ({digest[:8]}), which can "
        "no longer be read: shown with the playbook in force, read-only."
    )
    with connection():
        running = cancellation(world)
        assert store.version_note(running) == note
        assert store.playbook_for(running) is current_playbook()
    view = customers.tool_view(world.account)
    assert view.cancellation is not None and view.cancellation.playbook_note == note
    before = world.snapshot()
    for operation in (
        lambda: cancellations.set_mood(LEAD, world.account, "Happy"),
        lambda: termination.complete_task(LEAD, world.account, "attrition_box"),
        lambda: cancellations.remove(LEAD, world.account),
        lambda: cancellations.process(LEAD, world.account),
    ):
        with pytest.raises(store.PlaybookGone) as refused:
            operation()
        assert str(refused.value) == note
    assert world.snapshot() == before


def test_a_case_begun_before_versions_runs_on_the_playbook_in_force(
    world: World, clock: Clock
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    with connection():
        Cancellation.update(playbook_version=None).execute()
        running = cancellation(world)
        assert store.playbook_for(running) is current_playbook()
        assert store.version_note(running) == ""
    termination.complete_task(LEAD, world.account, "attrition_box")


# ----------------------------------------------------------------------------- tool only


def test_with_the_tool_only_playbook_process_closes_the_case_at_once(
    world: World, clock: Clock
) -> None:
    playbook = use_playbook(PLAYBOOKS / "tool-only.toml")
    assert not playbook.needs_close
    clock(T0)
    clear_the_tool(world)
    message = cancellations.process(LEAD, world.account).message
    assert message.startswith(
        "Acme Widgets is Cancelled, a Former Customer, now owned by Tess Telesales."
    )
    customer = world.now()
    assert (customer.status, customer.customer_type) == ("Cancelled", "Former Customer")
    done = cancellation(world)
    assert done.closed_at == T0 and done.closed_by_id == done.processed_by_id
    view = customers.tool_view(world.account).cancellation
    assert view is not None and not view.case_open
    assert view.playbook_name == playbook.name
    with pytest.raises(Conflict, match="termination case was closed on"):
        cancellations.close_case(LEAD, world.account)


def test_open_tasks_by_milestone(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    with connection():
        running = cancellation(world)
        customer = Customer.get(Customer.account == world.account)
        view = case_timeline(customer, running, store.playbook_for(running))
    assert [task.key for task in open_tasks(view, Milestone.PROCESS)] == [
        "notice_received",  # no effective date: unscheduled comes first
        "account_team_informed",
        "attrition_box",
    ]
    assert len(open_tasks(view, Milestone.CLOSE)) == 9
    assert all(task.state is not TaskState.DONE for task in open_tasks(view))
