"""``offboard import salesforce DIR``: the summary as a table and as JSON, a dry run that writes
nothing, a refused import with every error on stderr and its last line, the exit codes, and the
progress line (on a terminal only)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from data.crm.summary import ImportSummary, ObjectSummary
from data.models import Case, Customer
from tests.cli.conftest import Run
from tests.cli.test_playbook_cli import unreadable_files
from tui.cli.commands.crm import ProgressLine, summary_table

Rows = Sequence[dict[str, str]]

USERS: Rows = [
    {
        "Id": "005000000000001AAA",
        "Username": "Dana.Ruiz@acme.example.com",
        "FirstName": "Dana",
        "LastName": "Ruiz",
        "Email": "dana.ruiz@acme.example.com",
        "IsActive": "true",
    },
]
ACCOUNTS: Rows = [
    {
        "Id": "001000000000001AAA",
        "IsDeleted": "false",
        "Name": "Ålesund Fjordklinikk",
        "AccountNumber": "SF-9001",
        "OwnerId": "005000000000001AAA",
    },
    {
        "Id": "001000000000002AAA",
        "IsDeleted": "false",
        "Name": 'Birch, Vale & "Sons"',
        "AccountNumber": "",
        "OwnerId": "005000000000001AAA",
    },
    {
        "Id": "001000000000003AAA",
        "IsDeleted": "true",
        "Name": "Deleted Dental",
        "AccountNumber": "SF-9003",
        "OwnerId": "005000000000001AAA",
    },
]
CASES: Rows = [
    {
        "Id": "500000000000001AAA",
        "IsDeleted": "false",
        "AccountId": "001000000000001AAA",
        "CaseNumber": "00001001",
        "Subject": "Login fails,\nsince Monday",
        "Status": "New",
        "IsClosed": "false",
        "CreatedDate": "2021-03-23T10:51:38.000Z",
    },
    {
        "Id": "500000000000002AAA",
        "IsDeleted": "false",
        "AccountId": "001000000000002AAA",
        "CaseNumber": "00001002",
        "Subject": "Invoice question",
        "Status": "Closed",
        "IsClosed": "true",
        "CreatedDate": "2021-04-01T08:00:00.000Z",
    },
]


def write_csv(path: Path, rows: Rows) -> None:
    """An object's file as Salesforce writes it: a BOM, CRLF, every field quoted."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL, lineterminator="\r\n"
        )
        writer.writeheader()
        writer.writerows(rows)


