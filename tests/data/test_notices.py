"""The offboarding notice on both backends: drafted from the Markdown templates with the customer's
own name, deactivation date and modules; an organisation's templates win over the shipped ones;
a broken template is a clear refusal; and the notice is queued as the team lead edited it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from data import cancellations, notices, outbox
from data.db import connection, database
from data.errors import InvalidInput, NotFound
from data.models import (
    Audience,
    AuditEvent,
    Customer,
    OutboxMessage,
    OutboxStatus,
)
from data.rules import OFFBOARDING_NOTICE
from tests.data.world import LEAD, World

ADMIN_EMAIL = "dana@acme.example"
# 03:00 UTC on Tuesday 10 March 2026: still Monday 9 March in Los Angeles.
MOMENT = dt.datetime(2026, 3, 10, 3, 0)
GUIDE_ORDER = [
    "LMS",
    "Credentialing Software",
    "Credentialing Service",
    "Compliance",
    "Incident Reporting",
    "Safety Data Sheets",
]

Clock = Callable[[dt.datetime], None]


@pytest.fixture(autouse=True)
def acme_admin(request: pytest.FixtureRequest) -> None:
    """Acme Widgets has an admin and two modules on record."""
    if "world" in request.fixturenames:
        world: World = request.getfixturevalue("world")
        world.details(admin_name="Dana Admin", admin_email=ADMIN_EMAIL, modules="LMS, Compliance")


@pytest.fixture
def own_templates(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """An organisation's templates folder, in use for this test only."""
    folder = tmp_path / "our-templates"
    folder.mkdir()
    request.addfinalizer(lambda: outbox.use_templates(None))
    outbox.use_templates(folder)
    return folder


@pytest.fixture(autouse=True)
def shipped_templates_only() -> Iterator[None]:
    """Every test starts, and leaves, with only the shipped templates in use."""
    outbox.use_templates(None)
    yield
    outbox.use_templates(None)


def pending_buyout(world: World, *, zone: str = "UTC", modules: str | None = None) -> None:
    changes: dict[str, Any] = {"time_zone": zone}
    if modules is not None:
        changes["modules"] = modules
    world.details(**changes)
    cancellations.begin(LEAD, world.account)


def guide() -> dict[str, str]:
    return notices.module_guide()


# ----------------------------------------------------------------------------- the draft


def test_the_notice_is_filled_for_the_customers_admin_date_and_modules(
    world: World, clock: Clock
) -> None:
    clock(MOMENT)
    pending_buyout(world, zone="America/Los_Angeles")
    before = world.snapshot()

    draft = notices.compose_offboarding_notice(world.account, LEAD)

    assert world.snapshot() == before  # a draft writes nothing
    assert (draft.refusal, draft.warnings) == ("", ())
    assert (draft.account, draft.customer_name, draft.recipients) == (
        world.account,
        "Acme Widgets",
        ADMIN_EMAIL,
    )
    assert (draft.notice_days, draft.deactivation_date) == (3, dt.date(2026, 3, 12))
    assert draft.subject == "Acme Widgets: your account closes on Thursday 12 March 2026"
    body = draft.body
    assert body.startswith(
        "Hello Dana Admin,\n\nAs we discussed, the account of **Acme Widgets** (account 500001) "
        "is being offboarded.\nIn 3 days, on **Thursday 12 March 2026**, the account will be "
        "deactivated"
    )
    assert "## Save your data before Thursday 12 March 2026\n" in body
    lms = f"### LMS\n\n{guide()['lms']}"
    compliance = f"### Compliance\n\n{guide()['compliance']}"
    assert lms in body and compliance in body
    assert body.index(lms) < body.index(compliance)  # in the customer's order
    for other in ("Credentialing Software", "Credentialing Service", "Incident Reporting"):
        assert other not in body
    assert "is never sent" not in body  # the guide's preamble stays out
    assert body.endswith("Kind regards,\n\nLena Lead\nlena@example.com\n")
    assert "$" not in body and "$" not in draft.subject


@pytest.mark.parametrize(
    ("zone", "days", "date", "shown"),
    [
        ("America/Los_Angeles", 3, dt.date(2026, 3, 12), "Thursday 12 March 2026"),
        ("UTC", 3, dt.date(2026, 3, 13), "Friday 13 March 2026"),
        ("America/Los_Angeles", 0, dt.date(2026, 3, 9), "Monday 9 March 2026"),
        ("Australia/Sydney", 10, dt.date(2026, 3, 20), "Friday 20 March 2026"),
        ("UTC", 60, dt.date(2026, 5, 9), "Saturday 9 May 2026"),
    ],
)
def test_the_deactivation_date_is_today_where_the_customer_is_plus_the_notice_days(
    world: World, clock: Clock, zone: str, days: int, date: dt.date, shown: str
) -> None:
    clock(MOMENT)
    pending_buyout(world, zone=zone)

    draft = notices.compose_offboarding_notice(world.account, LEAD, notice_days=days)

    assert draft.deactivation_date == date
    assert draft.notice_days == days
    assert draft.subject == f"Acme Widgets: your account closes on {shown}"
    assert f"In {days} days, on **{shown}**" in draft.body


