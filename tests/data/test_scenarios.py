"""The three scenarios of a cancellation (buyout, non-renewal, collections) on both backends: the
sections each adds to the tool, the steps that clear them, and what confirming, taking back and
changing the scenario write."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest

from data import cancellations, clock, customers, demo
from data.dates import today_in, when
from data.db import connection
from data.demo import finish_termination
from data.errors import Conflict, InvalidInput, NotAllowed, NotReady
from data.models import (
    AuditEvent,
    Cancellation,
    CancellationState,
    Customer,
    CustomerStatus,
    OutboxMessage,
    OutboxStatus,
    Scenario,
    ScenarioStep,
    Step,
)
from data.rules import (
    SCENARIO_SECTIONS,
    SECTION_KEYS,
    Section,
    SectionKey,
    SectionState,
    evaluate,
    scenario_sections,
    steps_done,
)
from tests.conftest import OpenedDatabase
from tests.data.world import ADMIN, LEAD, OTHER, TESS, VIEWER, World

ADMIN_EMAIL = "dana@acme.example"
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"


@pytest.fixture(autouse=True)
def acme_admin(request: pytest.FixtureRequest) -> None:
    """Acme Widgets has an admin on record (the offboarding notice's recipient)."""
    if "world" in request.fixturenames:
        world: World = request.getfixturevalue("world")
        world.details(admin_name="Dana Admin", admin_email=ADMIN_EMAIL, modules="LMS")


def tool(account: str) -> dict[str, Section]:
    """The sections of the Cancellation Tool by key, in the tool's order."""
    return {section.key: section for section in customers.tool_view(account).sections}


def pending(world: World) -> Cancellation:
    with connection():
        return Cancellation.get(
            (Cancellation.customer == world.customer_id)
            & (Cancellation.state == CancellationState.PENDING)
        )


def done_at(world: World, step: str) -> dt.datetime:
    with connection():
        row = ScenarioStep.get(
            (ScenarioStep.cancellation == pending(world).id) & (ScenarioStep.step == step)
        )
        return row.done_at


def events(world: World, *, since: int = 0) -> list[AuditEvent]:
    with connection():
        return list(AuditEvent.select().where(AuditEvent.id > since).order_by(AuditEvent.id))


def last_event_id() -> int:
    with connection():
        last = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
        return int(last.id) if last is not None else 0


def clear_basics(world: World, account: str | None = None) -> None:
    """Clear reasons, ownership and the future expiry of the pending cancellation."""
    account = account or world.account
    cancellations.set_reasons(LEAD, account, [world.reasons["Price"]])
    cancellations.choose_owner(LEAD, account, TESS)
    with connection():
        zone = str(Customer.get(Customer.account == account).time_zone)
    cancellations.add_expiry(LEAD, account, today_in(zone) + dt.timedelta(days=30))


def queue_notice(world: World) -> int:
    """The team lead queues an offboarding notice to Acme's admin; its id."""
    cancellations.queue_offboarding_notice(
        LEAD, world.account, ADMIN_EMAIL, "Your account closes", "Hello Dana"
    )
    with connection():
        return int(OutboxMessage.select().order_by(OutboxMessage.id.desc()).get().id)


def set_message(pk: int, **fields: object) -> None:
    """Stand in for the sender: set a message's delivery columns directly."""
    with connection():
        OutboxMessage.update(**fields).where(OutboxMessage.id == pk).execute()


# ----------------------------------------------------------------------------- the sections


@pytest.mark.parametrize(
    ("scenario", "added"),
    [
        (Scenario.BUYOUT, ["Final amount paid", "Admin notified"]),
        (
            Scenario.NON_RENEWAL,
            ["Bill till Payout set", "Auto-renewal billing disabled", "Admin notified"],
        ),
        (Scenario.COLLECTIONS, ["No contact (collections)", "CSM told"]),
    ],
)
def test_each_scenario_adds_its_sections_between_the_records_and_the_mood(
    world: World, scenario: str, added: list[str]
) -> None:
    cancellations.begin(LEAD, world.account, scenario=scenario)

    sections = customers.tool_view(world.account).sections

    keys = [section.key for section in sections]
    termination = [SectionKey.TIMELINE, SectionKey.SIGN_OFFS, SectionKey.ACCESS_DATA]
    assert keys == [*SECTION_KEYS[:-1], *SCENARIO_SECTIONS[scenario], *termination, "mood"]
    scenario_part = sections[len(SECTION_KEYS) - 1 : -1 - len(termination)]
    assert [section.name for section in scenario_part] == added
    if scenario == Scenario.COLLECTIONS:
        # the rule to keep in mind, and the CSM to tell (seed 001)
        assert [section.state for section in scenario_part] == [
            SectionState.NOTE,
            SectionState.BLOCKING,
        ]
    else:
        # none of the scenario's steps is confirmed yet: every one of its sections is red
        assert all(section.is_red for section in scenario_part)


def test_the_scenario_sections_say_what_they_wait_for(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    buyout = tool(world.account)
    assert (buyout["final_amount"].summary, buyout["final_amount"].blocking) == (
        "Waiting for Finance to send the final-amount e-mail",
        2,
    )
    assert buyout["admin_notified"].summary == (
        "No offboarding notice yet: write one or record a call"
    )

    cancellations.set_scenario(LEAD, world.account, Scenario.NON_RENEWAL)
    renewal = tool(world.account)
    assert renewal["bill_till_payout"].summary == (
        "Not set yet: set the account to Bill till Payout in the case"
    )
    assert renewal["auto_renewal"].summary == (
        "Not confirmed yet: ask Billing to disable auto-renewal"
    )
    assert "final_amount" not in renewal


def test_without_a_cancellation_there_are_no_scenario_sections(world: World) -> None:
    keys = list(tool(world.account))
    assert keys == list(SECTION_KEYS)


# ----------------------------------------------------------------------------- buyout


def test_buyout_needs_the_final_amount_email_then_the_payment(world: World) -> None:
    cancellations.begin(LEAD, world.account)

    cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL, "Kim sent it")

    half = tool(world.account)["final_amount"]
    sent = when(done_at(world, Step.FINAL_AMOUNT_EMAIL))
    assert half.is_red
    assert half.summary == (
        f"Finance sent the final-amount e-mail (Lena Lead, {sent}); payment not confirmed yet"
    )
    assert (half.blocking, half.total) == (1, 2)

    cancellations.confirm_step(OTHER, world.account, Step.PAYMENT_CONFIRMED, "Paid by card")

    paid = tool(world.account)["final_amount"]
    assert paid.state is SectionState.CLEAR
    assert paid.summary == (
        f"Final payment confirmed (Otto Other, {when(done_at(world, Step.PAYMENT_CONFIRMED))})"
    )
    done = steps_done(pending(world))
    assert {step: (d.by, d.note) for step, d in done.items()} == {
        Step.FINAL_AMOUNT_EMAIL: ("Lena Lead", "Kim sent it"),
        Step.PAYMENT_CONFIRMED: ("Otto Other", "Paid by card"),
    }


def test_the_payment_cannot_be_confirmed_before_the_email(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(Conflict) as refused:
        cancellations.confirm_step(LEAD, world.account, Step.PAYMENT_CONFIRMED)

    # a step comes after the earlier steps of its section, whatever the playbook calls them
    assert str(refused.value) == (
        "'Final payment confirmed' cannot be confirmed before 'Finance sent the final-amount "
        "e-mail'. Confirm that step first."
    )
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("left", "name"), [("final_amount", "Final amount paid"), ("admin_notified", "Admin notified")]
)
def test_process_names_the_red_scenario_section_then_succeeds_once_it_is_met(
    world: World, left: str, name: str
) -> None:
    world.ready(leave_red=left)
    before = world.snapshot()

    with pytest.raises(NotReady) as refused:
        cancellations.process(LEAD, world.account)

    assert str(refused.value) == (
        f"Acme Widgets cannot be processed yet: 1 section still red: {name}."
    )
    assert refused.value.blocking_sections == [name]
    assert world.snapshot() == before

    if left == "final_amount":
        cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)
        cancellations.confirm_step(LEAD, world.account, Step.PAYMENT_CONFIRMED)
    else:
        cancellations.confirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED, "Phoned Dana")
    cancellations.process(LEAD, world.account)

    assert world.now().status == CustomerStatus.CANCELLED


