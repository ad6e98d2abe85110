"""``offboard billing ACCOUNT [--json]``: what the app's Billing screen (b) shows — the account's
billing status, the latest invoices (past-due ones marked) and Billing's notes on its cases with
the phrases that matter — read by the same data function (``data.billing.billing``), the text
and the JSON saying the same. On both backends, the demo loaded into each."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from data.billing import billing
from data.demo import load
from tests.cli.conftest import LEAD, Run
from tests.conftest import OpenedDatabase

COLLECTIONS = "100015"  # Coastal Urgent Care: sent to collections, invoices past due
NO_NOTES = "100001"  # Northwind Dental Group: current, Billing wrote no note


@pytest.fixture
def demo_each(db: OpenedDatabase) -> OpenedDatabase:
    load(login=LEAD)
    return db


def billing_json(run: Run, account: str) -> dict[str, Any]:
    result = run("billing", account, "--json")
    assert result.code == 0, result.err
    value: dict[str, Any] = json.loads(result.out)
    return value


def test_billing_shows_what_the_billing_screen_reads(run: Run, demo_each: OpenedDatabase) -> None:
    screen = billing(COLLECTIONS)  # what the Billing screen is given

    shown = billing_json(run, COLLECTIONS)
    text = run("billing", COLLECTIONS)

    assert text.code == 0, text.err
    assert (shown["account"], shown["name"]) == (COLLECTIONS, screen.name)
    summary = shown["summary"]
    assert summary["line"] == screen.summary.line()
    assert summary["status"] == "Sent to collections"
    assert (summary["invoices"], summary["past_due"]) == (
        screen.summary.invoices,
        screen.summary.past_due,
    )
    assert summary["past_due"] > 0
    assert Decimal(summary["past_due_amount"]) == screen.summary.past_due_amount
    assert [row["number"] for row in shown["invoices"]] == [i.number for i in screen.invoices]
    assert [Decimal(row["amount"]) for row in shown["invoices"]] == [
        i.amount for i in screen.invoices
    ]
    assert [(n["case_id"], n["note"], n["flags"]) for n in shown["notes"]] == [
        (n.case_id, n.note, list(n.phrases)) for n in screen.notes
    ]
    assert "collections" in shown["notes"][0]["flags"]
    # The text says the same: the summary line, a line per invoice with its state, the notes.
    lines = text.out.splitlines()
    assert lines[0] == f"{screen.name} ({COLLECTIONS})"
    assert lines[1].startswith(f"  {screen.summary.line()} · ")
    for row in shown["invoices"]:
        line = next(line for line in lines if line.startswith(f"  {row['number']} "))
        words = (
            f"past due {row['days_overdue']} d"
            if row["status"] == "past due"
            else f"paid {row['paid_on']}"
            if row["paid_on"]
            else row["status"]
        )
        assert line.endswith(f"  {words}"), line
        assert f"{Decimal(row['amount']):,.2f}" in line
    for note in shown["notes"]:
        assert f"  Case {note['case_id']} · " in text.out
        assert f"[{', '.join(note['flags'])}]" in text.out
        assert f"    {note['note']}" in lines


def test_billing_without_notes_says_to_touch_base(run: Run, demo_each: OpenedDatabase) -> None:
    assert billing_json(run, NO_NOTES)["notes"] == []
    text = run("billing", NO_NOTES).out
    assert text.splitlines()[-1] == (
        "  Billing has written no note on this customer's cases: touch base with Billing."
    )


def test_billing_of_an_unknown_account_is_refused_in_one_line(
    run: Run, demo_each: OpenedDatabase
) -> None:
    result = run("billing", "424242")
    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        "offboard: Not found: There is no customer with account number '424242'.\n"
    )