def test_a_module_the_guide_does_not_know_gets_a_warning_and_a_line_to_fill_in(
    world: World,
) -> None:
    pending_buyout(world, modules="Telepathy, lms")

    draft = notices.compose_offboarding_notice(world.account, LEAD)

    assert draft.warnings == (
        "The module guide has no section for 'Telepathy': write its export steps into the "
        "notice yourself.",
    )
    assert "### Telepathy\n\n- (Write how to export this module's data here.)" in draft.body
    # the guide is matched whatever the case the customer's record uses
    assert f"### lms\n\n{guide()['lms']}" in draft.body


def test_without_modules_on_record_every_module_is_listed_with_a_warning(world: World) -> None:
    pending_buyout(world, modules="")

    draft = notices.compose_offboarding_notice(world.account, LEAD)

    assert draft.warnings == (
        "The customer has no modules on record, so the notice lists every module. "
        "Delete the ones they do not use.",
    )
    positions = [draft.body.index(f"### {module}\n\n") for module in GUIDE_ORDER]
    assert positions == sorted(positions)
    for module in GUIDE_ORDER:
        assert guide()[module.casefold()] in draft.body


def test_without_an_admin_on_record_the_draft_says_to_type_the_address(world: World) -> None:
    pending_buyout(world)
    world.details(admin_name="", admin_email="")

    draft = notices.compose_offboarding_notice(world.account, LEAD)

    assert draft.recipients == ""
    assert draft.warnings == (
        "There is no admin e-mail address on record: type the recipient's address.",
    )
    assert draft.body.startswith("Hello there,\n")


@pytest.mark.parametrize("days", [-1, 61, 1000, True, 2.5, "3", None])
def test_a_notice_period_out_of_range_is_refused(world: World, days: object) -> None:
    pending_buyout(world)

    with pytest.raises(InvalidInput) as refused:
        notices.compose_offboarding_notice(world.account, LEAD, notice_days=days)  # type: ignore[arg-type]

    assert str(refused.value) == f"'{days}' is not a notice period: give 0 to 60 days."


def test_a_notice_needs_a_pending_cancellation_of_a_known_customer(world: World) -> None:
    draft = notices.compose_offboarding_notice(world.account, LEAD)
    assert draft.refusal == (
        "Acme Widgets has no pending cancellation: the offboarding notice is sent while a "
        "cancellation is in progress."
    )
    assert (draft.subject, draft.body) == ("", "")

    with pytest.raises(NotFound, match=r"^There is no customer with account number '999999'\.$"):
        notices.compose_offboarding_notice("999999", LEAD)


# ----------------------------------------------------------------------------- templates


def test_an_organisations_template_wins_over_the_shipped_one(
    world: World, own_templates: Path
) -> None:
    (own_templates / "offboarding_notice.md").write_text(
        "Subject: Closing ${customer_name}\n\nDear ${admin_name}, we close on "
        "${deactivation_date}.\n\n${save_data}\n\n${team_lead}\n",
        encoding="utf-8",
    )
    pending_buyout(world, modules="LMS")

    draft = notices.compose_offboarding_notice(world.account, LEAD, notice_days=0)

    assert draft.subject == "Closing Acme Widgets"
    assert draft.body.startswith("Dear Dana Admin, we close on ")
    assert f"### LMS\n\n{guide()['lms']}\n\nLena Lead\n" in draft.body
    assert outbox.template_path("offboarding_notice") == own_templates / "offboarding_notice.md"
    # a template the organisation has not written is still the shipped one
    assert outbox.template_path("cancellation_notification") == (
        outbox.TEMPLATES / "cancellation_notification.md"
    )


def test_an_organisations_module_guide_wins_too(world: World, own_templates: Path) -> None:
    (own_templates / "module_guide.md").write_text(
        "Our own guide.\n\n## Telepathy\n- Think of your data very hard.\n\n## LMS\n- Ask us.\n",
        encoding="utf-8",
    )
    pending_buyout(world, modules="Telepathy")

    draft = notices.compose_offboarding_notice(world.account, LEAD)

    assert draft.warnings == ()
    assert "### Telepathy\n\n- Think of your data very hard." in draft.body
    assert notices.module_guide() == {
        "telepathy": "- Think of your data very hard.",
        "lms": "- Ask us.",
    }