# ----------------------------------------------------------------------------- non-renewal


def test_non_renewal_needs_bill_till_payout_auto_renewal_and_the_admin_told(world: World) -> None:
    cancellations.begin(LEAD, world.account, scenario=Scenario.NON_RENEWAL)
    clear_basics(world)
    finish_termination(LEAD, world.account)

    with pytest.raises(NotReady) as refused:
        cancellations.process(LEAD, world.account)
    assert str(refused.value) == (
        "Acme Widgets cannot be processed yet: 3 sections still red: Bill till Payout set, "
        "Auto-renewal billing disabled, Admin notified."
    )

    cancellations.confirm_step(LEAD, world.account, Step.BILL_TILL_PAYOUT)
    cancellations.confirm_step(LEAD, world.account, Step.AUTO_RENEWAL_DISABLED, "Billing: Sue")
    with pytest.raises(NotReady) as still:
        cancellations.process(LEAD, world.account)
    assert still.value.blocking_sections == ["Admin notified"]
    sections = tool(world.account)
    assert sections["bill_till_payout"].summary == (
        f"Account set to Bill till Payout (Lena Lead, {when(done_at(world, Step.BILL_TILL_PAYOUT))})"
    )
    assert not sections["auto_renewal"].is_red

    cancellations.confirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED)
    outcome = cancellations.process(LEAD, world.account)

    assert outcome.message == (
        "Acme Widgets is Cancelled, now owned by Tess Telesales. The termination case stays "
        "open: every task is done: close it. Lena Lead, Vic Viewer will be notified."
    )


