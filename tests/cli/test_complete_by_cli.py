"""A cancellation completed from the command line alone (issue 12): reasons, owner, notify,
expiry, mood, the save attempt, records listed, ceased and closed, the scenario's steps, the e-mails written and
queued, and Process; then each new command's refusals, one line each with its exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from data.customers import tool_view
from data.models import Customer, SalesOrder
from tests.cli.conftest import Run

# Prairie Wind Energy: Live in the demo, with open assets, a case, an opportunity and a
# quotation; the test adds an open sales order so that every kind of record is cleared.
ACCOUNT = "100024"
OTHER = "100002"  # another customer: its records' ids are not Prairie Wind's
NOT_PENDING = "100003"  # Live, no cancellation begun
UNKNOWN = "999999"
# The sections the termination case keeps (timeline, sign-offs, access & data): issue 12 moves
# what of them gates Process; everything else must be clear by the commands of this file.
TERMINATION_SECTIONS = {"timeline", "sign_offs", "access_data"}


def ok(run: Run, *argv: str) -> str:
    result = run(*argv)
    assert result.code == 0, (argv, result.err)
    assert result.err == ""
    return result.out


def as_json(run: Run, *argv: str) -> Any:
    return json.loads(ok(run, *argv, "--json"))


def sections(shown: dict[str, Any]) -> dict[str, str]:
    return {section["key"]: section["state"] for section in shown["sections"]}


def open_ids(run: Run, kind: str) -> list[int]:
    rows = as_json(run, "records", ACCOUNT, kind, "--open")
    assert all(row["blocking"] and row["account"] == ACCOUNT for row in rows)
    return [int(row["id"]) for row in rows]


def test_a_live_customer_is_cancelled_with_the_command_line_alone(
    run: Run, demo_db: str, tmp_path: Path
) -> None:
    customer = Customer.by_account(ACCOUNT)
    SalesOrder.create(customer=customer, number=f"SO-{ACCOUNT}-9", status="Pending", amount=10)

    assert "now Live (PC)" in ok(run, "begin", ACCOUNT)

    # Reasons: by name and by id, with the customer's words and extra information.
    done = as_json(
        run, "reasons", "set", ACCOUNT, "price", "7", "--text", "Too dear", "--info", "CFO call"
    )
    assert done["message"] == "Reasons set: Price, Budget cuts."
    cancellation = done["customer"]["cancellation"]
    assert cancellation["reasons"] == ["Price", "Budget cuts"]
    assert (cancellation["reason_text"], cancellation["extra_information"]) == (
        "Too dear",
        "CFO call",
    )
    # What is not given is kept.
    assert ok(run, "reasons", "set", ACCOUNT, "Price") == "Reasons set: Price.\n"
    assert tool_view(ACCOUNT).cancellation.reason_text == "Too dear"  # type: ignore[union-attr]

    # Ownership: chosen for Process, then Perform Now (Tess takes it over: Sam, who owns it
    # already, cannot be its new owner); who is notified.
    assert "will own Prairie Wind Energy once" in ok(run, "owner", ACCOUNT, "alex")
    done = as_json(run, "owner", ACCOUNT, "tess", "--now")
    assert done["customer"]["owner_login"] == "tess"
    assert done["customer"]["cancellation"]["new_owner_login"] == "tess"
    done = as_json(run, "notify", ACCOUNT, "lead", "sam")
    assert done["customer"]["cancellation"]["notify_logins"] == ["lead", "sam"]

    # A future expiry, counted from today where the customer is; then listed.
    assert "Added a future expiry on" in ok(run, "expiry", ACCOUNT, "+1y", "--note", "renewal")
    [expiry] = as_json(run, "expiry", ACCOUNT)
    assert expiry["future"] is True and expiry["note"] == "renewal"

    done = as_json(run, "mood", ACCOUNT, "satisfied")
    assert done["customer"]["cancellation"]["mood"] == "Satisfied"

    # Retention: the save attempt made, and lost (the Retention section blocks Process).
    assert (
        ok(run, "save-attempt", ACCOUNT, "--outcome", "lost", "--concern", "Moving to a competitor")
        == "Save attempt on Prairie Wind Energy recorded: Lost.\n"
    )

    # Assets: one by id, then every one still live.
    assets = open_ids(run, "assets")
    assert len(assets) > 1
    assert ok(run, "cease", ACCOUNT, str(assets[0]), "--date", "today").startswith("Ceased 1 asset")
    done = as_json(run, "cease", ACCOUNT, "--all")
    assert done["count"] == len(assets) - 1
    assert open_ids(run, "assets") == []
    # Every other kind, each to a state it allows (cases: Closed, the default).
    assert ok(run, "close-records", ACCOUNT, "cases", "--all").startswith("Set ")
    opportunity_ids = [str(pk) for pk in open_ids(run, "opportunities")]
    ok(run, "close-records", ACCOUNT, "opportunities", *opportunity_ids, "--state", "lost")
    ok(run, "close-records", ACCOUNT, "quotations", "--all", "--state", "expired")
    done = as_json(run, "close-records", ACCOUNT, "sales-orders", "--all", "--state", "Cancelled")
    assert done["message"] == "Set 1 sales order to Cancelled."
    for kind in ("cases", "opportunities", "quotations", "sales_orders"):
        assert open_ids(run, kind) == []
    listed = as_json(run, "records", ACCOUNT, "sales-orders")
    assert {row["status"] for row in listed} >= {"Cancelled"}
    assert not any(row["blocking"] for row in listed)

    # The scenario's steps (buyout): the final amount, and the admin told.
    ok(run, "confirm", ACCOUNT, "final-amount-email", "--note", "Finance, Kim")
    ok(run, "confirm", ACCOUNT, "payment-confirmed")
    draft = as_json(run, "mail", ACCOUNT, "offboarding", "--show")
    assert draft["to"].startswith("admin@") and draft["task"] is None
    body = tmp_path / "notice.md"
    body.write_text(draft["body"] + "\nCall me with any question.\n", encoding="utf-8")
    queued = ok(run, "mail", ACCOUNT, "offboarding", "--body", str(body))
    assert queued.startswith("Offboarding notice to admin@")
    ok(run, "confirm", ACCOUNT, "admin-notified", "--note", "told in the call too")

    # The final termination e-mail, once the effective date is set.
    ok(run, "effective", ACCOUNT, "+30d")
    draft = as_json(run, "mail", ACCOUNT, "final-termination", "--show")
    assert "@example.com" in draft["to"] and "Prairie Wind Energy" in draft["subject"]
    assert draft["task"] == "final_termination_mail" and draft["date"]
    ok(run, "mail", ACCOUNT, "final-termination", "--subject", draft["subject"] + " (final)")
    outbox = as_json(run, "outbox", "list", "--account", ACCOUNT)
    assert any(row["subject"].endswith("(final)") for row in outbox)

    # The timeline's tasks that are already true today (the default playbook has them gate
    # Process): ticked by hand.
    for task in ("notice_received", "account_team_informed", "attrition_box"):
        ok(run, "task", ACCOUNT, task, "--note", "done today")

    shown = as_json(run, "show", ACCOUNT)
    states = sections(shown)
    red = {key for key, state in states.items() if state == "blocking"}
    assert red <= TERMINATION_SECTIONS, red
    mood = next(section for section in shown["sections"] if section["key"] == "mood")
    assert mood["summary"] == "Mood: Satisfied"
    retention = next(s for s in shown["sections"] if s["key"] == "retention")
    assert retention["summary"].startswith("Save attempt lost (")
    # "ready" is what Process checks: the sections red for Close only do not count.
    assert shown["ready"] is True

    # Process: the tool's sections are clear and the tasks that gate Process are done; the
    # rest of the termination case (sign-offs, access and data, later tasks) gates Close.
    result = run("process", ACCOUNT)
    assert result.code == 0, result.err
    assert result.out.startswith("Prairie Wind Energy is Cancelled"), result.out
    after = as_json(run, "show", ACCOUNT)
    assert after["status"] == "Cancelled"
    assert after["owner_login"] == "tess"
    assert after["cancellation"]["processed_by"] == "Lead"


def one_line_refusal(run: Run, argv: tuple[str, ...], *words: str) -> str:
    result = run(*argv)
    assert result.code == 1, (argv, result)
    assert result.out == ""
    assert result.err.startswith("offboard: ") and result.err.count("\n") == 1, result.err
    for word in words:
        assert word in result.err, (argv, result.err)
    return result.err


@pytest.mark.parametrize(
    "argv",
    [
        ("reasons", "set", UNKNOWN, "Price"),
        ("owner", UNKNOWN, "sam"),
        ("notify", UNKNOWN, "sam"),
        ("expiry", UNKNOWN, "+1y"),
        ("expiry", UNKNOWN),
        ("mood", UNKNOWN, "Happy"),
        ("records", UNKNOWN, "assets"),
        ("cease", UNKNOWN, "--all"),
        ("close-records", UNKNOWN, "cases", "--all"),
        ("mail", UNKNOWN, "offboarding"),
        ("mail", UNKNOWN, "final-termination", "--show"),
    ],
)
def test_an_unknown_account_is_refused(run: Run, demo_db: str, argv: tuple[str, ...]) -> None:
    one_line_refusal(run, argv, f"There is no customer with account number '{UNKNOWN}'.")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        # Unknown users, reasons and moods.
        (("owner", ACCOUNT, "nobody"), ("There is no user 'nobody' to be the new owner.",)),
        (("owner", ACCOUNT, "casey"), ("is deactivated",)),
        (("notify", ACCOUNT, "lead", "nobody"), ("There is no user 'nobody'",)),
        (("reasons", "set", ACCOUNT, "Weather"), ("There is no reason 'Weather'",)),
        (("reasons", "set", ACCOUNT, "999"), ("There is no reason with id 999",)),
        (("mood", ACCOUNT, "ecstatic"), ("'ecstatic' is not a mood", "Happy")),
        # Dates.
        (("expiry", ACCOUNT, "2027-02-30"), ("'2027-02-30' is not a date",)),
        (("expiry", ACCOUNT, "31/12/2027"), ("is not a date", "2026-12-31")),
        (("expiry", ACCOUNT, "2020-01-01"), ("is not in the future",)),
        (("cease", ACCOUNT, "--all", "--date", "soon"), ("'soon' is not a date",)),
        # Kinds and states.
        (("records", ACCOUNT, "widgets"), ("'widgets' is not a section with records",)),
        (("close-records", ACCOUNT, "widgets", "--all"), ("'widgets' is not a section",)),
        (
            ("close-records", ACCOUNT, "opportunities", "--all", "--state", "open"),
            ("'open' is not a closed state for opportunities", "Won, Lost or Cancelled"),
        ),
        (
            ("close-records", ACCOUNT, "quotations", "--all"),
            ("Say which closed state", "--state Won | Lost | Expired | Cancelled"),
        ),
        (("close-records", ACCOUNT, "assets", "--all", "--state", "x"), ("ceased with a date",)),
        # Ids that are not the customer's (asset 1 and case 1 belong to 100002).
        (("cease", ACCOUNT, "1"), ("Prairie Wind Energy has no assets with id 1.",)),
        (
            ("close-records", ACCOUNT, "cases", "1"),
            ("Prairie Wind Energy has no cases with id 1.",),
        ),
        # A customer changed since it was read.
        (("mood", ACCOUNT, "Happy", "--expected-version", "999"), ("Conflict: ",)),
        (("cease", ACCOUNT, "--all", "--expected-version", "999"), ("Conflict: ",)),
        # E-mails.
        (("mail", ACCOUNT, "weekly"), ("'weekly' is not a task of the plan",)),
        (("mail", ACCOUNT, "legal-terms"), ("sends no e-mail",)),
        (("mail", ACCOUNT, "final-termination"), ("Set the effective date first",)),
        (("mail", ACCOUNT, "offboarding", "--body", "/no/such/file"), ("cannot be read",)),
    ],
)
def test_bad_input_is_refused_in_one_line(
    run: Run, demo_db: str, argv: tuple[str, ...], words: tuple[str, ...]
) -> None:
    ok(run, "begin", ACCOUNT)
    one_line_refusal(run, argv, *words)


def test_an_id_already_resolved_is_refused_and_nothing_changes(run: Run, demo_db: str) -> None:
    ok(run, "begin", ACCOUNT)
    [first, *_] = open_ids(run, "assets")
    ok(run, "cease", ACCOUNT, str(first))
    one_line_refusal(run, ("cease", ACCOUNT, str(first)), "already ceased")
    one_line_refusal(run, ("records", OTHER, "widgets"), "is not a section with records")


@pytest.mark.parametrize(
    "argv",
    [
        ("owner", NOT_PENDING, "sam"),
        ("reasons", "set", NOT_PENDING, "Price"),
        ("expiry", NOT_PENDING, "+1y"),
        ("mood", NOT_PENDING, "Happy"),
        ("cease", NOT_PENDING, "--all"),
        ("close-records", NOT_PENDING, "cases", "--all"),
        ("mail", NOT_PENDING, "offboarding"),
    ],
)
def test_a_customer_without_a_pending_cancellation_is_refused(
    run: Run, demo_db: str, argv: tuple[str, ...]
) -> None:
    one_line_refusal(run, argv, "Cedar Valley Clinics")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("cease", ACCOUNT), "or --all"),
        (("cease", ACCOUNT, "3", "--all"), "or --all"),
        (("cease", ACCOUNT, "three"), "'three' is not an id"),
        (("close-records", ACCOUNT, "cases"), "or --all"),
        (("reasons", "set", ACCOUNT), "name at least one REASON"),
        (("owner", ACCOUNT), "the following arguments are required: LOGIN"),
        (("mail", ACCOUNT), "the following arguments are required: EMAIL"),
    ],
)
def test_a_mistake_in_the_command_line_exits_2(
    run: Run, demo_db: str, argv: tuple[str, ...], words: str
) -> None:
    result = run(*argv)
    assert result.code == 2
    assert words in result.err
    assert result.out == ""


def test_the_records_list_reads_as_a_table_and_says_how_to_resolve(run: Run, demo_db: str) -> None:
    ok(run, "begin", ACCOUNT)
    listed = ok(run, "records", ACCOUNT, "opportunities", "--open")
    assert listed.splitlines()[0].split() == ["ID", "STATE", "RECORD", "STATUS", "DETAIL"]
    assert "BLOCKING" in listed
    assert f"offboard close-records {ACCOUNT} opportunities --state STATE" in listed
    assert "Prairie Wind Energy (100024) has no open sales orders." in ok(
        run, "records", ACCOUNT, "sales-orders", "--open"
    )
    shown = ok(run, "mail", ACCOUNT, "offboarding", "--show")
    assert shown.startswith("To:       admin@") and "Deactivation:" in shown


def test_mood_none_clears_it(run: Run, demo_db: str) -> None:
    ok(run, "begin", ACCOUNT)
    ok(run, "mood", ACCOUNT, "Angry")
    assert ok(run, "mood", ACCOUNT, "none") == "Customer mood: not recorded.\n"