def test_a_placeholder_the_notice_does_not_fill_is_named(world: World, own_templates: Path) -> None:
    path = own_templates / "offboarding_notice.md"
    path.write_text(
        "Subject: Closing ${customer_name}\nYour contract ends on ${contract_end}.\n",
        encoding="utf-8",
    )
    pending_buyout(world)

    with pytest.raises(InvalidInput) as refused:
        notices.compose_offboarding_notice(world.account, LEAD)

    assert str(refused.value) == (
        f"The e-mail template 'offboarding_notice' ({path}) needs a value for ${{contract_end}}, "
        "which this message does not have. Remove the placeholder from the template or use one "
        "this message fills."
    )


def test_a_template_without_its_subject_line_is_refused(world: World, own_templates: Path) -> None:
    path = own_templates / "offboarding_notice.md"
    path.write_text("Hello ${admin_name},\nBye.\n", encoding="utf-8")
    pending_buyout(world)

    with pytest.raises(InvalidInput) as refused:
        notices.compose_offboarding_notice(world.account, LEAD)

    assert str(refused.value) == (
        f"The e-mail template 'offboarding_notice' ({path}) must start with a line "
        "'Subject: …'; it starts with 'Hello ${admin_name},'."
    )


def test_a_lone_dollar_sign_in_a_template_is_explained(own_templates: Path) -> None:
    (own_templates / "fee.md").write_text("Subject: Fees\nA fee of $5 applies.\n", encoding="utf-8")

    with pytest.raises(InvalidInput) as refused:
        outbox.render("fee", {})

    message = str(refused.value)
    assert message.startswith(
        f"The e-mail template 'fee' ({own_templates / 'fee.md'}) is malformed: "
    )
    assert message.endswith("Write placeholders as ${name}, and a literal dollar sign as $$.")
    (own_templates / "fee.md").write_text(
        "Subject: Fees\nA fee of $$5 applies.\n", encoding="utf-8"
    )
    assert outbox.render("fee", {}).body == "A fee of $5 applies.\n"
    assert "fee" in outbox.available_templates()


TERMINATION = {
    "customer_name": "Acme Widgets",
    "account": "500001",
    "deprovision_date": "2026-04-30",
    "time_zone": "America/Chicago",
    "effective_date": "2026-03-31",
    "data_decision": "kept for 90 days, then purged",
    "purge_information": "purged on 2026-07-29",
    "decision_due": "2026-04-23",
    "team_lead": "Lena Lead",
}


def test_the_final_termination_notice_renders_with_all_its_placeholders() -> None:
    rendered = outbox.render("final_termination_notice", TERMINATION)

    assert rendered.subject == (
        "Final termination: Acme Widgets (500001) is de-provisioned on 2026-04-30"
    )
    assert rendered.body.startswith("# Final termination: Acme Widgets (500001)\n")
    assert "de-provisioned on **2026-04-30** (America/Chicago)" in rendered.body
    for value in TERMINATION.values():
        assert value in rendered.body
    assert "$" not in rendered.body
    assert rendered.body.endswith("Lena Lead, for the termination team\n")


@pytest.mark.parametrize("missing", sorted(TERMINATION))
def test_the_final_termination_notice_names_a_value_it_lacks(missing: str) -> None:
    values = {key: value for key, value in TERMINATION.items() if key != missing}

    with pytest.raises(InvalidInput) as refused:
        outbox.render("final_termination_notice", values)

    assert f"needs a value for ${{{missing}}}, which this message does not have" in str(
        refused.value
    )


def test_a_templates_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"

    with pytest.raises(InvalidInput) as refused:
        outbox.use_templates(missing)

    assert str(refused.value) == (
        f"The templates folder '{missing}' does not exist or is not a folder. Create it, or "
        "remove 'templates' from the configuration to use the shipped ones."
    )
    assert outbox.template_path("offboarding_notice").parent == outbox.TEMPLATES