# ----------------------------------------------------------------------------- admin notified


WAITING = "; green once it is sent (see the Outbox)"  # what a queued notice waits for


def test_a_sent_offboarding_notice_clears_admin_notified(world: World) -> None:
    world.ready(leave_red="admin_notified")
    pk = queue_notice(world)
    queued = tool(world.account)["admin_notified"]
    assert queued.is_red
    assert queued.summary == (f"Offboarding notice to {ADMIN_EMAIL} queued, not sent yet{WAITING}")

    sent_at = clock.now()
    set_message(pk, status=OutboxStatus.SENT, sent_at=sent_at, attempts=1)

    sent = tool(world.account)["admin_notified"]
    assert sent.state is SectionState.CLEAR
    assert sent.summary == f"Offboarding notice sent to {ADMIN_EMAIL} on {when(sent_at)}"
    cancellations.process(LEAD, world.account)  # no admin-notified step was needed
    assert world.now().status == CustomerStatus.CANCELLED


@pytest.mark.parametrize(
    ("status", "last_error", "summary"),
    [
        (
            OutboxStatus.QUEUED,
            "",
            f"Offboarding notice to {ADMIN_EMAIL} queued, not sent yet{WAITING}",
        ),
        (
            OutboxStatus.QUEUED,
            "Connection refused",
            f"Offboarding notice to {ADMIN_EMAIL} queued, not sent yet "
            f"(last try failed: Connection refused){WAITING}",
        ),
        (
            OutboxStatus.SENDING,
            "",
            f"Offboarding notice to {ADMIN_EMAIL} queued, not sent yet{WAITING}",
        ),
        (
            OutboxStatus.FAILED,
            "550 mailbox unavailable",
            "Offboarding notice failed: 550 mailbox unavailable",
        ),
        (OutboxStatus.FAILED, "", "Offboarding notice failed: no reason given"),
        (
            OutboxStatus.WITHDRAWN,
            "withdrawn by Lena Lead",
            "Offboarding notice withdrawn: write a new one or record a call",
        ),
    ],
)
def test_an_unsent_notice_keeps_admin_notified_red_and_says_why(
    world: World, status: str, last_error: str, summary: str
) -> None:
    world.ready(leave_red="admin_notified")
    set_message(queue_notice(world), status=status, last_error=last_error)

    section = tool(world.account)["admin_notified"]

    assert section.is_red
    assert section.summary == summary
    with pytest.raises(NotReady) as refused:
        cancellations.process(LEAD, world.account)
    assert refused.value.blocking_sections == ["Admin notified"]