def write_export(folder: Path, **objects: Rows) -> Path:
    """A small export folder: the users, accounts and cases above unless replaced (an object
    given as an empty list is left out)."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = {"User": USERS, "Account": ACCOUNTS, "Case": CASES, **objects}
    for name, rows in chosen.items():
        if rows:
            write_csv(folder / f"{name}.csv", rows)
    return folder


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export")


def counts() -> tuple[int, int]:
    return Customer.select().count(), Case.select().count()


def test_a_dry_run_shows_the_table_and_writes_nothing(run: Run, demo_db: str, export: Path) -> None:
    before = counts()
    result = run("import", "salesforce", export, "--dry-run")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Dry run: nothing was written."
    header = lines[2].split()
    assert header[:4] == ["object", "read", "added", "updated"]
    assert "resolved" in header and header[-1] == "gone"
    account = next(line.split() for line in lines if line.startswith("Account "))
    # 3 read, 2 added, 0 updated, 0 unchanged, 1 skipped (deleted), 0 resolved here, 0 gone.
    assert account[1:] == ["3", "2", "0", "0", "1", "0", "0"]
    assert any(line.startswith("total ") for line in lines)
    assert "would change." in lines[-1]
    assert result.err == ""  # stderr is no terminal here: no progress line
    assert counts() == before


def test_the_import_adds_the_customers_and_the_same_export_again_changes_nothing(
    run: Run, demo_db: str, export: Path
) -> None:
    before = counts()
    result = run("import", "salesforce", export)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "Imported."
    assert counts() == (before[0] + 2, before[1] + 2)
    shown = run("show", "SF-9001", "--json")
    assert shown.code == 0, shown.err
    assert json.loads(shown.out)["name"] == "Ålesund Fjordklinikk"
    # Without an AccountNumber, the account is its Salesforce Id.
    assert run("show", "001000000000002AAA").code == 0

    again = run("import", "salesforce", export)
    assert again.code == 0, again.err
    assert again.out.splitlines()[-1] == "0 rows changed."
    assert counts() == (before[0] + 2, before[1] + 2)


def test_json_is_the_summary_with_its_exact_keys(run: Run, demo_db: str, export: Path) -> None:
    result = run("import", "salesforce", export, "--dry-run", "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert list(summary) == ["dry_run", "objects", "errors"]
    assert summary["dry_run"] is True and summary["errors"] == []
    accounts = next(item for item in summary["objects"] if item["object"] == "Account")
    assert list(accounts) == [
        "object",
        "read",
        "added",
        "updated",
        "unchanged",
        "skipped",
        "resolved_here",
        "gone",
    ]
    assert (accounts["read"], accounts["added"], accounts["skipped"]) == (3, 2, 1)


def refused_export(tmp_path: Path) -> Path:
    """Two row errors: a case of an account the export does not hold, and a duplicate Id."""
    cases = [
        *CASES,
        {**CASES[0], "Id": "500000000000003AAA", "AccountId": "001000000000009ZZZ"},
        {**CASES[1]},
    ]
    return write_export(tmp_path / "refused", Case=cases)


def test_a_refused_import_lists_every_error_then_the_last_line(
    run: Run, demo_db: str, tmp_path: Path
) -> None:
    before = counts()
    result = run("import", "salesforce", refused_export(tmp_path))
    assert result.code == 1
    assert result.out == ""
    errors = result.err.splitlines()
    assert errors[-1] == "offboard: the import was refused: 2 errors; nothing was written."
    listed = errors[:-1]
    assert len(listed) == 2
    assert all(line.startswith("Case.csv:") for line in listed)
    assert any("001000000000009ZZZ" in line for line in listed)
    assert any("500000000000002AAA" in line for line in listed)
    assert counts() == before


def test_a_refused_import_with_json_prints_the_errors_as_json_too(
    run: Run, demo_db: str, tmp_path: Path
) -> None:
    result = run("import", "salesforce", refused_export(tmp_path), "--json", "--dry-run")
    assert result.code == 1
    summary = json.loads(result.out)
    assert summary["objects"] == [] and len(summary["errors"]) == 2
    assert result.err.splitlines()[-1].startswith("offboard: the import was refused: 2 errors")


def test_a_folder_without_accounts_is_refused(run: Run, demo_db: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("import", "salesforce", empty)
    assert result.code == 1
    assert "Account.csv" in result.err
    assert run("import", "salesforce", tmp_path / "missing").code == 1


def test_an_unknown_mapping_key_is_refused_with_its_line(
    run: Run, demo_db: str, export: Path, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[case]\nexport_status = "Closed"\nclosed_word = "Done"\n')
    result = run("import", "salesforce", export, "--mapping", mapping)
    assert result.code == 1
    assert "mapping.toml, line 3" in result.err


def test_a_mapping_that_is_no_mapping_file_is_refused_in_one_line(
    run: Run, demo_db: str, export: Path, tmp_path: Path
) -> None:
    for problem, path in unreadable_files(tmp_path).items():
        for command in (("import", "salesforce", export), ("export", "salesforce", tmp_path)):
            result = run(*command, "--mapping", path)
            assert result.code == 1
            assert result.err.startswith(f"offboard: Mapping error: {path}"), result.err
            assert problem in result.err and len(result.err.splitlines()) == 1


def test_only_a_crm_admin_may_import(run: Run, demo_db: str, export: Path) -> None:
    before = counts()
    result = run("import", "salesforce", export, "--user", "alex")
    assert result.code == 1
    assert "crm-admin" in result.err
    assert counts() == before


@pytest.mark.parametrize(
    "argv",
    [["import"], ["import", "salesforce"], ["import", "hubspot", "x"], ["import", "salesforce"]],
)
def test_usage_errors_exit_2(run: Run, demo_db: str, argv: list[str]) -> None:
    assert run(*argv).code == 2


def test_the_progress_line_shows_rows_per_second_and_clears() -> None:
    stream = io.StringIO()
    line = ProgressLine(stream)
    line("Case", 1_000, 4_000)
    line("Case", 4_000, 4_000)
    written = stream.getvalue()
    assert written.startswith("\r")
    assert "Case: [" in written and "4,000 of 4,000 rows" in written and "rows/s" in written
    line("Asset", 2_000, None)  # no total: a count, no bar
    line("Asset", 3_000, None)
    line.clear()
    assert stream.getvalue().endswith("\r")


def test_the_progress_line_is_drawn_on_a_terminal_only(
    run: Run, demo_db: str, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[tuple[str, int, int | None]] = []

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def recording(self: ProgressLine, name: str, done: int, total: int | None) -> None:
        drawn.append((name, done, total))

    monkeypatch.setattr(ProgressLine, "__call__", recording)
    monkeypatch.setattr("sys.stderr", Terminal())
    assert run("import", "salesforce", export, "--dry-run").code == 0
    assert drawn, "the import reported no progress"


def test_the_table_has_a_total_row_and_aligned_numbers() -> None:
    summary = ImportSummary(
        objects=[
            ObjectSummary("Account", read=1_200, added=1_200),
            ObjectSummary("Opportunity", read=5, updated=2, unchanged=3),
        ]
    )
    lines = summary_table(summary)
    assert lines[0] == "Imported."
    table = lines[2:6]
    assert [row.split()[0] for row in table] == ["object", "Account", "Opportunity", "total"]
    assert len({len(row) for row in table}) == 1  # every row as wide: the numbers line up
    assert table[3].split()[1:4] == ["1,205", "1,200", "2"]
    assert lines[-1] == "1,202 rows changed."
