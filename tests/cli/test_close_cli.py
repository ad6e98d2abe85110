"""The second milestone from the command line: ``offboard close`` (the termination case of a
processed cancellation), ``effective --past``, and the ``case`` that ``show --json`` gains.

In the demo, 100027 (Sagebrush Hospice, Riley's) was processed today with its termination case still open: five
tasks are left for Close; 100011 (Pinecrest) is pending with its whole timeline done."""

from __future__ import annotations

import datetime as dt
import json
import re

from data import clock, notices, termination
from data.dates import today_in
from data.demo import SAMPLE_GUID
from data.playbook import current_playbook
from data.timeline import SIGN_OFFS
from tests.cli.conftest import Run

PROCESSED_OPEN = "100027"
PENDING = "100011"
RILEY = "riley"


def test_show_json_says_whether_the_case_is_open_and_its_playbook(run: Run, demo_db: str) -> None:
    shown = json.loads(run("show", PROCESSED_OPEN, "--json").out)
    assert shown["status"] == "Cancelled"
    assert shown["customer_type"] == "Customer"
    assert shown["case"] == {
        "open": True,
        "closed_at": None,
        "closed_by": None,
        "playbook": {
            "name": current_playbook().name,
            "version": current_playbook().digest[:8],
            "digest": current_playbook().digest,
        },
        "read_only": None,
    }
    assert json.loads(run("show", "100001", "--json").out)["case"] is None


def test_close_is_refused_while_tasks_are_left_and_before_process(run: Run, demo_db: str) -> None:
    early = run("close", PROCESSED_OPEN)
    assert early.code == 1
    assert early.out == ""
    assert early.err.startswith(
        "offboard: Not ready: The termination case of Sagebrush Hospice cannot be closed yet: "
        "5 tasks are not done ("
    )
    assert "Next: Final termination e-mail" in early.err
    pending = run("close", PENDING)
    assert pending.code == 1
    assert "is not processed yet: Process the cancellation first" in pending.err


def test_close_once_every_task_is_done(run: Run, demo_db: str) -> None:
    account = PROCESSED_OPEN
    for task in ("final_termination_mail",):
        draft = notices.compose_task_email(account, RILEY, task)
        termination.queue_task_email(
            RILEY, account, task, draft.recipients, draft.subject, draft.body
        )
    termination.decide_data(RILEY, account, "approve")
    for key in SIGN_OFFS:
        termination.sign_off(RILEY, account, key)
    termination.complete_task(RILEY, account, "purge_requested")
    shown = json.loads(run("show", account, "--json").out)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=20)  # past the de-provisioning date
    assert today_in(shown["time_zone"]) < later.date()
    with clock.frozen(later):
        refused = run("close", account)
        assert refused.code == 1 and "Data purge" in refused.err
        purge = run("data", account, "purged")
        assert purge.code == 0, purge.err
        version = json.loads(run("show", account, "--json").out)["version"]
        stale = run("close", account, "--expected-version", str(version - 1))
        assert stale.code == 1 and "after you loaded it" in stale.err
        done = run("close", account, "--json", "--expected-version", str(version))
    assert done.code == 0, done.err
    result = json.loads(done.out)
    assert re.fullmatch(
        r"The termination case of Sagebrush Hospice is closed: Sagebrush Hospice is a Former "
        r"Customer since \d{4}-\d\d-\d\d \d\d:\d\d\.",
        result["message"],
    )
    assert result["version"] == version + 1
    assert result["customer"]["customer_type"] == "Former Customer"
    assert result["customer"]["case"]["open"] is False
    assert result["customer"]["case"]["closed_by"] == "Lead"
    again = run("close", account)
    assert again.code == 1
    assert "termination case was closed on" in again.err


def test_effective_in_the_past_needs_past(run: Run, demo_db: str) -> None:
    refused = run("effective", PENDING, "-10d")
    assert refused.code == 1
    assert "is in the past (today is " in refused.err
    assert refused.err.endswith(
        "pass --past (or confirm in the tool) if the contract really ended then.\n"
    )
    done = run("effective", PENDING, "-10d", "--past")
    assert done.code == 0, done.err
    assert done.out.startswith("The effective date is ")


def test_deactivation_guids_are_kept_after_process(run: Run, demo_db: str) -> None:
    """The Timeline stays workable after Process: a missed GUID can still be added."""
    result = run("deactivate", PROCESSED_OPEN, SAMPLE_GUID, "0b7d6a52-6f3e-4c1a-9d55-2f1c8e4a7b90")
    assert result.code == 0, result.err
    assert result.out.startswith("Access deactivated: 2 GUIDs recorded.")