@pytest.mark.parametrize(
    "later", [OutboxStatus.QUEUED, OutboxStatus.FAILED, OutboxStatus.WITHDRAWN]
)
def test_a_notice_once_sent_keeps_admin_notified_green_whatever_a_later_one_does(
    world: World, later: str
) -> None:
    """The admin was told when the first notice went out: a second one (a correction, say) that
    is still queued, failed or withdrawn does not undo that."""
    world.ready(leave_red="admin_notified")
    sent_at = clock.now()
    set_message(queue_notice(world), status=OutboxStatus.SENT, sent_at=sent_at, attempts=1)
    set_message(queue_notice(world), status=later, last_error="")

    section = tool(world.account)["admin_notified"]

    assert section.state is SectionState.CLEAR, section.summary
    assert section.summary == f"Offboarding notice sent to {ADMIN_EMAIL} on {when(sent_at)}"
    cancellations.process(LEAD, world.account)


def test_the_admin_notified_step_clears_it_whatever_became_of_the_notice(world: World) -> None:
    world.ready(leave_red="admin_notified")
    set_message(
        queue_notice(world), status=OutboxStatus.FAILED, last_error="550 mailbox unavailable"
    )

    cancellations.confirm_step(OTHER, world.account, Step.ADMIN_NOTIFIED, "Told in the QBR")

    section = tool(world.account)["admin_notified"]
    told = when(done_at(world, Step.ADMIN_NOTIFIED))
    assert section.state is SectionState.CLEAR
    assert section.summary == f"Admin told in a call or meeting (Otto Other, {told})"


# ----------------------------------------------------------------------------- collections


def test_collections_shows_a_note_and_no_admin_notified_and_processes_at_once(
    world: World,
) -> None:
    cancellations.begin(LEAD, world.account, scenario=Scenario.COLLECTIONS)
    clear_basics(world)
    finish_termination(LEAD, world.account)
    cancellations.confirm_step(LEAD, world.account, "csm-told")

    sections = tool(world.account)

    assert "admin_notified" not in sections
    note = sections["no_contact"]
    assert (note.name, note.state, note.is_red, note.blocking) == (
        "No contact (collections)",
        SectionState.NOTE,
        False,
        0,
    )
    # the rule to keep in mind, not a task: no contact, and deactivation at once
    assert "no e-mail or call to the admin" in note.summary.casefold()
    assert "deactivate at once" in note.summary
    outcome = cancellations.process(LEAD, world.account)
    assert outcome.message.startswith("Acme Widgets is Cancelled, now owned by Tess Telesales.")
    # the processed cancellation keeps its note
    with connection():
        cancellation = Cancellation.get(Cancellation.customer == world.customer_id)
        assert [s.key for s in scenario_sections(cancellation)] == ["no_contact", "csm_told"]


# ----------------------------------------------------------------------------- confirming


@pytest.mark.parametrize(
    ("scenario", "step", "message"),
    [
        (
            Scenario.BUYOUT,
            Step.BILL_TILL_PAYOUT,
            "'Account set to Bill till Payout' is not a step of the Cancellation request "
            "(buyout) scenario. Its steps are: final-amount-email, payment-confirmed, "
            "admin-notified.",
        ),
        (
            Scenario.NON_RENEWAL,
            Step.PAYMENT_CONFIRMED,
            "'Final payment confirmed' is not a step of the Non-renewal scenario. Its steps "
            "are: bill-till-payout, auto-renewal-disabled, admin-notified.",
        ),
        (
            Scenario.COLLECTIONS,
            Step.ADMIN_NOTIFIED,
            "'Admin told in a call or meeting' is not a step of the Past due — sent to "
            "collections scenario. Its steps are: csm-told.",
        ),
    ],
)
def test_a_step_outside_the_scenario_is_refused_naming_the_scenarios_steps(
    world: World, scenario: str, step: str, message: str
) -> None:
    cancellations.begin(LEAD, world.account, scenario=scenario)
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        cancellations.confirm_step(LEAD, world.account, step)

    assert str(refused.value) == message
    assert world.snapshot() == before


def test_a_step_is_named_by_its_key_or_its_title_and_an_unknown_one_lists_the_steps(
    world: World,
) -> None:
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        cancellations.confirm_step(LEAD, world.account, "paid")

    assert str(refused.value) == (
        "'paid' is not a step. Use one of: final-amount-email, payment-confirmed, "
        "bill-till-payout, auto-renewal-disabled, admin-notified, csm-told."
    )
    assert world.snapshot() == before
    outcome = cancellations.confirm_step(
        LEAD, world.account, " finance SENT the final-amount e-mail "
    )
    assert outcome.message == "Confirmed: Finance sent the final-amount e-mail."
    assert set(steps_done(pending(world))) == {Step.FINAL_AMOUNT_EMAIL}


