"""The termination timeline from the command line: today, timeline, plan, and the operations
that move it on (effective, task, sign-off — several teams at once, all or nothing —,
deactivate, data, and undo --sign-off / --task while pending), with their refusals; and the
organisation's own plan, named in the configuration.

The demo's dates follow the real clock (it is built when the session starts), so these tests
assert how the dates relate (ordering, states, what is present) rather than the dates themselves.
In the demo, 100012 (Redwood Legal LLP) was begun four days ago by the user running it, with an
effective date, three tasks done and Finance signed; 100015 (Coastal Urgent Care, collections)
was begun yesterday by Riley with no effective date; 100011 has its whole timeline done and
100027 is processed with its termination case open (five tasks left for Close).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from data import timeline
from data.db import connection
from data.demo import load
from data.models import AuditEvent, Customer
from data.playbook import DEFAULT_PLAYBOOK
from data.timeline import DEFAULT_PLAN
from tests.cli.conftest import LEAD, Run
from tests.conftest import OpenedDatabase

MANY_RED = "100012"  # begun by the test's user
COLLECTIONS = "100015"  # begun by Riley; no effective date
FINISHED = "100011"  # every timeline task done, one sales order still open
PROCESSED = "100027"
NEVER_BEGUN = "100001"
ME = "Lead"

GUID_A = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
GUID_B = "0b7d6a52-6f3e-4c1a-9d55-2f1c8e4a7b90"
GUID_C = "c9a6468d-26d5-4f2c-8a3e-9a1b2c3d4e5f"

TASK_KEYS = {
    "account",
    "customer",
    "task",
    "title",
    "party",
    "state",
    "due",
    "due_date",
    "relative",
    "done_by",
    "done_at",
    "note",
    "detail",
}
PLAN_KEYS = [
    "notice_received",
    "account_team_informed",
    "attrition_box",
    "legal_terms",
    "termination_notified",
    "team_tasks_assigned",
    "access_deactivated",
    "final_termination_mail",
    "data_decision",
    "sign_offs",
    "purge_requested",
    "data_purged",
]
SIGN_OFF_TEAMS = ("customer_operations", "marketing_exclusion", "marketing_references", "sales_ops")
SETTING_VARIABLES = ("OFFBOARD_CONFIG", "OFFBOARD_PLAN", "OFFBOARD_TEMPLATES")

GOOD_PLAN = """\
# Our own, short plan.
goodbye     | Goodbye call with the customer's admin | account_team     | day 1 after begin  | hand
case_closed | Case closed (Process)                  | order_management | day 5 after begin  | process
"""
BAD_PLAN = """\
# Line 3 names a party offboard does not know.
goodbye     | Goodbye call with the customer's admin | account_team     | day 1 after begin  | hand
purge       | The data purged                        | nobody           | day 2 after begin  | purge
"""


@pytest.fixture(autouse=True)
def shipped_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the real configuration file or plan settings; every test leaves the
    shipped plan in use (a plan named by one test must not leak into the next)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    for variable in SETTING_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    timeline.use_plan(None)
    yield
    timeline.use_plan(None)


# ----------------------------------------------------------------------------- helpers


def today_rows(run: Run, *argv: str) -> list[dict[str, Any]]:
    result = run("today", "--json", *argv)
    assert result.code == 0, result.err
    rows: list[dict[str, Any]] = json.loads(result.out)
    return rows


def timeline_of(run: Run, account: str) -> dict[str, Any]:
    result = run("timeline", account, "--json")
    assert result.code == 0, result.err
    shown: dict[str, Any] = json.loads(result.out)
    return shown


def tasks_of(run: Run, account: str) -> dict[str, dict[str, Any]]:
    return {task["task"]: task for task in timeline_of(run, account)["tasks"]}


def sections_of(run: Run, account: str) -> dict[str, dict[str, Any]]:
    return {section["key"]: section for section in timeline_of(run, account)["sections"]}


def version(run: Run, account: str) -> int:
    """The customer's version: every change bumps it, so an unchanged one means nothing was
    written."""
    shown = run("show", account, "--json")
    assert shown.code == 0, shown.err
    return int(json.loads(shown.out)["version"])


def refused(run: Run, *argv: str) -> str:
    """Run a command that must be refused (exit 1, nothing on stdout, nothing written); its
    stderr."""
    account = argv[1]
    before = version(run, account)
    result = run(*argv)
    assert result.code == 1, result
    assert result.out == ""
    assert result.err.startswith("offboard: ")
    assert version(run, account) == before
    return result.err


def done(run: Run, *argv: str) -> str:
    result = run(*argv)
    assert result.code == 0, result.err
    return result.out


def urgency(row: dict[str, Any]) -> tuple[int, float, str]:
    """The order the Today list promises: tasks without a date first (they need one), then by
    due moment, longest overdue first; the account breaks ties."""
    if row["due"] is None:
        return (0, 0.0, row["account"])
    return (1, dt.datetime.fromisoformat(row["due"]).timestamp(), row["account"])


def write_plan(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- today


def test_today_json_lists_the_late_and_undated_tasks_most_urgent_first(
    run: Run, demo_db: str
) -> None:
    rows = today_rows(run)

    assert rows
    assert all(set(row) == TASK_KEYS for row in rows)
    assert [urgency(row) for row in rows] == sorted(urgency(row) for row in rows)
    # Only tasks due by today, overdue, or waiting for an effective date; never a done one.
    assert {row["state"] for row in rows} <= {"overdue", "due", "unscheduled"}
    assert all(row["done_by"] is None and row["done_at"] is None for row in rows)
    # Only pending cancellations: never a customer without one, nor a processed one.
    assert {row["account"] for row in rows} <= {MANY_RED, COLLECTIONS, FINISHED}
    by_task = {(row["account"], row["task"]): row for row in rows}
    # 100015 has no effective date: its dated-by-effective tasks come first, without a due.
    first = rows[0]
    assert (first["account"], first["state"], first["due"]) == (COLLECTIONS, "unscheduled", None)
    assert first["relative"] == "no effective date"
    assert by_task[(COLLECTIONS, "final_termination_mail")]["state"] == "unscheduled"
    # 100012: day 2 was two days ago; its done tasks and the ones due later are not listed.
    legal = by_task[(MANY_RED, "legal_terms")]
    assert (legal["state"], legal["customer"], legal["party"]) == (
        "overdue",
        "Redwood Legal LLP",
        "Legal",
    )
    assert legal["relative"].endswith("days overdue")
    assert legal["due_date"] < dt.date.today().isoformat()
    assert (MANY_RED, "notice_received") not in by_task  # done
    assert (MANY_RED, "final_termination_mail") not in by_task  # due in weeks
    overdue = [urgency(row) for row in rows if row["state"] == "overdue"]
    due = [urgency(row) for row in rows if row["state"] == "due"]
    assert not due or max(overdue) <= min(due)


def test_today_mine_lists_only_the_cancellations_i_began(run: Run, demo_db: str) -> None:
    everyone = today_rows(run)
    mine = today_rows(run, "--mine")

    assert mine
    assert {row["account"] for row in mine} == {MANY_RED}
    assert mine == [row for row in everyone if row["account"] == MANY_RED]
    # Tess began nothing.
    assert today_rows(run, "--mine", "--user", "tess") == []


def test_today_text_has_a_header_and_a_line_per_task_in_the_same_order(
    run: Run, demo_db: str
) -> None:
    rows = today_rows(run)

    result = run("today")

    assert result.code == 0, result.err
    header, *lines = result.out.splitlines()
    assert header.split() == ["ACCOUNT", "WHEN", "DUE", "CUSTOMER", "TASK", "(PARTY)"]
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        assert line.startswith(row["account"])
        assert row["relative"] in line
        assert line.endswith(f"{row['title']} ({row['party']})")
    # A task without a date shows a dash where the date would be.
    assert "no effective date" in lines[0]
    assert " — " in lines[0]
    [legal] = [line for line in lines if line.startswith(MANY_RED) and "Legal confirms" in line]
    assert "Redwood Legal LLP" in legal


def test_today_text_says_when_nothing_is_due(run: Run, demo_db: str) -> None:
    result = run("today", "--mine", "--user", "tess")

    assert result.code == 0, result.err
    assert result.out == "Nothing is due today or overdue on any pending cancellation.\n"


# ----------------------------------------------------------------------------- timeline


def test_timeline_json_has_the_plan_tasks_and_the_three_sections(run: Run, demo_db: str) -> None:
    shown = timeline_of(run, MANY_RED)

    assert (shown["account"], shown["customer"]) == (MANY_RED, "Redwood Legal LLP")
    assert shown["time_zone"] == "America/Los_Angeles"
    assert shown["effective_date"] is not None
    assert [task["task"] for task in shown["tasks"]] == PLAN_KEYS
    assert all(set(task) == TASK_KEYS for task in shown["tasks"])
    tasks = {task["task"]: task for task in shown["tasks"]}
    for key in ("notice_received", "account_team_informed", "attrition_box"):
        assert (tasks[key]["state"], tasks[key]["done_by"]) == ("done", ME)
        assert tasks[key]["done_at"].endswith("+00:00")  # UTC, like every time in the JSON
    assert tasks["legal_terms"]["state"] == "overdue"
    assert tasks["final_termination_mail"]["state"] == "upcoming"
    # "72 hours before effective": due at a time, three days before the effective date.
    effective = dt.date.fromisoformat(shown["effective_date"])
    assert tasks["final_termination_mail"]["due_date"] == str(effective - dt.timedelta(days=3))
    assert tasks["notice_received"]["due_date"] == str(effective - dt.timedelta(days=30))
    assert [(s["key"], s["state"]) for s in shown["sections"]] == [
        ("timeline", "blocking"),
        ("sign_offs", "blocking"),
        ("access_data", "blocking"),
    ]
    sections = {section["key"]: section for section in shown["sections"]}
    assert sections["sign_offs"]["summary"].startswith("1 of 6 signed; waiting for ")
    assert "Finance" not in sections["sign_offs"]["summary"]


def test_timeline_json_of_a_processed_cancellation_shows_what_is_left_for_close(
    run: Run, demo_db: str
) -> None:
    shown = timeline_of(run, PROCESSED)

    left = [task["task"] for task in shown["tasks"] if task["state"] != "done"]
    assert left == [
        "final_termination_mail",
        "data_decision",
        "sign_offs",
        "purge_requested",
        "data_purged",
    ]
    assert {task["state"] for task in shown["tasks"] if task["task"] in left} == {"upcoming"}
    assert {task["done_by"] for task in shown["tasks"] if task["task"] not in left} == {
        "Riley Chen"
    }


def test_timeline_without_an_effective_date_leaves_its_tasks_unscheduled(
    run: Run, demo_db: str
) -> None:
    shown = timeline_of(run, COLLECTIONS)

    assert shown["effective_date"] is None
    tasks = {task["task"]: task for task in shown["tasks"]}
    for key in ("notice_received", "final_termination_mail"):
        assert (tasks[key]["state"], tasks[key]["due"]) == ("unscheduled", None)
    # Collections: the access goes at once, on day 1, not day 4.
    assert tasks["access_deactivated"]["due_date"] == tasks["account_team_informed"]["due_date"]
    assert shown["sections"][0]["summary"].startswith("Set the effective date")


def test_timeline_text_shows_the_date_the_tasks_and_the_sections(run: Run, demo_db: str) -> None:
    effective = timeline_of(run, MANY_RED)["effective_date"]

    result = run("timeline", MANY_RED)

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == (
        f"Redwood Legal LLP ({MANY_RED}) · effective date {effective} · America/Los_Angeles"
    )
    task_lines = lines[2:14]  # the playbook's 12 tasks (Close is a milestone, not a task)
    assert [line.split()[0] for line in task_lines[:4]] == ["done", "done", "done", "overdue"]
    assert f"[{ME}: Non-renewal letter attached to the case]" in task_lines[0]  # who, and the note
    assert "done 20" in task_lines[0]  # when, in the customer's time
    assert "Legal confirms the termination terms and dates" in task_lines[3]
    assert lines[14] == ""
    # Red only for Close (Process does not wait for them): marked so, not BLOCKING (issue 22).
    assert [line.split()[:3] for line in lines[15:]] == [
        ["for", "Close", "Timeline"],
        ["for", "Close", "Sign-offs"],
        ["for", "Close", "Access"],
    ]
    undated = run("timeline", COLLECTIONS).out.splitlines()[0]
    assert "effective date not set (set it with: offboard effective ACCOUNT DATE)" in undated


@pytest.mark.parametrize(
    ("account", "message"),
    [
        (
            NEVER_BEGUN,
            "offboard: Not found: Northwind Dental Group has no cancellation, "
            "so there is no timeline yet.\n",
        ),
        ("424242", "offboard: Not found: There is no customer with account number '424242'.\n"),
    ],
)
def test_timeline_of_a_customer_without_one_is_refused(
    run: Run, demo_db: str, account: str, message: str
) -> None:
    result = run("timeline", account, "--json")

    assert (result.code, result.out, result.err) == (1, "", message)


# ----------------------------------------------------------------------------- plan


def test_plan_lists_the_shipped_plan(run: Run, demo_db: str) -> None:
    # The plan in force is the playbook's (the shipped playbook's, unless an old-format plan is
    # named in the configuration).
    result = run("plan")

    assert result.code == 0, result.err
    header, *lines = result.out.splitlines()
    assert header == f"{DEFAULT_PLAYBOOK}: 12 tasks"
    assert len(lines) == 12
    assert [line.split()[:2] for line in lines] == [
        [f"{number}.", key] for number, key in enumerate(PLAN_KEYS, start=1)
    ]
    assert "30 days before effective" in lines[0]
    assert lines[7].endswith("Order Management · e-mail final_termination_notice")


def test_plan_checks_a_good_file(run: Run, tmp_path: Path) -> None:
    good = write_plan(tmp_path, "good.plan", GOOD_PLAN)

    result = run("plan", str(good))

    assert result.code == 0, result.err
    header, *lines = result.out.splitlines()
    assert header == f"{good}: 2 tasks"
    assert [line.split()[:2] for line in lines] == [["1.", "goodbye"], ["2.", "case_closed"]]
    # Checking a file does not put it in use.
    assert run("plan").out.startswith(f"{DEFAULT_PLAYBOOK}: 12 tasks")


def test_plan_refuses_a_bad_file_naming_the_line(run: Run, tmp_path: Path) -> None:
    bad = write_plan(tmp_path, "bad.plan", BAD_PLAN)

    result = run("plan", str(bad))

    assert (result.code, result.out) == (1, "")
    assert result.err.startswith(
        f"offboard: Invalid input: {bad}, line 3: 'nobody' is not a responsible party."
    )
    missing = run("plan", str(tmp_path / "missing.plan"))
    assert (missing.code, missing.out) == (1, "")
    assert "There is no plan file at" in missing.err


# ----------------------------------------------------------------------------- a configured plan


def use_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan: str) -> Path:
    """A configuration file naming the plan (relative to the file), in a folder of its own."""
    folder = tmp_path / "settings"
    folder.mkdir(exist_ok=True)
    config = folder / "config.toml"
    config.write_text(f'[timeline]\nplan = "{plan}"\n', encoding="utf-8")
    monkeypatch.setenv("OFFBOARD_CONFIG", str(config))
    return folder


@pytest.mark.parametrize(
    "argv",
    [
        ["plan"],
        ["today"],
        ["timeline", MANY_RED, "--json"],
        ["list"],
        ["task", MANY_RED, "legal_terms"],
        ["begin", NEVER_BEGUN],
    ],
)
def test_a_bad_plan_in_the_configuration_file_stops_every_command(
    run: Run, demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    folder = use_config(tmp_path, monkeypatch, "our.plan")
    bad = write_plan(folder, "our.plan", BAD_PLAN)

    result = run(*argv)

    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(
        "offboard: Configuration error: the termination plan cannot be used: "
        f"{bad}, line 3: 'nobody' is not a responsible party."
    )
    monkeypatch.delenv("OFFBOARD_CONFIG")
    # Nothing ran: the customers are as the demo left them.
    assert json.loads(run("show", NEVER_BEGUN, "--json").out)["status"] == "Live"
    assert tasks_of(run, MANY_RED)["legal_terms"]["state"] == "overdue"


def test_a_bad_plan_in_the_environment_stops_every_command(
    run: Run, demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = write_plan(tmp_path, "env.plan", BAD_PLAN)
    monkeypatch.setenv("OFFBOARD_PLAN", str(bad))

    for argv in (["today"], ["plan"]):
        result = run(*argv)
        assert (result.code, result.out) == (2, ""), argv
        assert result.err.startswith("offboard: Configuration error: ")
        assert f"{bad}, line 3: " in result.err
    # Checking a corrected file still works, with the broken configured one named on stderr.
    checked = run("plan", str(DEFAULT_PLAN))
    assert checked.code == 0
    assert checked.out.startswith(f"{DEFAULT_PLAN}: 13 tasks")
    assert f"{bad}, line 3: " in checked.err
    missing = tmp_path / "nowhere.plan"
    monkeypatch.setenv("OFFBOARD_PLAN", str(missing))
    result = run("today")
    assert result.code == 2
    assert f"There is no plan file at {missing}" in result.err


def test_a_good_plan_in_the_configuration_file_is_the_one_used(
    run: Run, demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = use_config(tmp_path, monkeypatch, "our.plan")
    ours = write_plan(folder, "our.plan", GOOD_PLAN)

    listed = done(run, "plan")

    assert listed.splitlines()[0] == f"{ours}: 2 tasks"
    assert [task["task"] for task in timeline_of(run, MANY_RED)["tasks"]] == [
        "goodbye",
        "case_closed",
    ]
    # Its tasks are the ones that can be ticked; the shipped plan's are not.
    assert "Done: Goodbye call" in done(run, "task", MANY_RED, "goodbye")
    assert "'legal_terms' is not a task of the plan. Its tasks are: goodbye, case_closed." in (
        refused(run, "task", MANY_RED, "legal_terms")
    )


def test_a_good_plan_in_the_environment_wins_over_the_file(
    run: Run, demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = use_config(tmp_path, monkeypatch, "our.plan")
    write_plan(folder, "our.plan", BAD_PLAN)
    good = write_plan(tmp_path, "env.plan", GOOD_PLAN)
    monkeypatch.setenv("OFFBOARD_PLAN", str(good))

    assert done(run, "plan").splitlines()[0] == f"{good}: 2 tasks"


# ----------------------------------------------------------------------------- effective


def test_effective_sets_the_date_and_schedules_the_tasks_that_waited_for_it(
    run: Run, demo_db: str
) -> None:
    assert any(row["state"] == "unscheduled" for row in today_rows(run))

    message = done(run, "effective", COLLECTIONS, "+30d")

    shown = timeline_of(run, COLLECTIONS)
    effective = dt.date.fromisoformat(shown["effective_date"])
    assert message == f"The effective date is {effective} (Australia/Sydney).\n"
    tasks = {task["task"]: task for task in shown["tasks"]}
    assert "unscheduled" not in {task["state"] for task in shown["tasks"]}
    assert tasks["notice_received"]["due_date"] == str(effective - dt.timedelta(days=30))
    assert tasks["final_termination_mail"]["due_date"] == str(effective - dt.timedelta(days=3))
    assert tasks["final_termination_mail"]["state"] == "upcoming"
    assert not shown["sections"][0]["summary"].startswith("Set the effective date")
    # Nothing waits for a date any more, so nothing is listed without one.
    assert all(row["state"] != "unscheduled" for row in today_rows(run))

    # A new date replaces it, and moves the tasks counted from it.
    done(run, "effective", COLLECTIONS, "+60d")
    later = timeline_of(run, COLLECTIONS)
    assert dt.date.fromisoformat(later["effective_date"]) == effective + dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("date", "reason"),
    [
        ("2040-01-01", "more than five years from today"),
        ("someday", "'someday' is not a date."),
    ],
)
def test_effective_refuses_a_date_it_cannot_use(
    run: Run, demo_db: str, date: str, reason: str
) -> None:
    err = refused(run, "effective", COLLECTIONS, date)

    assert err.startswith("offboard: Invalid input: ")
    assert reason in err
    assert timeline_of(run, COLLECTIONS)["effective_date"] is None


# ----------------------------------------------------------------------------- task


def test_task_ticks_a_task_done_and_undo_reopens_it(run: Run, demo_db: str) -> None:
    assert (MANY_RED, "legal_terms") in {(r["account"], r["task"]) for r in today_rows(run)}

    message = done(run, "task", MANY_RED, "legal_terms", "--note", "Pat (Legal) confirmed")

    assert message == "Done: Legal confirms the termination terms and dates; case updated.\n"
    legal = tasks_of(run, MANY_RED)["legal_terms"]
    assert (legal["state"], legal["done_by"]) == ("done", ME)
    assert (MANY_RED, "legal_terms") not in {(r["account"], r["task"]) for r in today_rows(run)}
    again = refused(run, "task", MANY_RED, "legal_terms")
    assert again.startswith(
        "offboard: Conflict: 'Legal confirms the termination terms and dates; case updated' "
        f"was already done by {ME} on "
    )

    reopened = done(run, "task", MANY_RED, "legal_terms", "--undo")

    assert reopened == "Reopened: Legal confirms the termination terms and dates; case updated.\n"
    legal = tasks_of(run, MANY_RED)["legal_terms"]
    assert (legal["state"], legal["done_by"]) == ("overdue", None)
    assert (MANY_RED, "legal_terms") in {(r["account"], r["task"]) for r in today_rows(run)}
    assert "is not ticked, so there is nothing to reopen" in refused(
        run, "task", MANY_RED, "legal_terms", "--undo"
    )


def test_task_may_be_named_by_its_title(run: Run, demo_db: str) -> None:
    done(run, "task", MANY_RED, "Off-boarding tasks assigned to the termination team")

    assert tasks_of(run, MANY_RED)["team_tasks_assigned"]["state"] == "done"


def test_task_refuses_an_unknown_task_and_one_not_ticked_by_hand(run: Run, demo_db: str) -> None:
    unknown = refused(run, "task", MANY_RED, "coffee_break")
    assert unknown == (
        "offboard: Invalid input: 'coffee_break' is not a task of the plan. Its tasks are: "
        f"{', '.join(PLAN_KEYS)}.\n"
    )
    by_record = refused(run, "task", MANY_RED, "access_deactivated")
    assert by_record.startswith(
        "offboard: Invalid input: 'Customer access deactivated; GUIDs attached to the case' "
        "is not ticked by hand: it is done by recording the deactivation of access"
    )
    assert tasks_of(run, MANY_RED)["access_deactivated"]["state"] == "overdue"


# ----------------------------------------------------------------------------- sign-off


def test_sign_offs_then_the_final_confirmation_clear_the_section(run: Run, demo_db: str) -> None:
    # Finance signed in the demo; the final confirmation waits for the four others.
    early = refused(run, "sign-off", MANY_RED, "final")
    assert early.startswith(
        "offboard: Not ready: The final confirmation comes after every other sign-off. "
        "Still missing: Customer Operations confirms customer attrition; Marketing adds the "
        "customer to the exclusion lists; Marketing removes public references to the customer; "
        "Sales Ops confirms no pipeline."
    )

    for team in ("customer_operations", "marketing_exclusion", "marketing_references"):
        assert done(run, "sign-off", MANY_RED, team, "--note", "by e-mail").startswith("Signed: ")
    assert (
        done(run, "sign-off", MANY_RED, "sales_ops") == "Signed: Sales Ops confirms no pipeline.\n"
    )
    section = sections_of(run, MANY_RED)["sign_offs"]
    assert (section["state"], section["summary"]) == (
        "blocking",
        "5 of 6 signed; the final confirmation is left",
    )
    assert tasks_of(run, MANY_RED)["sign_offs"]["state"] != "done"

    final = done(run, "sign-off", MANY_RED, "final", "--note", "Order Management: all in")

    assert final == "Signed: Order Management's final confirmation.\n"
    section = sections_of(run, MANY_RED)["sign_offs"]
    assert (section["state"], section["summary"]) == (
        "clear",
        f"All 6 signed; final confirmation by {ME}",
    )
    sign_offs = tasks_of(run, MANY_RED)["sign_offs"]
    assert (sign_offs["state"], sign_offs["done_by"], sign_offs["detail"]) == (
        "done",
        ME,
        "all signed",
    )


def test_sign_off_withdraw_takes_the_final_confirmation_back_first(run: Run, demo_db: str) -> None:
    for team in ("customer_operations", "marketing_exclusion", "marketing_references", "sales_ops"):
        done(run, "sign-off", MANY_RED, team)
    done(run, "sign-off", MANY_RED, "final")

    blocked = refused(run, "sign-off", MANY_RED, "sales_ops", "--withdraw")
    assert blocked == (
        "offboard: Conflict: Withdraw the final confirmation first: it rests on this sign-off.\n"
    )
    twice = refused(run, "sign-off", MANY_RED, "finance")
    assert twice.startswith(
        "offboard: Conflict: 'Finance confirms invoicing and payment status' was already "
        f"recorded by {ME} on "
    )

    withdrawn = done(run, "sign-off", MANY_RED, "final", "--withdraw")
    assert withdrawn == "Withdrawn: Order Management's final confirmation.\n"
    assert sections_of(run, MANY_RED)["sign_offs"]["state"] == "blocking"
    done(run, "sign-off", MANY_RED, "sales_ops", "--withdraw")
    assert sections_of(run, MANY_RED)["sign_offs"]["summary"] == (
        "4 of 6 signed; waiting for Sales Ops"
    )
    assert "'Sales Ops confirms no pipeline' is not signed" in refused(
        run, "sign-off", MANY_RED, "sales_ops", "--withdraw"
    )


def test_sign_off_refuses_a_team_it_does_not_know(run: Run, demo_db: str) -> None:
    err = refused(run, "sign-off", MANY_RED, "legal")

    assert err == (
        "offboard: Invalid input: 'legal' is not a sign-off. Use one of: customer_operations, "
        "finance, marketing_exclusion, marketing_references, sales_ops, final.\n"
    )


# ------------------------------------------------ several sign-offs at once, and undo (both backends)


@pytest.fixture
def demo_each(db: OpenedDatabase) -> OpenedDatabase:
    """The demo loaded into an empty database of each backend (SQLite and PostgreSQL), which
    OFFBOARD_DATABASE names."""
    load(login=LEAD)
    return db


def audit_actions(account: str) -> list[str]:
    """The audit events' actions on the customer, oldest first."""
    with connection():
        customer = Customer.get(Customer.account == account)
        query = (
            AuditEvent.select(AuditEvent.action)
            .where(AuditEvent.customer == customer.id)
            .order_by(AuditEvent.id)
        )
        return [str(event.action) for event in query]


