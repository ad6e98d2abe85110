"""The playbook drives the rules (issue 12), on both backends: a changed scenario (an extra
step, other labels) drives the tool's sections and confirm_step; a step's e-mail goes to its
parties' addresses with the cc, and never to the customer under no-contact; a hidden section is
absent and a shown one never blocks; sign-offs come from the playbook; Today lists an open
processed case's tasks; with the tool-only playbook there are no termination sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from data import cancellations, customers, termination
from data.db import connection
from data.demo import lost_save_attempt
from data.errors import Conflict, InvalidInput, NotReady
from data.models import Cancellation, OutboxMessage, Step
from data.playbook import DEFAULT_PLAYBOOK, PLAYBOOKS, Milestone, store, use_playbook
from data.rules import SectionState, describe_red, unfinished_sections
from data.timeline import due_today
from tests.data.world import LEAD, TESS, World

Clock = Callable[[dt.datetime], None]

# Monday 2 March 2026, 09:00 UTC (the customer is in UTC).
T0 = dt.datetime(2026, 3, 2, 9, 0)
PROCESS_TASKS = ("notice_received", "account_team_informed", "attrition_box")


@pytest.fixture(autouse=True)
def shipped_playbook() -> Iterator[None]:
    """Every test starts, and leaves, with the shipped playbook and no parsed versions kept."""
    use_playbook(None)
    store.forget()
    yield
    use_playbook(None)
    store.forget()


def our_playbook(tmp_path: Path, change: Callable[[str], str]) -> Path:
    """The default playbook with ``change`` made to its text, in use."""
    text = change(DEFAULT_PLAYBOOK.read_text(encoding="utf-8"))
    path = tmp_path / "ours.toml"
    path.write_text(text, encoding="utf-8")
    use_playbook(path)
    return path


def sections(account: str) -> dict[str, customers.Section]:
    return {section.key: section for section in customers.tool_view(account).sections}


def clear_basics(world: World) -> None:
    cancellations.set_reasons(LEAD, world.account, [world.reasons["Price"]])
    cancellations.choose_owner(LEAD, world.account, TESS)
    cancellations.add_expiry(LEAD, world.account, dt.date(2027, 3, 1))


def messages(world: World) -> list[OutboxMessage]:
    with connection():
        return list(
            OutboxMessage.select()
            .where(OutboxMessage.customer == world.customer_id)
            .order_by(OutboxMessage.id)
        )


# ----------------------------------------------------------------------------- scenarios


def _extra_step(text: str) -> str:
    text = text.replace('label = "Final amount paid"', 'label = "Final balance settled"').replace(
        'steps = ["final-amount-email", "payment-confirmed"]',
        'steps = ["final-amount-email", "payment-confirmed", "receipt-filed"]',
    )
    return text.replace(
        "[steps.admin-notified]",
        '[steps.receipt-filed]\nlabel = "Receipt filed with Finance"\n'
        'waiting = "File the receipt with Finance"\n\n[steps.admin-notified]',
    )


def test_a_changed_scenario_drives_the_sections_and_confirm_step(
    world: World, tmp_path: Path
) -> None:
    our_playbook(tmp_path, _extra_step)
    cancellations.begin(LEAD, world.account)

    paid = sections(world.account)["final_amount"]
    assert (paid.name, paid.state, paid.total) == (
        "Final balance settled",
        SectionState.BLOCKING,
        3,
    )
    with pytest.raises(
        Conflict, match="cannot be confirmed before 'Finance sent the final-amount e-mail'"
    ):
        cancellations.confirm_step(LEAD, world.account, "receipt-filed")
    cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)
    cancellations.confirm_step(LEAD, world.account, Step.PAYMENT_CONFIRMED)
    paid = sections(world.account)["final_amount"]
    assert paid.is_red and paid.summary.endswith("; File the receipt with Finance")

    outcome = cancellations.confirm_step(LEAD, world.account, "Receipt filed with Finance")

    assert outcome.message == "Confirmed: Receipt filed with Finance."
    assert sections(world.account)["final_amount"].state is SectionState.CLEAR
    with pytest.raises(Conflict, match="Take back 'Receipt filed with Finance' first"):
        cancellations.unconfirm_step(LEAD, world.account, Step.PAYMENT_CONFIRMED)
    with pytest.raises(InvalidInput, match="'nonsense' is not a step"):
        cancellations.confirm_step(LEAD, world.account, "nonsense")


def test_a_running_case_keeps_its_scenarios_when_the_playbook_changes(
    world: World, tmp_path: Path
) -> None:
    cancellations.begin(LEAD, world.account)
    our_playbook(tmp_path, _extra_step)

    paid = sections(world.account)["final_amount"]

    assert (paid.name, paid.total) == ("Final amount paid", 2)


# ----------------------------------------------------------------------------- step e-mails


def test_the_collections_step_emails_the_csm_not_the_customer(world: World) -> None:
    cancellations.begin(LEAD, world.account, scenario="collections")
    told = sections(world.account)["csm_told"]
    assert told.is_red and "Tell the CSM" in told.summary

    outcome = cancellations.confirm_step(LEAD, world.account, "csm-told")

    (mail,) = messages(world)
    assert mail.recipients == "customer_success@example.com"
    assert mail.audience == "internal"
    assert mail.kind == "no-further-reach-outs"
    assert "no further reach-outs" in mail.subject.casefold()
    assert "customer_success@example.com" in outcome.message
    assert sections(world.account)["csm_told"].state is SectionState.CLEAR


def test_a_step_email_goes_to_its_parties_with_cc_and_never_to_the_customer_under_no_contact(
    world: World, tmp_path: Path
) -> None:
    def copy_legal(text: str) -> str:
        return text.replace(
            'to = ["customer_success"]\n',
            'to = ["customer_success"]\ncc = ["legal", "customer_success"]\n',
        )

    our_playbook(tmp_path, copy_legal)
    cancellations.begin(LEAD, world.account, scenario="collections")
    cancellations.confirm_step(LEAD, world.account, "csm-told")
    (mail,) = messages(world)
    # the cc parties are copied in (a party already addressed is not copied again)
    assert (mail.recipients, mail.cc) == ("customer_success@example.com", "legal@example.com")

    # A party whose address is the customer's admin: the no-contact rule refuses the e-mail.
    admin = "dana@acme.example"
    world.details(admin_email=admin)

    def to_the_admin(text: str) -> str:
        return text.replace('email = ["customer_success@example.com"]', f'email = ["{admin}"]')

    cancellations.unconfirm_step(LEAD, world.account, "csm-told")
    our_playbook(tmp_path, to_the_admin)
    cancellations.remove(LEAD, world.account)
    cancellations.begin(LEAD, world.account, scenario="collections")
    before = world.snapshot()
    with pytest.raises(Exception, match="nobody may contact its admin"):
        cancellations.confirm_step(LEAD, world.account, "csm-told")
    assert world.snapshot() == before


# ----------------------------------------------------------------------------- section uses


def test_a_hidden_section_is_absent_and_a_shown_one_never_blocks(
    world: World, tmp_path: Path
) -> None:
    def uses(text: str) -> str:
        return text.replace('expiry = "blocks"', 'expiry = "shown"').replace(
            'opportunities = "blocks"', 'opportunities = "hidden"'
        )

    our_playbook(tmp_path, uses)
    world.opportunity()
    cancellations.begin(LEAD, world.account)

    found = sections(world.account)
    view = customers.tool_view(world.account)

    assert "opportunities" not in found
    expiry = found["expiry"]
    assert expiry.is_red and expiry.milestone is None
    assert expiry not in unfinished_sections(view.sections)
    assert "Future expiry" not in describe_red(view.sections)


# ----------------------------------------------------------------------------- sign-offs


def test_sign_offs_come_from_the_playbook(world: World, tmp_path: Path, clock: Clock) -> None:
    def two_teams(text: str) -> str:
        head, _, rest = text.partition('\n[[sign_offs]]\nkey = "customer_operations"')
        _, _, tail = rest.partition("# ------------------------------------------------------")
        return (
            head
            + '\n[[sign_offs]]\nkey = "finance"\nlabel = "Finance is paid"\nteam = "Finance"\n\n'
            + '[[sign_offs]]\nkey = "boss"\nlabel = "The boss agrees"\nteam = "The Boss"\n'
            + "final = true\n\n\n# ------------------------------------------------------"
            + tail
        )

    clock(T0)
    our_playbook(tmp_path, two_teams)
    cancellations.begin(LEAD, world.account)
    signed = sections(world.account)["sign_offs"]
    assert (signed.summary, signed.total, signed.milestone) == (
        "0 of 2 signed; waiting for Finance",
        2,
        Milestone.CLOSE,
    )
    with pytest.raises(NotReady, match="Still missing: Finance is paid"):
        termination.sign_off(LEAD, world.account, "boss")
    with pytest.raises(InvalidInput, match="Use one of: finance, boss"):
        termination.sign_off(LEAD, world.account, "marketing_exclusion")
    termination.sign_off(LEAD, world.account, "Finance is paid")
    termination.sign_off(LEAD, world.account, "boss")

    signed = sections(world.account)["sign_offs"]

    assert signed.state is SectionState.CLEAR
    assert signed.summary == "All 2 signed; final confirmation by Lena Lead"


# ----------------------------------------------------------------------------- milestones


def test_close_gating_work_waits_for_close_and_today_lists_an_open_case(
    world: World, clock: Clock
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    clear_basics(world)
    lost_save_attempt(LEAD, world.account)  # the default playbook's Retention blocks Process
    cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)
    cancellations.confirm_step(LEAD, world.account, Step.PAYMENT_CONFIRMED)
    cancellations.confirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED, "told in a call")
    termination.set_effective_date(LEAD, world.account, dt.date(2026, 4, 1))
    for task in PROCESS_TASKS:
        termination.complete_task(LEAD, world.account, task)

    found = sections(world.account)
    timeline = found["timeline"]
    assert timeline.milestone is Milestone.CLOSE
    assert timeline.summary.startswith("Ready for Process; 9 tasks for Close, next: ")
    assert found["sign_offs"].is_red and found["access_data"].is_red
    assert unfinished_sections(list(found.values())) == []
    assert describe_red(list(found.values())) == ""
    assert {s.key for s in unfinished_sections(list(found.values()), Milestone.CLOSE)} == {
        "timeline",
        "sign_offs",
        "access_data",
    }

    cancellations.process(LEAD, world.account)

    view = customers.tool_view(world.account)
    assert view.cancellation is not None
    assert view.cancellation.case_summary.startswith(
        "Cancelled — termination case open: 9 tasks left, next: "
    )
    assert all(s.milestone is None for s in view.sections if s.key in ("reasons", "expiry"))
    clock(T0 + dt.timedelta(days=2))
    listed = {(row.account, row.task.key) for row in due_today()}
    assert (world.account, "legal_terms") in listed


# ----------------------------------------------------------------------------- tool-only


def test_tool_only_shows_no_termination_sections_and_processes_in_one_sitting(
    world: World, clock: Clock
) -> None:
    clock(T0)
    use_playbook(PLAYBOOKS / "tool-only.toml")
    cancellations.begin(LEAD, world.account)
    clear_basics(world)
    cancellations.confirm_step(LEAD, world.account, Step.FINAL_AMOUNT_EMAIL)
    cancellations.confirm_step(LEAD, world.account, Step.PAYMENT_CONFIRMED)
    cancellations.confirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED, "told in a call")

    keys = list(sections(world.account))

    assert not {"timeline", "sign_offs", "access_data"} & set(keys)
    cancellations.process(LEAD, world.account)
    with connection():
        done = Cancellation.get(Cancellation.customer == world.customer_id)
        assert done.closed_at is not None