def test_confirming_a_step_twice_says_who_confirmed_it_and_when(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    cancellations.confirm_step(OTHER, world.account, Step.FINAL_AMOUNT_EMAIL)
    before = world.snapshot()

    with pytest.raises(Conflict) as refused:
        cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)

    first = when(done_at(world, Step.FINAL_AMOUNT_EMAIL))
    assert str(refused.value) == (
        f"'Finance sent the final-amount e-mail' was already confirmed by Otto Other on {first}. "
        "Nothing was changed."
    )
    assert world.snapshot() == before


def test_a_note_longer_than_the_limit_is_refused(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(
        InvalidInput,
        match=r"^The note is 4,001 characters; the limit is 4,000\. Shorten it, then save again "
        r"\(nothing was cut\)\.$",
    ):
        cancellations.confirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED, "x" * 4001)

    assert world.snapshot() == before


def test_a_step_needs_a_pending_cancellation(world: World) -> None:
    before = world.snapshot()

    with pytest.raises(Conflict, match=r"^Acme Widgets has no pending cancellation\. Begin"):
        cancellations.confirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED)

    assert world.snapshot() == before


def test_confirming_a_step_is_audited_and_bumps_the_version(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    version = world.version()
    mark = last_event_id()

    outcome = cancellations.confirm_step(
        LEAD, world.account, Step.FINAL_AMOUNT_EMAIL, "  Kim sent it  ", expected_version=version
    )

    assert (outcome.message, outcome.version, outcome.count) == (
        "Confirmed: Finance sent the final-amount e-mail.",
        version + 1,
        1,
    )
    assert world.version() == version + 1
    with connection():
        row = ScenarioStep.get(ScenarioStep.cancellation == pending(world).id)
        assert (row.step, row.done_by.login, row.note) == (
            Step.FINAL_AMOUNT_EMAIL,
            LEAD,
            "Kim sent it",
        )
    [event] = events(world, since=mark)
    assert (event.action, event.actor.login, event.customer_id, event.cancellation_id) == (
        "confirm step",
        LEAD,
        world.customer_id,
        pending(world).id,
    )
    assert (event.record_kind, event.record_id) == ("step", row.id)
    assert json.loads(event.after) == {"step": Step.FINAL_AMOUNT_EMAIL, "note": "Kim sent it"}


# ----------------------------------------------------------------------------- taking back


def test_the_email_cannot_be_taken_back_while_the_payment_rests_on_it(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)
    cancellations.confirm_step(LEAD, world.account, Step.PAYMENT_CONFIRMED, "Paid by card")
    before = world.snapshot()

    with pytest.raises(Conflict) as refused:
        cancellations.unconfirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)

    assert str(refused.value) == (
        "Take back 'Final payment confirmed' first: it rests on this step."
    )
    assert world.snapshot() == before

    mark = last_event_id()
    payment_id = _step_id(world, Step.PAYMENT_CONFIRMED)
    outcome = cancellations.unconfirm_step(OTHER, world.account, Step.PAYMENT_CONFIRMED)
    assert outcome.message == "Taken back: Final payment confirmed."
    assert outcome.version == world.version()
    [event] = events(world, since=mark)
    assert (event.action, event.actor.login, event.record_kind, event.record_id) == (
        "take back step",
        OTHER,
        "step",
        payment_id,
    )
    assert json.loads(event.before) == {
        "step": Step.PAYMENT_CONFIRMED,
        "by": "Lena Lead",
        "note": "Paid by card",
    }
    section = tool(world.account)["final_amount"]
    assert section.is_red
    assert section.summary.endswith("; payment not confirmed yet")

    cancellations.unconfirm_step(OTHER, world.account, Step.FINAL_AMOUNT_EMAIL)
    assert steps_done(pending(world)) == {}
    assert tool(world.account)["final_amount"].summary == (
        "Waiting for Finance to send the final-amount e-mail"
    )