def test_sign_off_takes_several_teams_together_or_none(run: Run, demo_each: OpenedDatabase) -> None:
    # The final confirmation among them, a sign-off missing: refused whole, nothing signed.
    early = refused(run, "sign-off", MANY_RED, "customer_operations", "final")
    assert early == (
        "offboard: Invalid input: The final confirmation comes after every other sign-off, so "
        "nothing was signed. Tick these too, or leave the final one for later: Marketing adds "
        "the customer to the exclusion lists; Marketing removes public references to the "
        "customer; Sales Ops confirms no pipeline.\n"
    )
    # Finance signed in the demo: refused whole, Customer Operations not signed either.
    again = refused(run, "sign-off", MANY_RED, "customer_operations", "finance")
    assert again.startswith(
        "offboard: Invalid input: Already recorded, so nothing was signed: 'Finance confirms "
        f"invoicing and payment status' by {ME} on "
    )
    assert refused(run, "sign-off", MANY_RED, "sales_ops", "legal").startswith(
        "offboard: Invalid input: 'legal' is not a sign-off. Use one of: "
    )
    assert sections_of(run, MANY_RED)["sign_offs"]["summary"].startswith("1 of 6 signed; ")
    before = version(run, MANY_RED)

    # The rest, the final confirmation first on the line: recorded in the playbook's order.
    result = run(
        "sign-off",
        MANY_RED,
        "final",
        "sales_ops",
        "customer_operations",
        "marketing_exclusion",
        "marketing_references",
        "--note",
        "Weekly call",
        "--json",
        "--expected-version",
        str(before),
    )

    assert result.code == 0, result.err
    shown = json.loads(result.out)
    assert set(shown) == {"account", "message", "count", "version", "customer"}
    assert (shown["account"], shown["count"], shown["version"]) == (MANY_RED, 5, before + 1)
    assert shown["message"] == (
        "Signed 5 sign-offs: Customer Operations confirms customer attrition; Marketing adds the "
        "customer to the exclusion lists; Marketing removes public references to the customer; "
        "Sales Ops confirms no pipeline; Order Management's final confirmation."
    )
    assert shown["customer"]["account"] == MANY_RED
    section = sections_of(run, MANY_RED)["sign_offs"]
    assert (section["state"], section["summary"]) == (
        "clear",
        f"All 6 signed; final confirmation by {ME}",
    )
    assert audit_actions(MANY_RED)[-5:] == ["sign off"] * 5
    # One team still reads as before; a stale version is refused.
    stale = refused(run, "sign-off", MANY_RED, "finance", "--withdraw", "--expected-version", "1")
    assert stale.startswith("offboard: Conflict: ")
    assert done(run, "sign-off", MANY_RED, "final", "--withdraw") == (
        "Withdrawn: Order Management's final confirmation.\n"
    )