@pytest.mark.parametrize("name", ["../secrets", "Offboarding", "notice.md", ""])
def test_a_template_name_is_a_plain_word(name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        outbox.template_path(name)

    assert str(refused.value) == f"'{name}' is not a template name (use a-z, 0-9 and _)."


# ----------------------------------------------------------------------------- queueing it


def test_the_edited_notice_is_queued_to_the_admin_and_audited(world: World) -> None:
    pending_buyout(world)
    draft = notices.compose_offboarding_notice(world.account, LEAD)
    version = world.version()
    edited = draft.body.replace("Kind regards", "Warm regards")

    outcome = cancellations.queue_offboarding_notice(
        LEAD,
        world.account,
        f"{draft.recipients}; it@acme.example, {ADMIN_EMAIL}",
        draft.subject,
        edited,
        expected_version=version,
    )

    assert outcome.message == (
        f"Offboarding notice to {ADMIN_EMAIL}, it@acme.example queued. Admin notified turns "
        "green once it is sent."
    )
    assert (outcome.version, outcome.count) == (version + 1, 1)
    with connection():
        message = OutboxMessage.get(OutboxMessage.customer == world.customer_id)
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (
        message.kind,
        message.audience,
        message.status,
        message.recipients,
        message.subject,
        message.body,
        message.created_by.login,
    ) == (
        OFFBOARDING_NOTICE,
        Audience.CUSTOMER,
        OutboxStatus.QUEUED,
        f"{ADMIN_EMAIL}, it@acme.example",
        draft.subject,
        edited,
        LEAD,
    )
    assert (event.action, event.actor.login, event.record_kind, event.record_id) == (
        "queue message",
        LEAD,
        "message",
        message.id,
    )
    assert json.loads(event.after) == {
        "kind": OFFBOARDING_NOTICE,
        "to": f"{ADMIN_EMAIL}, it@acme.example",
        "subject": draft.subject,
    }


@pytest.mark.parametrize(
    ("recipients", "problem"),
    [
        ("", "There is no recipient. Give at least one e-mail address."),
        (" ;, ", "There is no recipient. Give at least one e-mail address."),
        ("dana", "'dana' is not an e-mail address. Write it as name@example.com."),
        ("dana@acme", "'dana@acme' is not an e-mail address. Write it as name@example.com."),
        (
            "@acme.example",
            "'@acme.example' is not an e-mail address. Write it as name@example.com.",
        ),
        (
            f"{ADMIN_EMAIL}, dana@",
            "'dana@' is not an e-mail address. Write it as name@example.com.",
        ),
    ],
)
def test_bad_recipients_are_refused_and_nothing_is_queued(
    world: World, recipients: str, problem: str
) -> None:
    pending_buyout(world)
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        cancellations.queue_offboarding_notice(LEAD, world.account, recipients, "Closing", "Hello")

    assert str(refused.value) == problem
    assert world.snapshot() == before


def test_addresses_are_split_checked_and_kept_once() -> None:
    assert outbox.parse_addresses(" a@x.example;b@x.example ,\n a@x.example, C <c@x.example>") == [
        "a@x.example",
        "b@x.example",
        "c@x.example",
    ]
    # A name and its address are one recipient; two addresses need a comma between them.
    assert outbox.parse_addresses("Dana Admin <dana@acme.example>") == ["dana@acme.example"]
    with pytest.raises(InvalidInput, match="is not an e-mail address"):
        outbox.parse_addresses("a@x.example b@x.example")
    assert outbox.check_address("Dana Admin <dana@acme.example>") == "dana@acme.example"
    with pytest.raises(InvalidInput, match="is not an e-mail address"):
        outbox.check_address("dana@acme.example\r\nBcc: all@x.example")


@pytest.mark.parametrize(
    ("subject", "body", "audience", "problem"),
    [
        ("  ", "Text", Audience.INTERNAL, "The message has no subject. Write one."),
        ("x" * 301, "Text", Audience.INTERNAL, "The subject is 301 characters; keep it under 300."),
        (
            "Hi",
            " \n ",
            Audience.INTERNAL,
            "The message has no text. Write the message before queueing it.",
        ),
        (
            "Hi",
            "x" * 50_001,
            Audience.INTERNAL,
            "The message is 50001 characters; keep it under 50000.",
        ),
        ("Hi", "Text", "partners", "'partners' is not an audience: use customer or internal."),
    ],
)
def test_the_outbox_refuses_a_message_it_could_not_send(
    world: World, subject: str, body: str, audience: str, problem: str
) -> None:
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused, connection(), database.atomic():
        customer = Customer.get_by_id(world.customer_id)
        outbox.queue(customer, None, "note", ["lena@example.com"], subject, body, audience=audience)

    assert str(refused.value) == problem
    assert world.snapshot() == before


def test_the_outbox_needs_a_recipient_with_an_address(world: World) -> None:
    with pytest.raises(InvalidInput) as refused, connection(), database.atomic():
        customer = Customer.get_by_id(world.customer_id)
        outbox.queue(customer, None, "note", ["", "  "], "Closing", "Hello")

    assert str(refused.value) == "The message 'Closing' has no recipient with an e-mail address."
