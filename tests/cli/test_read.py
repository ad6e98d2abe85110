"""Reading from the command line: list, show, users list and reasons list, in text and JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from data import customers
from tests.cli.conftest import Run
from tui.cli.commands import customers as customer_commands

CUSTOMER_KEYS = {"account", "name", "status", "owner"}
SECTION_KEYS = {"key", "name", "state", "summary", "blocking", "total", "gates"}
USER_KEYS = {"login", "name", "email", "roles", "active"}


def listed(run: Run, *argv: str) -> list[dict[str, object]]:
    result = run("list", "--json", *argv)
    assert result.code == 0, result.err
    rows: list[dict[str, object]] = json.loads(result.out)
    return rows


def test_list_json_has_every_demo_customer_by_name_with_the_documented_keys(
    run: Run, demo_db: str
) -> None:
    rows = listed(run)
    assert len(rows) == 40
    assert {tuple(sorted(row)) for row in rows} == {tuple(sorted(CUSTOMER_KEYS))}
    assert [row["account"] for row in rows if row["name"] == "Alder & Finch Accounting"] == [
        "100034"
    ]
    names = [str(row["name"]).lower() for row in rows]
    assert names == sorted(names)
    by_account = {row["account"]: row for row in rows}
    assert by_account["100011"] == {
        "account": "100011",
        "name": "Pinecrest Home Health",
        "status": "Live (PC)",
        "owner": "Jordan Price",
    }
    # Processed: Cancelled, and owned by the new owner chosen in the cancellation.
    assert by_account["100027"]["status"] == "Cancelled"
    assert by_account["100027"]["owner"] == "Tess Okafor"
    assert by_account["100001"]["status"] == "Live"


def test_list_reads_page_by_page_and_misses_nothing(
    run: Run, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = listed(run)
    # 40 customers: five full pages and a short one
    monkeypatch.setattr(customer_commands, "PAGE", 7)
    calls: list[object] = []
    page = customers.customer_page

    def counted(*args: Any, **kwargs: Any) -> list[customers.CustomerRow]:
        calls.append(kwargs.get("after"))
        return page(*args, **kwargs)

    monkeypatch.setattr(customers, "customer_page", counted)
    assert listed(run) == whole
    assert len(calls) == 6
    assert calls[0] is None
    assert all(isinstance(after, tuple) for after in calls[1:])


@pytest.mark.parametrize(
    ("status", "accounts"),
    [
        ("live-pc", {"100011", "100012", "100015"}),
        ("cancelled", {"100027"}),
        ("Live-PC", {"100011", "100012", "100015"}),
    ],
)
def test_list_filters_by_status(run: Run, demo_db: str, status: str, accounts: set[str]) -> None:
    rows = listed(run, "--status", status)
    assert {row["account"] for row in rows} == accounts


def test_list_live_leaves_out_the_pending_and_the_cancelled(run: Run, demo_db: str) -> None:
    rows = listed(run, "--status", "live")
    # 40 customers: 3 pending, 1 cancelled and 1 paused (Brightside Pediatrics) are not Live.
    assert len(rows) == 35
    assert {row["status"] for row in rows} == {"Live"}
    assert "100006" not in {row["account"] for row in rows}


def test_list_searches_names_and_account_numbers(run: Run, demo_db: str) -> None:
    assert [row["name"] for row in listed(run, "--search", "pine")] == ["Pinecrest Home Health"]
    by_number = listed(run, "--search", "10001")
    assert sorted(str(row["account"]) for row in by_number) == [f"1000{n}" for n in range(10, 20)]
    assert listed(run, "--search", "zzz") == []


def test_list_text_has_a_header_and_a_line_per_customer(run: Run, demo_db: str) -> None:
    result = run("list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["ACCOUNT", "STATUS", "NAME", "OWNER"]
    assert len(lines) == 41
    pinecrest = next(line for line in lines if line.startswith("100011"))
    assert pinecrest.split("  ")[0:1] == ["100011"]
    assert "Live (PC)" in pinecrest
    assert "Pinecrest Home Health" in pinecrest
    assert pinecrest.endswith("Jordan Price")


def test_list_text_says_so_when_nothing_matches(run: Run, demo_db: str) -> None:
    result = run("list", "--search", "zzz")
    assert result.code == 0
    assert result.out.startswith("No customers match")


def test_show_json_of_the_nearly_ready_customer(run: Run, demo_db: str) -> None:
    result = run("show", "100011", "--json")
    assert result.code == 0, result.err
    shown = json.loads(result.out)
    assert shown["account"] == "100011"
    assert shown["name"] == "Pinecrest Home Health"
    assert shown["status"] == "Live (PC)"
    assert shown["owner"] == "Jordan Price"
    assert shown["red"] == ["Sales orders"]
    assert shown["ready"] is False
    sections = {section["key"]: section for section in shown["sections"]}
    assert all(set(section) == SECTION_KEYS for section in shown["sections"])
    assert list(sections) == [
        "reasons",
        "ownership",
        "expiry",
        "assets",
        "cases",
        "opportunities",
        "quotations",
        "sales_orders",
        "retention",
        "approval",
        "final_amount",
        "admin_notified",
        "timeline",
        "sign_offs",
        "access_data",
        "mood",
    ]
    blocking = [key for key, section in sections.items() if section["state"] == "blocking"]
    assert blocking == ["sales_orders"]
    assert sections["sales_orders"]["name"] == "Sales orders"
    assert sections["sales_orders"]["blocking"] == 1
    # its termination timeline is finished: only the sales order holds it back
    assert [sections[key]["state"] for key in ("timeline", "sign_offs", "access_data")] == [
        "clear",
        "clear",
        "clear",
    ]
    assert sections["mood"]["state"] == "optional"
    assert sections["mood"]["summary"] == "Mood: Disappointed"
    # its save attempt was lost and its cancel request approved: neither holds it back
    assert sections["retention"]["state"] == "clear"
    assert sections["retention"]["summary"].startswith("Save attempt lost (")
    # approved, it holds nothing back; its effective date (in 5 days) is not the cancellation's
    # (today), which the section notes with both dates (a note never blocks)
    assert sections["approval"]["state"] == "note"
    assert "Effective dates differ: the request says" in sections["approval"]["summary"]
    assert "(Cancel request #" in sections["approval"]["summary"]
    assert "Approval" not in shown["red"] and shown["red"] == ["Sales orders"]
    cancellation = shown["cancellation"]
    assert cancellation["state"] == "pending"
    assert cancellation["begun_by"] == "Alex Morgan"
    assert cancellation["reasons"] == ["Price", "Moved to a competitor"]
    assert cancellation["new_owner"] == "Tess Okafor"
    assert cancellation["new_owner_login"] == "tess"
    assert cancellation["processed_at"] is None
    begun = dt.datetime.fromisoformat(cancellation["begun_at"])
    assert begun.utcoffset() == dt.timedelta(0)


def test_show_json_of_a_customer_without_cancellation(run: Run, demo_db: str) -> None:
    shown = json.loads(run("show", "100001", "--json").out)
    assert shown["status"] == "Live"
    assert shown["cancellation"] is None
    assert shown["ready"] is False
    # Without a cancellation, no reason and no new owner: those sections are red.
    assert {"Cancellation reasons", "Ownership"} <= set(shown["red"])


def test_show_json_of_a_processed_cancellation(run: Run, demo_db: str) -> None:
    shown = json.loads(run("show", "100027", "--json").out)
    assert shown["status"] == "Cancelled"
    assert shown["cancellation"]["state"] == "processed"
    assert shown["cancellation"]["processed_by"] == "Riley Chen"
    assert dt.datetime.fromisoformat(shown["cancellation"]["processed_at"]).tzinfo is not None


def test_show_text_marks_the_blocking_section(run: Run, demo_db: str) -> None:
    result = run("show", "100011")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "Pinecrest Home Health (100011)"
    blocking = [line.split() for line in lines if line.strip().startswith("BLOCKING")]
    assert blocking[0][:3] == ["BLOCKING", "Sales", "orders"]
    assert len(blocking) == 1
    assert "Cancellation pending" in result.out
    assert lines[-1] == "Not ready: 1 section still red: Sales orders."


def test_show_an_unknown_account_is_refused(run: Run, demo_db: str) -> None:
    result = run("show", "999999", "--json")
    assert result.code == 1
    assert result.out == ""
    assert result.err == "offboard: Not found: There is no customer with account number '999999'.\n"


def test_users_list_json(run: Run, demo_db: str) -> None:
    result = run("users", "list", "--json")
    assert result.code == 0
    users = {user["login"]: user for user in json.loads(result.out)}
    # 12 users: the demo's 11 (retention, the approvers and Finance among them) and the lead
    # who loaded it
    assert sorted(users) == [
        "alex",
        "amy",
        "anglee",
        "casey",
        "dustin",
        "jeremy",
        "jordan",
        "kim",
        "lead",
        "riley",
        "sam",
        "tess",
    ]
    assert all(set(user) == USER_KEYS for user in users.values())
    assert users["sam"] == {
        "login": "sam",
        "name": "Sam Lee",
        "email": "sam.lee@example.com",
        "roles": ["crm-admin", "customer-cancellation"],
        "active": True,
    }
    assert users["casey"]["active"] is False
    assert users["tess"]["roles"] == []
    assert users["lead"]["roles"] == ["crm-admin", "customer-cancellation"]
    assert (users["amy"]["roles"], users["jeremy"]["roles"], users["kim"]["roles"]) == (
        ["retention"],
        ["approver"],
        ["finance"],
    )


def test_users_list_text(run: Run, demo_db: str) -> None:
    result = run("users", "list")
    lines = result.out.splitlines()
    assert lines[0].split() == ["LOGIN", "NAME", "ROLES", "ACTIVE", "EMAIL"]
    casey = next(line for line in lines if line.startswith("casey"))
    assert casey.split()[-2:] == ["no", "casey.ward@example.com"]


def test_reasons_list(run: Run, demo_db: str) -> None:
    reasons = json.loads(run("reasons", "list", "--json").out)
    assert [reason["name"] for reason in reasons][:2] == ["Price", "Moved to a competitor"]
    assert len(reasons) == 8
    assert all(set(reason) == {"id", "name", "active"} for reason in reasons)
    text = run("reasons", "list").out.splitlines()
    assert text[0].split() == [str(reasons[0]["id"]), "Price"]