def test_sign_off_withdraws_one_team_at_a_time(run: Run, demo_db: str) -> None:
    result = run("sign-off", MANY_RED, "finance", "sales_ops", "--withdraw")

    assert result.code == 2
    assert result.err.endswith("error: --withdraw takes one TEAM; withdraw the others one by one\n")


def test_undo_takes_back_a_sign_off_and_a_hand_ticked_task_while_pending(
    run: Run, demo_each: OpenedDatabase
) -> None:
    undone = run("undo", MANY_RED, "--sign-off", "finance", "--json")

    assert undone.code == 0, undone.err
    shown = json.loads(undone.out)
    assert shown["message"] == (
        "Undone: Finance confirms invoicing and payment status (the audit trail keeps who had "
        "signed)."
    )
    assert sections_of(run, MANY_RED)["sign_offs"]["summary"].startswith("0 of 6 signed; ")
    assert "'Finance confirms invoicing and payment status' is not signed" in refused(
        run, "undo", MANY_RED, "--sign-off", "finance"
    )
    # The final confirmation rests on the others: it is undone first.
    done(run, "sign-off", MANY_RED, "finance", *SIGN_OFF_TEAMS, "final")
    assert refused(run, "undo", MANY_RED, "--sign-off", "sales_ops") == (
        "offboard: Conflict: Undo the final confirmation ('Order Management's final "
        "confirmation') first: it rests on 'Sales Ops confirms no pipeline'.\n"
    )
    assert done(run, "undo", MANY_RED, "--sign-off", "final").startswith(
        "Undone: Order Management's final confirmation"
    )
    assert done(run, "undo", MANY_RED, "--sign-off", "Sales Ops confirms no pipeline").startswith(
        "Undone: Sales Ops confirms no pipeline"
    )

    # A task ticked by hand, taken back: it is no longer done; one not ticked is refused.
    if tasks_of(run, MANY_RED)["attrition_box"]["state"] != "done":
        done(run, "task", MANY_RED, "attrition_box", "--note", "checked")
    assert done(run, "undo", MANY_RED, "--task", "attrition_box").startswith("Undone: ")
    assert tasks_of(run, MANY_RED)["attrition_box"]["state"] != "done"
    assert "is not ticked by hand, so there is nothing to undo" in refused(
        run, "undo", MANY_RED, "--task", "attrition_box"
    )
    assert refused(run, "undo", MANY_RED, "--task", "no_such_task").startswith("offboard: ")
    assert audit_actions(MANY_RED).count("undo sign-off") == 3
    assert audit_actions(MANY_RED)[-1] == "undo task"

    # Processed: the undo is refused and says why.
    processed = refused(run, "undo", PROCESSED, "--task", "attrition_box")
    assert "can only be undone while the cancellation is pending. Nothing was changed." in (
        processed
    )
    assert "can only be undone while the cancellation is pending" in refused(
        run, "undo", PROCESSED, "--sign-off", "finance"
    )


