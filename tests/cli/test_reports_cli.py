"""``offboard report NAME``, ``offboard audit ACCOUNT`` (beside ``audit verify``) and
``offboard case-file ACCOUNT`` on the demo."""

from __future__ import annotations

import csv
import io
import json
import shutil
import stat
from pathlib import Path

import pytest

from data.db import connection
from data.models import Customer
from tests.cli.conftest import Run

SAGEBRUSH = "100027"  # processed, reasons Price and Moved to a competitor; Tess owns it now


def test_a_report_prints_its_table_json_and_csv(run: Run, demo_db: str) -> None:
    text = run("report", "churn-reasons")
    assert text.code == 0
    assert text.out.startswith("Churn reasons, ")
    assert "Moved to a competitor" in text.out and "Price" in text.out
    as_json = json.loads(run("report", "churn-reasons", "--json").out)
    assert as_json["report"] == "churn-reasons"
    assert set(as_json) >= {"period", "previous_period", "headline", "summary", "rows"}
    reasons = {row["reason"]: row["cancellations"] for row in as_json["rows"]}
    assert reasons["Price"] >= 1 and reasons["Moved to a competitor"] >= 1
    rows = list(csv.DictReader(io.StringIO(run("report", "churn-reasons", "--csv").out)))
    assert [row["reason"] for row in rows] == [row["reason"] for row in as_json["rows"]]


@pytest.mark.parametrize("name", ["voluntary", "save-rate", "time-to-cancel", "win-back"])
def test_every_report_runs_on_an_empty_period(run: Run, demo_db: str, name: str) -> None:
    result = run("report", name, "--from", "2001-01-01", "--to", "2001-01-31", "--json")
    assert result.code == 0
    assert json.loads(result.out)["period"] == {"from": "2001-01-01", "to": "2001-01-31"}


def test_win_back_mine_is_the_call_list_of_whoever_runs_it(run: Run, demo_db: str) -> None:
    ahead = ("--from", "today", "--to", "+900d", "--json")
    tess = json.loads(run("--user", "tess", "report", "win-back", "--mine", *ahead).out)
    assert SAGEBRUSH in [row["account"] for row in tess["rows"]]
    assert all(row["owner_login"] == "tess" for row in tess["rows"])
    lead = json.loads(run("report", "win-back", "--mine", *ahead).out)
    assert SAGEBRUSH not in [row["account"] for row in lead["rows"]]


def test_report_refusals_are_one_line(run: Run, demo_db: str) -> None:
    assert run("report", "churn").code == 2
    assert run("report", "voluntary", "--mine").code == 2
    backwards = run("report", "voluntary", "--from", "2026-02-01", "--to", "2026-01-01")
    assert backwards.code == 1 and "before it starts" in backwards.err
    assert len(backwards.err.strip().splitlines()) == 1


def test_audit_account_beside_audit_verify(run: Run, demo_db: str) -> None:
    trail = run("audit", SAGEBRUSH)
    assert trail.code == 0
    lines = trail.out.splitlines()
    assert lines[0].startswith("WHEN (") and "WHO" in lines[0]
    assert any(" begin: status: Live → Live (PC)" in line for line in lines)
    assert lines[-1].startswith("audit trail intact, ")
    as_json = json.loads(run("audit", SAGEBRUSH, "--json").out)
    assert as_json["account"] == SAGEBRUSH and as_json["chain"]["holds"] is True
    assert {"at", "local", "actor", "action", "before", "after"} <= set(as_json["events"][0])
    kinds = json.loads(run("audit", SAGEBRUSH, "--kind", "process", "--json").out)
    assert [event["action"] for event in kinds["events"]] == ["process"]
    verify = run("audit", "verify")
    assert verify.code == 0 and verify.out.endswith("events, the chain holds.\n")
    missing = run("audit", "999999")
    assert missing.code == 1 and "999999" in missing.err


def test_case_file_writes_html_and_markdown(run: Run, demo_db: str, tmp_path: Path) -> None:
    page = tmp_path / "case.html"
    result = run("case-file", SAGEBRUSH, "--out", page)
    assert result.code == 0 and str(page) in result.out
    assert '<section id="audit-trail">' in page.read_text(encoding="utf-8")
    notes = tmp_path / "case.md"
    assert run("case-file", SAGEBRUSH, "--out", notes, "--format", "md").code == 0
    assert notes.read_text(encoding="utf-8").startswith("# Case file: Sagebrush Hospice")
    assert run("case-file", SAGEBRUSH).code == 2  # --out is required


EVIL_NAMES = ['=HYPERLINK("http://evil.example","x")', "@SUM(1+1)*cmd|' /C calc'!A0"]


def test_the_csv_a_spreadsheet_opens_holds_no_formula(run: Run, demo_db: str) -> None:
    ahead = ("--from", "today", "--to", "+900d")
    for name in EVIL_NAMES:
        with connection():
            Customer.update(name=name).where(Customer.account == SAGEBRUSH).execute()
        rows = list(csv.DictReader(io.StringIO(run("report", "win-back", *ahead, "--csv").out)))
        (row,) = [row for row in rows if row["account"] == SAGEBRUSH]
        assert row["customer"] == "'" + name  # text in the spreadsheet, never a formula
        assert row["save_attempts"] == "1"  # numbers stay numbers
        as_json = json.loads(run("report", "win-back", *ahead, "--json").out)
        assert name in [row["customer"] for row in as_json["rows"]]  # JSON holds it exactly


def test_case_file_never_writes_over_the_database_or_an_existing_file(
    run: Run, demo_db: str, tmp_path: Path
) -> None:
    database_file = Path(demo_db)
    refused = run("case-file", SAGEBRUSH, "--out", database_file, "--force")
    assert refused.code == 1
    assert refused.err == (
        f"offboard: Invalid input: {database_file} is the open offboard database: choose "
        "another file.\n"
    )
    assert database_file.read_bytes().startswith(b"SQLite format 3\x00")
    assert run("audit", "verify").code == 0  # the database is whole

    another = tmp_path / "backup.html"  # a SQLite file, whatever its name says
    shutil.copyfile(database_file, another)
    sqlite = run("case-file", SAGEBRUSH, "--out", another, "--force")
    assert sqlite.code == 1 and "is a SQLite database: choose another file." in sqlite.err
    assert another.read_bytes() == database_file.read_bytes()

    page = tmp_path / "case.html"
    page.write_text("mine", encoding="utf-8")
    exists = run("case-file", SAGEBRUSH, "--out", page)
    assert exists.code == 1
    assert exists.err == f"offboard: Invalid input: {page} exists: add --force to replace it.\n"
    assert page.read_text(encoding="utf-8") == "mine"
    assert run("case-file", SAGEBRUSH, "--out", page, "--force").code == 0
    assert '<section id="audit-trail">' in page.read_text(encoding="utf-8")
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
