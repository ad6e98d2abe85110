"""Retention from the command line (issue 15), on the demo: save attempts, the offer list,
change requests through the approval chain, approvals waiting for me, and Resume; every
refusal one line on stderr, exit 1; a usage mistake exit 2."""

from __future__ import annotations

import json

from tests.cli.conftest import Run

REDWOOD, OAKRIDGE, HARBORVIEW, LAKESHORE, PAUSED = "100012", "100008", "100009", "100010", "100006"
LIVE = "100002"  # Blue Harbor Logistics: Live, owned by Riley Chen


def ok(run: Run, *args: str) -> str:
    result = run(*args)
    assert result.code == 0, result.err
    return result.out


def test_a_save_attempt_is_recorded_and_listed(run: Run, demo_db: str) -> None:
    out = ok(
        run,
        "save-attempt",
        LIVE,
        "--outcome",
        "open",
        "--concern",
        "Too dear",
        "--offer",
        "Discount",
        "--offer",
        "plan change",
        "--user",
        "amy",
    )
    assert out == (
        "Save attempt on Blue Harbor Logistics recorded, offering Discount, Plan change: Open.\n"
    )
    shown = json.loads(
        ok(run, "save-attempt", LIVE, "--outcome", "lost", "--json", "--user", "anglee")
    )
    assert shown["attempt"]["outcome"] == "lost" and shown["attempt"]["by_login"] == "anglee"
    assert set(shown) == {"message", "account", "version", "attempt"}
    listed = json.loads(ok(run, "save-attempts", LIVE, "--json"))
    assert [(a["outcome"], a["offers"]) for a in listed] == [
        ("lost", []),
        ("open", ["Discount", "Plan change"]),
    ]
    assert set(listed[0]) == {
        "id",
        "account",
        "by",
        "by_login",
        "at",
        "concern",
        "offers",
        "outcome",
        "note",
    }


def test_save_attempt_mistakes_and_refusals(run: Run, demo_db: str) -> None:
    assert run("save-attempt", LIVE).code == 2
    assert run("save-attempt", LIVE, "--outcome", "maybe").code == 2
    refused = run("save-attempt", LIVE, "--outcome", "lost", "--user", "tess")
    assert refused.code == 1
    assert refused.err.startswith("offboard: Not allowed: Tess Okafor cannot record a save attempt")
    unknown = run("save-attempt", LIVE, "--outcome", "lost", "--offer", "Free beer")
    assert unknown.code == 1 and "There is no offer 'Free beer'" in unknown.err
    # Redwood (pending): a note why no attempt was made clears its Retention section.
    ok(run, "save-attempt", REDWOOD, "--no-attempt", "The owner refused the call")
    sections = {s["key"]: s for s in json.loads(ok(run, "show", REDWOOD, "--json"))["sections"]}
    assert sections["retention"]["state"] == "clear"


def test_the_chain_from_the_command_line(run: Run, demo_db: str) -> None:
    made = json.loads(
        ok(
            run,
            "change-request",
            "create",
            LIVE,
            "--kind",
            "reduce",
            "--effective",
            "+30d",
            "--credit",
            "75",
            "--no-retention",
            "--json",
            "--user",
            "riley",
        )
    )
    request = made["request"]
    number = str(request["id"])
    assert (request["state"], request["credit"], request["retention"]) == ("draft", "75.00", False)
    ok(run, "change-request", "submit", number, "--user", "riley")  # the account manager
    waiting = json.loads(ok(run, "approvals", "--json", "--user", "jeremy"))
    assert number in [str(r["id"]) for r in waiting]
    out = ok(run, "approve", number, "--comment", "ok", "--user", "jeremy")
    assert out.startswith(f"Step 1 (First approval) of change request #{number} approved")
    again = run("approve", number, "--user", "jeremy")
    assert again.code == 1 and "You already decided step 1" in again.err
    turn = run("approve", number, "--user", "kim")
    assert turn.code == 1 and "Out of turn" in turn.err
    ok(run, "approve", number, "--user", "dustin")
    done = json.loads(ok(run, "approve", number, "--json", "--user", "kim"))
    assert done["request"]["state"] == "approved"
    assert [s["by"] for s in done["request"]["steps"]] == [
        "Jeremy Blake",
        "Dustin Hale",
        "Kim Novak",
    ]
    shown = json.loads(ok(run, "change-request", "show", number, "--json"))
    assert [h["action"] for h in shown["history"]][-1] == "approve change request"
    text = ok(run, "change-request", "show", number)
    assert "3. Finance approves the credit (anyone with the finance role) — approved" in text


def test_reject_edit_resubmit_and_bad_values(run: Run, demo_db: str) -> None:
    bad = run(
        "change-request", "create", LIVE, "--kind", "cancel", "--effective", "+5d", "--credit", "-1"
    )
    assert bad.code == 1 and "cannot be negative" in bad.err
    bad = run(
        "change-request", "create", LIVE, "--kind", "pause", "--effective", "+5d", "--end", "+1d"
    )
    assert bad.code == 1 and "before its start" in bad.err
    assert run("reject", "3").code == 2  # --comment is required
    out = ok(run, "reject", "3", "--comment", "Not yet", "--user", "jeremy")
    assert "rejected at First approval" in out
    locked = run("change-request", "edit", "4", "--notes", "x", "--user", "amy")
    assert locked.code == 1 and "locked while it is in approval" in locked.err
    ok(run, "change-request", "edit", "3", "--notes", "Second try", "--user", "amy")
    ok(run, "change-request", "submit", "3", "--user", "amy")
    refused = run("change-request", "submit", "3", "--user", "amy")
    assert refused.code == 1 and "locked" in refused.err
    assert json.loads(ok(run, "change-request", "show", "3", "--json"))["round"] == 2


def test_resume_a_paused_customer(run: Run, demo_db: str) -> None:
    assert json.loads(ok(run, "show", PAUSED, "--json"))["status"] == "Paused"
    begin = run("begin", PAUSED)
    assert begin.code == 1 and "Paused" in begin.err
    done = json.loads(ok(run, "resume", PAUSED, "--json"))
    assert done["status"] == "Live"
    assert done["message"].startswith("Brightside Pediatrics resumed: Live again")
    again = run("resume", PAUSED)
    assert again.code == 1 and "not Paused" in again.err