def test_undo_takes_one_thing_at_a_time(run: Run, demo_db: str) -> None:
    result = run("undo", MANY_RED, "--sign-off", "finance", "--task", "attrition_box")

    assert result.code == 2
    assert "argument --task: not allowed with argument --sign-off" in result.err


# ----------------------------------------------------------------------------- deactivate


def test_deactivate_records_the_guids_given(run: Run, demo_db: str) -> None:
    assert sections_of(run, COLLECTIONS)["access_data"]["summary"].startswith(
        "Access not deactivated yet"
    )

    # Written in braces and capitals, or twice: one GUID each, the standard way.
    message = done(
        run, "deactivate", COLLECTIONS, "{" + GUID_A.upper() + "}", GUID_B, GUID_A.replace("-", "")
    )

    assert message == "Access deactivated: 2 GUIDs recorded.\n"
    task = tasks_of(run, COLLECTIONS)["access_deactivated"]
    assert (task["state"], task["done_by"], task["detail"]) == ("done", ME, "2 GUIDs")
    summary = sections_of(run, COLLECTIONS)["access_data"]["summary"]
    assert summary.startswith("Access deactivated (2 GUIDs); ")


def test_deactivate_reads_the_guids_from_stdin_and_replaces_the_list(
    run: Run, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    done(run, "deactivate", COLLECTIONS, GUID_A)
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{GUID_A}\n\n{GUID_B}, {GUID_C}\n"))

    message = done(run, "deactivate", COLLECTIONS)

    assert message == "Access deactivated: 3 GUIDs recorded.\n"
    assert tasks_of(run, COLLECTIONS)["access_deactivated"]["detail"] == "3 GUIDs"


@pytest.mark.parametrize("from_stdin", [False, True])
def test_deactivate_refuses_a_bad_guid_naming_its_line(
    run: Run, demo_db: str, monkeypatch: pytest.MonkeyPatch, from_stdin: bool
) -> None:
    guids = [GUID_A, GUID_B, "not-a-guid"]
    if from_stdin:
        monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(guids) + "\n"))
        argv = ["deactivate", COLLECTIONS]
    else:
        argv = ["deactivate", COLLECTIONS, *guids]

    err = refused(run, *argv)

    assert err.startswith("offboard: Invalid input: Line 3: 'not-a-guid' is not a GUID.")
    assert tasks_of(run, COLLECTIONS)["access_deactivated"]["state"] != "done"


