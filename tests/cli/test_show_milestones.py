"""``show`` and ``show --json`` say which milestone each section holds back (issue 22): a section
red only for Close is not called BLOCKING, is not in ``red`` (what ``ready`` checks) but in
``red_for_close``, and every section has ``gates``; a row's state and summary say the same; the
case's scenario and playbook are shown. On both backends, the demo loaded into each.

The case is the README's walkthrough on Prairie Wind Energy (100024) up to Process: every
section that gates Process clear, the Timeline waiting for Close, Sign-offs and Access & data
red for Close."""

from __future__ import annotations

import json
from typing import Any

import pytest

from data.demo import load
from data.playbook import current_playbook
from tests.cli.conftest import LEAD, Run
from tests.conftest import OpenedDatabase

ACCOUNT = "100024"  # Prairie Wind Energy, owned by Sam Lee
MANY_RED = "100012"  # begun four days ago: Close tasks overdue, much red for Process
TERMINATION = ("timeline", "sign_offs", "access_data")
WALKTHROUGH = [
    ("begin", ACCOUNT),
    ("reasons", "set", ACCOUNT, "Price", "--text", "Budget cut"),
    ("save-attempt", ACCOUNT, "--outcome", "lost", "--concern", "Budget cut"),
    ("owner", ACCOUNT, "tess"),
    ("expiry", ACCOUNT, "+1y"),
    ("cease", ACCOUNT, "--all"),
    ("close-records", ACCOUNT, "cases", "--all"),
    ("close-records", ACCOUNT, "opportunities", "--all", "--state", "lost"),
    ("close-records", ACCOUNT, "quotations", "--all", "--state", "lost"),
    ("confirm", ACCOUNT, "final-amount-email"),
    ("confirm", ACCOUNT, "payment-confirmed"),
    ("confirm", ACCOUNT, "admin-notified", "--note", "told in a call"),
    ("effective", ACCOUNT, "+30d"),
    ("task", ACCOUNT, "notice_received"),
    ("task", ACCOUNT, "account_team_informed"),
    ("task", ACCOUNT, "attrition_box"),
]


@pytest.fixture
def demo_each(db: OpenedDatabase) -> OpenedDatabase:
    """The demo loaded into an empty database of each backend, which OFFBOARD_DATABASE names."""
    load(login=LEAD)
    return db


def shown(run: Run, account: str) -> dict[str, Any]:
    result = run("show", account, "--json")
    assert result.code == 0, result.err
    value: dict[str, Any] = json.loads(result.out)
    return value


def ready_for_process(run: Run) -> None:
    for argv in WALKTHROUGH:
        result = run(*argv)
        assert result.code == 0, (argv, result.err)


def test_only_close_sections_red_reads_ready_with_red_empty(
    run: Run, demo_each: OpenedDatabase
) -> None:
    ready_for_process(run)

    customer = shown(run, ACCOUNT)

    assert customer["ready"] is True
    assert customer["red"] == []
    assert customer["red_for_close"] == ["Sign-offs", "Access & data"]
    sections = {section["key"]: section for section in customer["sections"]}
    assert {key: section["gates"] for key, section in sections.items()} == {
        **{key: "process" for key in sections if key not in (*TERMINATION, "mood")},
        "timeline": "close",
        "sign_offs": "close",
        "access_data": "close",
        "mood": None,
    }
    assert [sections[key]["state"] for key in TERMINATION] == ["waiting", "blocking", "blocking"]
    assert sections["timeline"]["summary"].startswith("Ready for Process; 9 tasks for Close")
    # ready is true, and Process does go through.
    assert run("process", ACCOUNT).code == 0
    after = shown(run, ACCOUNT)
    assert (after["ready"], after["red"]) == (False, [])
    assert after["red_for_close"] == ["Sign-offs", "Access & data"]


def test_show_text_marks_what_is_red_only_for_close(run: Run, demo_each: OpenedDatabase) -> None:
    ready_for_process(run)

    result = run("show", ACCOUNT)

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "BLOCKING" not in result.out
    assert [line.split()[:3] for line in lines if line.startswith("  for Close")] == [
        ["for", "Close", "Sign-offs"],
        ["for", "Close", "Access"],
    ]
    assert any(line.split()[:2] == ["waiting", "Timeline"] for line in lines)
    assert lines[-1] == (
        "Ready for Process; left for Close: Timeline, Sign-offs, Access & data. "
        f"Process it with: offboard process {ACCOUNT}"
    )


def test_show_says_the_scenario_and_the_playbook_of_the_case(
    run: Run, demo_each: OpenedDatabase
) -> None:
    assert run("begin", ACCOUNT).code == 0
    playbook = current_playbook()

    customer = shown(run, ACCOUNT)
    text = run("show", ACCOUNT).out

    assert customer["cancellation"]["scenario"] == "buyout"
    assert customer["cancellation"]["scenario_name"] == "Cancellation request (buyout)"
    assert customer["case"]["playbook"] == {
        "name": playbook.name,
        "version": playbook.digest[:8],
        "digest": playbook.digest,
    }
    assert "\n  Scenario      Cancellation request (buyout)\n" in text
    assert f"\n  Playbook      {playbook.name} · {playbook.digest[:8]}\n" in text


def test_a_timeline_overdue_only_for_close_is_red_for_close_not_ready_for_process(
    run: Run, demo_each: OpenedDatabase
) -> None:
    customer = shown(run, MANY_RED)

    timeline = next(s for s in customer["sections"] if s["key"] == "timeline")
    assert (timeline["state"], timeline["gates"]) == ("blocking", "close")
    assert timeline["summary"].startswith("Due for Close: Legal confirms the termination terms")
    assert "Ready for Process" not in timeline["summary"]
    assert "Timeline" not in customer["red"]
    assert customer["red_for_close"] == ["Timeline", "Sign-offs", "Access & data"]
    text = run("show", MANY_RED).out
    assert "  for Close  Timeline" in text


def test_every_demo_row_has_one_meaning(run: Run, demo_each: OpenedDatabase) -> None:
    listed = json.loads(run("list", "--json").out)
    for row in listed:
        customer = shown(run, row["account"])
        pending = (customer["cancellation"] or {}).get("state") == "pending"
        holding = [
            s["name"]
            for s in customer["sections"]
            if s["gates"] == "process" and s["state"] in ("blocking", "waiting")
        ]
        assert customer["ready"] is (pending and not holding), row["account"]
        red = [s for s in customer["sections"] if s["state"] == "blocking"]
        assert customer["red"] == [s["name"] for s in red if s["gates"] == "process"]
        assert customer["red_for_close"] == [s["name"] for s in red if s["gates"] == "close"]
        for section in customer["sections"]:
            if section["state"] == "blocking":
                assert "Ready for Process" not in section["summary"], (row["account"], section)
