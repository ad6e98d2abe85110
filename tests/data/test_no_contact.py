"""The no-contact rule, proven in the data layer whoever asks: once a customer is sent to
collections (by its cancellation's scenario or by its billing status) nothing may be queued to
its admin, and what was queued is withdrawn; messages to our own people still go."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from data import cancellations, clock, customers, demo, notices, outbox
from data.dates import today_in
from data.db import connection, database
from data.demo import finish_termination
from data.errors import NotAllowed
from data.models import (
    Audience,
    AuditEvent,
    BillingStatus,
    Cancellation,
    CancellationState,
    Customer,
    OutboxMessage,
    OutboxStatus,
    Scenario,
)
from data.rules import OFFBOARDING_NOTICE, SectionState
from tests.conftest import OpenedDatabase
from tests.data.world import ADMIN, LEAD, TESS, World

ADMIN_EMAIL = "dana@acme.example"

BY_SCENARIO = "collections scenario"
BY_BILLING = "billing status"
WAYS = [BY_SCENARIO, BY_BILLING]
REASONS = {
    BY_SCENARIO: (
        "Acme Widgets's cancellation is 'Past due — sent to collections': nobody may contact "
        "its admin, so no e-mail to the customer can be queued or sent."
    ),
    BY_BILLING: (
        "Acme Widgets has been sent to collections: nobody may contact its admin, so no e-mail "
        "to the customer can be queued or sent."
    ),
}


@pytest.fixture(autouse=True)
def acme_admin(request: pytest.FixtureRequest) -> None:
    """Acme Widgets has an admin on record: the address the rule protects."""
    if "world" in request.fixturenames:
        world: World = request.getfixturevalue("world")
        world.details(admin_name="Dana Admin", admin_email=ADMIN_EMAIL, modules="LMS")


def send_to_collections(world: World, way: str) -> None:
    """A pending cancellation for Acme, in collections one way or the other."""
    if way == BY_SCENARIO:
        cancellations.begin(LEAD, world.account, scenario=Scenario.COLLECTIONS)
    else:
        cancellations.begin(LEAD, world.account)
        cancellations.set_billing_status(LEAD, world.account, BillingStatus.COLLECTIONS)


def queue(
    world: World, recipients: list[str], *, audience: str = Audience.INTERNAL, kind: str = "note"
) -> int:
    """Queue a message straight through the outbox, as any caller of the data layer could."""
    with connection(), database.atomic():
        customer = Customer.get_by_id(world.customer_id)
        message = outbox.queue(
            customer, None, kind, recipients, "About Acme", "Some text", audience=audience
        )
        return int(message.id)


def queue_notice(world: World) -> int:
    cancellations.queue_offboarding_notice(
        LEAD, world.account, ADMIN_EMAIL, "Your account closes", "Hello Dana"
    )
    with connection():
        return int(OutboxMessage.select().order_by(OutboxMessage.id.desc()).get().id)


def message(pk: int) -> OutboxMessage:
    with connection():
        return OutboxMessage.get_by_id(pk)


def set_message(pk: int, **fields: object) -> None:
    with connection():
        OutboxMessage.update(**fields).where(OutboxMessage.id == pk).execute()


def events_since(mark: int) -> list[AuditEvent]:
    with connection():
        return list(AuditEvent.select().where(AuditEvent.id > mark).order_by(AuditEvent.id))


def last_event_id() -> int:
    with connection():
        last = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
        return int(last.id) if last is not None else 0


def pending_id(world: World) -> int:
    with connection():
        return int(
            Cancellation.get(
                (Cancellation.customer == world.customer_id)
                & (Cancellation.state == CancellationState.PENDING)
            ).id
        )


def customer(world: World) -> Customer:
    with connection():
        return Customer.get_by_id(world.customer_id)


# ----------------------------------------------------------------------------- the reason


def test_a_customer_in_good_standing_may_be_contacted(world: World) -> None:
    assert outbox.no_contact_reason(customer(world)) == ""
    cancellations.begin(LEAD, world.account, scenario=Scenario.BUYOUT)
    assert outbox.no_contact_reason(customer(world)) == ""


@pytest.mark.parametrize("way", WAYS)
def test_the_reason_says_why_the_customer_may_not_be_contacted(world: World, way: str) -> None:
    send_to_collections(world, way)

    assert outbox.no_contact_reason(customer(world)) == REASONS[way]


# ----------------------------------------------------------------------------- the outbox refuses


@pytest.mark.parametrize("way", WAYS)
def test_the_outbox_refuses_a_message_to_the_customer_whoever_asks(world: World, way: str) -> None:
    send_to_collections(world, way)
    before = world.snapshot()

    with pytest.raises(NotAllowed) as refused:
        # not even to someone else at the customer: the audience says it is theirs
        queue(world, ["it@acme.example"], audience=Audience.CUSTOMER)

    assert str(refused.value) == REASONS[way]
    assert world.snapshot() == before


@pytest.mark.parametrize(
    "recipients",
    [
        [ADMIN_EMAIL],
        ["DANA@ACME.EXAMPLE"],
        ["Dana Admin <Dana@Acme.Example>"],
        ["lena@example.com", "  dana@acme.example "],
    ],
    ids=["as-is", "upper-case", "with-name", "among-others"],
)
@pytest.mark.parametrize("way", WAYS)
def test_the_outbox_refuses_an_internal_message_addressed_to_the_admin(
    world: World, way: str, recipients: list[str]
) -> None:
    send_to_collections(world, way)
    before = world.snapshot()

    with pytest.raises(NotAllowed) as refused:
        queue(world, recipients, audience=Audience.INTERNAL)

    assert str(refused.value) == REASONS[way]
    assert world.snapshot() == before


@pytest.mark.parametrize("way", WAYS)
def test_a_message_to_our_own_people_is_still_queued(world: World, way: str) -> None:
    send_to_collections(world, way)

    pk = queue(world, ["lena@example.com", "otto@example.com"])

    queued = message(pk)
    assert (queued.status, queued.audience, queued.recipients) == (
        OutboxStatus.QUEUED,
        Audience.INTERNAL,
        "lena@example.com, otto@example.com",
    )


def test_an_internal_message_to_the_admin_counts_as_one_to_the_customer(world: World) -> None:
    pk = queue(world, ["lena@example.com", "Dana@Acme.example"], audience=Audience.INTERNAL)

    assert message(pk).audience == Audience.CUSTOMER


@pytest.mark.parametrize("who", [LEAD, ADMIN])
@pytest.mark.parametrize("way", WAYS)
def test_the_offboarding_notice_is_refused_to_a_team_lead_and_a_crm_admin(
    world: World, way: str, who: str
) -> None:
    send_to_collections(world, way)
    before = world.snapshot()

    with pytest.raises(NotAllowed) as refused:
        cancellations.queue_offboarding_notice(
            who, world.account, ADMIN_EMAIL, "Your account closes", "Hello Dana"
        )

    assert str(refused.value) == REASONS[way]
    assert world.snapshot() == before


@pytest.mark.parametrize("way", WAYS)
def test_no_offboarding_notice_is_drafted_only_the_refusal(world: World, way: str) -> None:
    send_to_collections(world, way)
    before = world.snapshot()

    draft = notices.compose_offboarding_notice(world.account, LEAD)

    assert draft.refusal == REASONS[way]
    assert (draft.recipients, draft.subject, draft.body, draft.deactivation_date) == (
        "",
        "",
        "",
        None,
    )
    assert (draft.account, draft.customer_name) == (world.account, "Acme Widgets")
    assert world.snapshot() == before


# ----------------------------------------------------------------------------- withdrawing


def test_switching_the_scenario_to_collections_withdraws_the_unsent_customer_mail(
    world: World,
) -> None:
    cancellations.begin(LEAD, world.account)
    notice = queue_notice(world)
    failed = queue_notice(world)
    set_message(failed, status=OutboxStatus.FAILED, last_error="550 mailbox unavailable")
    sent = queue_notice(world)
    set_message(sent, status=OutboxStatus.SENT, sent_at=clock.now(), attempts=1)
    to_admin = queue(world, [ADMIN_EMAIL])  # internal by intent, the admin's by address
    internal = queue(world, ["lena@example.com"])
    mark = last_event_id()

    outcome = cancellations.set_scenario(LEAD, world.account, Scenario.COLLECTIONS)

    assert outcome.message == (
        "Scenario: Past due — sent to collections. "
        "3 unsent e-mails to the customer withdrawn (no contact)."
    )
    for pk in (notice, failed, to_admin):
        withdrawn = message(pk)
        assert (withdrawn.status, withdrawn.last_error) == (
            OutboxStatus.WITHDRAWN,
            REASONS[BY_SCENARIO],
        )
    assert message(sent).status == OutboxStatus.SENT  # gone already: nothing to take back
    assert (message(internal).status, message(internal).last_error) == (OutboxStatus.QUEUED, "")
    trail = events_since(mark)
    assert [event.action for event in trail] == ["set scenario"] + ["withdraw message"] * 3
    withdrawals = trail[1:]
    assert sorted(event.record_id for event in withdrawals) == sorted([notice, failed, to_admin])
    for event in withdrawals:
        assert (event.actor.login, event.record_kind, event.customer_id) == (
            LEAD,
            "message",
            world.customer_id,
        )
        assert event.cancellation_id == pending_id(world)
        assert json.loads(event.after) == {"status": OutboxStatus.WITHDRAWN, "why": "no contact"}


def test_sending_the_account_to_collections_withdraws_the_unsent_customer_mail(
    world: World,
) -> None:
    cancellations.begin(LEAD, world.account)
    notice = queue_notice(world)
    internal = queue(world, ["lena@example.com"])
    version = world.version()
    mark = last_event_id()

    said = cancellations.set_billing_status(LEAD, world.account, "sent to COLLECTIONS")

    assert said == (
        "Acme Widgets is now Sent to collections. Nobody may contact its admin from now on. "
        "1 unsent e-mail to the customer withdrawn (no contact)."
    )
    assert world.now().billing_status == BillingStatus.COLLECTIONS
    assert world.version() == version + 1
    assert (message(notice).status, message(notice).last_error) == (
        OutboxStatus.WITHDRAWN,
        REASONS[BY_BILLING],
    )
    assert message(internal).status == OutboxStatus.QUEUED
    trail = events_since(mark)
    assert [(event.action, event.record_id) for event in trail] == [
        ("set billing status", None),
        ("withdraw message", notice),
    ]
    assert json.loads(trail[0].before) == {"billing_status": BillingStatus.CURRENT}
    assert json.loads(trail[0].after) == {"billing_status": BillingStatus.COLLECTIONS}


def test_beginning_a_cancellation_of_an_account_in_collections_withdraws_its_mail(
    world: World,
) -> None:
    earlier = queue(world, [ADMIN_EMAIL], audience=Audience.CUSTOMER, kind="renewal-reminder")
    world.details(billing_status=BillingStatus.COLLECTIONS)  # as Billing's import would set it

    outcome = cancellations.begin(LEAD, world.account)

    assert outcome.message == (
        "Cancellation of Acme Widgets begun (Cancellation request (buyout)): the customer is "
        "now Live (PC). 1 unsent e-mail to the customer withdrawn (no contact)."
    )
    assert message(earlier).status == OutboxStatus.WITHDRAWN
    assert world.actions()[-2:] == ["begin", "withdraw message"]


def test_nothing_to_withdraw_says_nothing(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    internal = queue(world, ["lena@example.com"])

    outcome = cancellations.set_scenario(LEAD, world.account, Scenario.COLLECTIONS)

    assert outcome.message == "Scenario: Past due — sent to collections."
    assert message(internal).status == OutboxStatus.QUEUED
    assert world.actions()[-1] == "set scenario"


# ----------------------------------------------------------------------------- process


def test_processing_a_collections_cancellation_still_tells_our_own_people(world: World) -> None:
    send_to_collections(world, BY_SCENARIO)
    cancellations.set_reasons(LEAD, world.account, [world.reasons["Budget cuts"]])
    cancellations.choose_owner(LEAD, world.account, TESS)
    cancellations.add_expiry(LEAD, world.account, today_in("UTC") + dt.timedelta(days=30))
    finish_termination(LEAD, world.account)
    # the CSM is told there will be no further reach-outs (seed 001): our own people, by e-mail
    cancellations.confirm_step(LEAD, world.account, "csm-told")

    outcome = cancellations.process(LEAD, world.account)

    assert outcome.message == (
        "Acme Widgets is Cancelled, now owned by Tess Telesales. The termination case stays "
        "open: every task is done: close it. Lena Lead, Vic Viewer will be notified."
    )
    with connection():
        final, csm, notification = list(
            OutboxMessage.select()
            .where(OutboxMessage.customer == world.customer_id)
            .order_by(OutboxMessage.id)
        )
    # the timeline's final termination e-mail went to the account team (cc CS Ops, Sales Ops,
    # Sec Ops and Legal, as the playbook says), not to the admin
    assert (final.kind, final.audience, final.status, final.recipients, final.cc) == (
        "final-termination-notice",
        Audience.INTERNAL,
        OutboxStatus.QUEUED,
        "account_team@example.com",
        "customer_success@example.com, sales_ops@example.com, security@example.com, "
        "legal@example.com",
    )
    assert (csm.kind, csm.audience, csm.recipients) == (
        "no-further-reach-outs",
        Audience.INTERNAL,
        "customer_success@example.com",
    )
    assert (
        notification.kind,
        notification.audience,
        notification.status,
        notification.recipients,
        notification.subject,
    ) == (
        "cancellation-notification",
        Audience.INTERNAL,
        OutboxStatus.QUEUED,
        "lena@example.com, vic@example.com",
        "Cancelled: Acme Widgets (500001)",
    )
    assert "- Scenario: Past due — sent to collections" in notification.body
    # once processed, the rule still holds
    assert outbox.no_contact_reason(customer(world)) == REASONS[BY_SCENARIO]
    with pytest.raises(NotAllowed):
        queue(world, [ADMIN_EMAIL])


# ----------------------------------------------------------------------------- lifting the rule


def test_the_rule_lifts_when_the_scenario_changes_back_and_withdrawn_mail_stays_withdrawn(
    world: World,
) -> None:
    cancellations.begin(LEAD, world.account)
    first = queue_notice(world)
    cancellations.set_scenario(LEAD, world.account, Scenario.COLLECTIONS)

    cancellations.set_scenario(LEAD, world.account, Scenario.BUYOUT)

    assert message(first).status == OutboxStatus.WITHDRAWN
    section = {s.key: s for s in customers.tool_view(world.account).sections}["admin_notified"]
    assert section.is_red
    assert section.summary == "Offboarding notice withdrawn: write a new one or record a call"
    assert notices.compose_offboarding_notice(world.account, LEAD).refusal == ""
    second = queue_notice(world)
    assert message(second).status == OutboxStatus.QUEUED


def test_the_rule_lifts_when_billing_reports_the_account_current_again(world: World) -> None:
    send_to_collections(world, BY_BILLING)

    said = cancellations.set_billing_status(LEAD, world.account, BillingStatus.CURRENT)

    assert said == "Acme Widgets is now Current."
    assert outbox.no_contact_reason(customer(world)) == ""
    assert message(queue(world, [ADMIN_EMAIL])).audience == Audience.CUSTOMER


# ----------------------------------------------------------------------------- the demo


def test_the_demos_collections_customer_has_no_mail_and_no_notice(db: OpenedDatabase) -> None:
    demo.load(login="pat")

    with connection():
        collections = Customer.get(Customer.account == "100015")
        assert collections.billing_status == BillingStatus.COLLECTIONS
        assert (
            Cancellation.get(Cancellation.customer == collections.id).scenario
            == Scenario.COLLECTIONS
        )
        assert not (
            OutboxMessage.select()
            .where(
                (OutboxMessage.customer == collections.id)
                & (OutboxMessage.audience == Audience.CUSTOMER)
            )
            .exists()
        )
        # the demo's notices went to the buyouts' admins (nearly ready, already cancelled)
        notices_sent = list(
            OutboxMessage.select(OutboxMessage.status, Customer.account)
            .join(Customer)
            .where(OutboxMessage.kind == OFFBOARDING_NOTICE)
            .tuples()
        )
    assert sorted(notices_sent) == [(OutboxStatus.SENT, "100011"), (OutboxStatus.SENT, "100027")]
    view = customers.tool_view("100015")
    assert [s.state for s in view.sections if s.key == "no_contact"] == [SectionState.NOTE]
    assert notices.compose_offboarding_notice("100015", "pat").refusal == (
        "Coastal Urgent Care has been sent to collections: nobody may contact its admin, so no "
        "e-mail to the customer can be queued or sent."
    )
    with pytest.raises(NotAllowed):
        cancellations.queue_offboarding_notice(
            "pat", "100015", str(collections.admin_email), "Closing", "Hello"
        )


# ----------------------------------------------------------------------------- every contact


@pytest.mark.parametrize(
    "admin_field",
    [
        "jamie@coastalurgentcare.example",
        " Jamie@CoastalUrgentCare.example ",
        "Jamie Coastal <jamie@coastalurgentcare.example>",
        "billing@coastalurgentcare.example, Jamie Coastal <Jamie@coastalurgentcare.example>",
        "billing@coastalurgentcare.example; jamie@coastalurgentcare.example",
    ],
    ids=["plain", "spaced-mixed-case", "with-name", "second-of-two", "semicolon"],
)
@pytest.mark.parametrize(
    "recipient",
    [
        "jamie@coastalurgentcare.example",
        "JAMIE@coastalurgentcare.example",
        " Jamie@COASTALURGENTCARE.EXAMPLE ",
    ],
)
def test_no_contact_knows_every_contact_of_the_customer_in_any_case(
    world: World, admin_field: str, recipient: str
) -> None:
    world.details(admin_email=admin_field)
    send_to_collections(world, BY_BILLING)
    before = world.snapshot()

    assert outbox.is_customer_address(customer(world), recipient)
    with pytest.raises(NotAllowed) as refused:
        queue(world, [recipient], audience=Audience.INTERNAL)

    assert str(refused.value) == REASONS[BY_BILLING]
    assert world.snapshot() == before


def test_someone_else_at_the_customers_domain_is_not_taken_for_its_contact(world: World) -> None:
    world.details(admin_email="Jamie Coastal <jamie@coastalurgentcare.example>")

    assert not outbox.is_customer_address(customer(world), "pat@coastalurgentcare.example")
    assert not outbox.is_customer_address(customer(world), "")