def test_deactivate_with_no_guid_at_all_is_refused(
    run: Run, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n  \n"))

    err = refused(run, "deactivate", COLLECTIONS)

    assert err == (
        "offboard: Invalid input: No GUID was given: paste the GUIDs of what was deactivated.\n"
    )


# ----------------------------------------------------------------------------- data


def test_data_hold_approve_and_purge_in_their_order(run: Run, demo_db: str) -> None:
    # No purge before access is deactivated, nor before the account team approves.
    assert "access is not deactivated yet" in refused(run, "data", MANY_RED, "purged")
    done(run, "deactivate", MANY_RED, GUID_A)
    not_approved = refused(run, "data", MANY_RED, "purged")
    assert not_approved == (
        "offboard: Not ready: The account team has not approved the deletion: "
        "no purge before they do.\n"
    )
    assert sections_of(run, MANY_RED)["access_data"]["summary"] == (
        "Access deactivated (1 GUID); no data decision from the account team"
    )

    held = done(run, "data", MANY_RED, "hold", "--reason", "Litigation hold", "--review", "+60d")

    assert held.startswith("Data on hold until ")
    assert held.endswith(": Litigation hold.\n")
    until = held.removeprefix("Data on hold until ").split(":")[0]
    decision = tasks_of(run, MANY_RED)["data_decision"]
    assert (decision["state"], decision["detail"]) == (
        "done",
        f"on hold until {until}: Litigation hold",
    )
    access = sections_of(run, MANY_RED)["access_data"]
    assert access["state"] == "blocking"
    assert f"data on hold until {until}: Litigation hold" in access["summary"]
    on_hold = refused(run, "data", MANY_RED, "purged")
    assert f"The data is on hold until {until} (Litigation hold)" in on_hold

    assert done(run, "data", MANY_RED, "approve") == "Deletion of the customer's data approved.\n"
    assert tasks_of(run, MANY_RED)["data_decision"]["detail"] == "deletion approved"
    assert tasks_of(run, MANY_RED)["data_purged"]["state"] != "done"
    # The purge waits for the de-provisioning date: the contract ends today, say.
    assert refused(run, "data", MANY_RED, "purged").startswith(
        "offboard: Not ready: Data Purge Done cannot be recorded before the de-provisioning date, "
    )
    done(run, "effective", MANY_RED, "today")

    assert done(run, "data", MANY_RED, "purged") == "Data Purge Done recorded.\n"

    purged = tasks_of(run, MANY_RED)["data_purged"]
    assert (purged["state"], purged["done_by"], purged["detail"]) == (
        "done",
        ME,
        "Data Purge Done",
    )
    access = sections_of(run, MANY_RED)["access_data"]
    assert (access["state"], access["summary"]) == (
        "clear",
        f"Access deactivated (1 GUID); data purged by {ME}",
    )
    # After the purge nothing of it changes any more.
    assert "was already recorded by" in refused(run, "data", MANY_RED, "purged")
    assert "already purged" in refused(run, "data", MANY_RED, "approve")
    assert "already purged" in refused(run, "deactivate", MANY_RED, GUID_B)


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (["--reason", "Audit"], "A hold needs a review date: when will it be looked at again?"),
        (["--review", "+60d"], "A hold needs a reason: write why the data is kept."),
        (["--reason", "Audit", "--review", "today"], "is not after today"),
    ],
)
def test_data_hold_needs_a_reason_and_a_later_review_date(
    run: Run, demo_db: str, options: list[str], reason: str
) -> None:
    err = refused(run, "data", MANY_RED, "hold", *options)

    assert err.startswith("offboard: Invalid input: ")
    assert reason in err
    assert tasks_of(run, MANY_RED)["data_decision"]["state"] != "done"


def test_data_refuses_a_decision_it_does_not_know(run: Run, demo_db: str) -> None:
    result = run("data", MANY_RED, "delete")

    # A mistake in the command line itself: argparse says which choices there are.
    assert (result.code, result.out) == (2, "")
    assert "invalid choice: 'delete'" in result.err