def _step_id(world: World, step: str) -> int:
    with connection():
        return int(
            ScenarioStep.get(
                (ScenarioStep.cancellation == pending(world).id) & (ScenarioStep.step == step)
            ).id
        )


def test_taking_back_a_step_that_is_not_confirmed_is_refused(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(Conflict) as refused:
        cancellations.unconfirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED)

    assert str(refused.value) == (
        "'Admin told in a call or meeting' is not confirmed, so there is nothing to take back."
    )
    assert world.snapshot() == before


# ----------------------------------------------------------------------------- who may, and when


STEP_OPERATIONS: dict[str, tuple[str, Callable[[str, str, int | None], object]]] = {
    "confirm": (
        "confirm a step",
        lambda who, account, v: cancellations.confirm_step(
            who, account, Step.ADMIN_NOTIFIED, expected_version=v
        ),
    ),
    "take back": (
        "take back a step",
        lambda who, account, v: cancellations.unconfirm_step(
            who, account, Step.FINAL_AMOUNT_EMAIL, expected_version=v
        ),
    ),
    "scenario": (
        "change the scenario",
        lambda who, account, v: cancellations.set_scenario(
            who, account, Scenario.NON_RENEWAL, expected_version=v
        ),
    ),
    "notice": (
        "e-mail the customer's admin",
        lambda who, account, v: cancellations.queue_offboarding_notice(
            who, account, ADMIN_EMAIL, "Your account closes", "Hello", expected_version=v
        ),
    ),
}


@pytest.mark.parametrize("operation", list(STEP_OPERATIONS))
def test_a_user_without_the_role_is_refused_and_nothing_is_written(
    world: World, operation: str
) -> None:
    cancellations.begin(LEAD, world.account)
    cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)
    doing, call = STEP_OPERATIONS[operation]
    before = world.snapshot()

    with pytest.raises(NotAllowed) as refused:
        call(VIEWER, world.account, None)

    assert str(refused.value) == (
        f"Vic Viewer cannot {doing}: that needs the 'customer-cancellation' or 'crm-admin' role."
    )
    assert world.snapshot() == before


@pytest.mark.parametrize("operation", list(STEP_OPERATIONS))
def test_a_stale_version_is_refused_and_nothing_is_written(world: World, operation: str) -> None:
    # Read before the cancellation was begun: stale whatever part the operation touches (a
    # change to another part after the read is no conflict: tests/data/test_narrow_conflicts.py).
    loaded = world.version()
    cancellations.begin(LEAD, world.account)
    cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)
    _, call = STEP_OPERATIONS[operation]
    before = world.snapshot()

    with pytest.raises(Conflict) as refused:
        call(LEAD, world.account, loaded)

    assert re.fullmatch(
        f"Acme Widgets was changed by Lena Lead at {WHEN} after you loaded it. "
        "Refresh to see the change, then try again.",
        str(refused.value),
    )
    assert world.snapshot() == before


@pytest.mark.parametrize("operation", list(STEP_OPERATIONS))
def test_a_crm_admin_may_do_each_step_operation(world: World, operation: str) -> None:
    cancellations.begin(LEAD, world.account)
    cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)
    _, call = STEP_OPERATIONS[operation]
    mark = last_event_id()

    outcome = call(ADMIN, world.account, world.version())

    assert outcome.version == world.version()  # type: ignore[attr-defined]
    [event] = events(world, since=mark)
    assert event.actor.login == ADMIN


# ----------------------------------------------------------------------------- changing the scenario


def test_changing_the_scenario_is_audited_and_keeps_the_confirmed_steps(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)
    cancellations.confirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED, "Phoned Dana")
    version = world.version()
    mark = last_event_id()

    outcome = cancellations.set_scenario(LEAD, world.account, "Non-renewal")

    assert outcome.message == "Scenario: Non-renewal."
    assert outcome.version == world.version() == version + 1
    assert pending(world).scenario == Scenario.NON_RENEWAL
    [event] = events(world, since=mark)
    assert (event.action, event.actor.login, event.cancellation_id) == (
        "set scenario",
        LEAD,
        pending(world).id,
    )
    assert json.loads(event.before) == {"scenario": Scenario.BUYOUT}
    assert json.loads(event.after) == {"scenario": Scenario.NON_RENEWAL}
    renewal = tool(world.account)
    # the admin was told once: that counts in the non-renewal scenario too
    assert renewal["admin_notified"].state is SectionState.CLEAR
    assert renewal["bill_till_payout"].is_red
    assert set(steps_done(pending(world))) == {Step.FINAL_AMOUNT_EMAIL, Step.ADMIN_NOTIFIED}

    cancellations.set_scenario(LEAD, world.account, Scenario.BUYOUT)

    back = tool(world.account)["final_amount"]
    assert back.summary.startswith("Finance sent the final-amount e-mail (Lena Lead, ")
    assert back.blocking == 1


def test_setting_the_scenario_it_already_has_writes_nothing(world: World) -> None:
    cancellations.begin(LEAD, world.account, scenario=Scenario.NON_RENEWAL)
    before = world.snapshot()

    outcome = cancellations.set_scenario(LEAD, world.account, "NON-RENEWAL")

    assert outcome.message == "The scenario is already Non-renewal."
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("buyout", Scenario.BUYOUT),
        ("Cancellation request (buyout)", Scenario.BUYOUT),
        ("  NON-RENEWAL ", Scenario.NON_RENEWAL),
        ("non-renewal", Scenario.NON_RENEWAL),
        ("collections", Scenario.COLLECTIONS),
        ("past due —  sent to COLLECTIONS", Scenario.COLLECTIONS),
    ],
)
def test_a_scenario_is_named_by_its_key_or_its_label(world: World, text: str, key: str) -> None:
    cancellations.begin(LEAD, world.account, scenario=text)
    assert pending(world).scenario == key

    other = Scenario.BUYOUT if key != Scenario.BUYOUT else Scenario.NON_RENEWAL
    cancellations.set_scenario(LEAD, world.account, other)
    cancellations.set_scenario(LEAD, world.account, text)
    assert pending(world).scenario == key


CHOICES = (
    "Choose one of: buyout (Cancellation request (buyout)), non-renewal (Non-renewal), "
    "collections (Past due — sent to collections)."
)


@pytest.mark.parametrize("text", ["refund", "", "non renewal"])
def test_a_bad_scenario_lists_the_choices_and_begin_writes_nothing(world: World, text: str) -> None:
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        cancellations.begin(LEAD, world.account, scenario=text)

    assert str(refused.value) == f"'{text}' is not a scenario. {CHOICES}"
    assert world.snapshot() == before


def test_a_bad_scenario_change_lists_the_choices_and_writes_nothing(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        cancellations.set_scenario(LEAD, world.account, "write-off")

    assert str(refused.value) == f"'write-off' is not a scenario. {CHOICES}"
    assert world.snapshot() == before


def test_evaluate_reads_the_scenario_sections_of_the_cancellation_given(world: World) -> None:
    cancellations.begin(LEAD, world.account, scenario=Scenario.NON_RENEWAL)
    cancellations.confirm_step(LEAD, world.account, Step.AUTO_RENEWAL_DISABLED)

    with connection():
        customer = Customer.get_by_id(world.customer_id)
        sections = evaluate(customer, pending(world))

    by_key = {section.key: section for section in sections}
    assert by_key["auto_renewal"].state is SectionState.CLEAR
    assert by_key["bill_till_payout"].state is SectionState.BLOCKING
    assert by_key["admin_notified"].state is SectionState.BLOCKING


# ----------------------------------------------------------------------------- the demo


def test_the_demo_shows_each_scenario(db: OpenedDatabase) -> None:
    demo.load(login="pat")

    nearly = tool("100011")
    assert nearly["admin_notified"].state is SectionState.CLEAR
    assert re.fullmatch(
        f"Offboarding notice sent to admin@[a-z]+\\.example on {WHEN}",
        nearly["admin_notified"].summary,
    )
    assert nearly["final_amount"].state is SectionState.CLEAR
    assert [s.name for s in customers.tool_view("100011").red] == ["Sales orders"]
    renewal = tool("100012")
    assert [renewal[key].is_red for key in SCENARIO_SECTIONS[Scenario.NON_RENEWAL]] == [
        True,
        True,
        True,
    ]
    collections = tool("100015")
    assert collections["no_contact"].state is SectionState.NOTE
    assert "admin_notified" not in collections
