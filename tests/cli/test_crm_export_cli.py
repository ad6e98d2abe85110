"""``offboard export salesforce DIR [--since DATE] [--json] [--mapping FILE.toml]`` on the demo
database: the Data Loader update files for what the team lead resolved, read back with csv,
and the summary (text and JSON); refusals exit 1 with the reason on stderr."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from data.db import connection
from data.models import Asset, Customer, Opportunity, Quotation, User
from tests.cli.conftest import Run

ACCOUNT = "100012"  # Redwood Legal LLP: pending, 5 of 6 assets live, open opportunities
ACCOUNT_ID = "001000000000012AAA"
OWNER_LOGIN = "lead"
OWNER_ID = "005000000000001AAA"


def rows(folder: Path, name: str) -> list[list[str]]:
    data = (folder / name).read_bytes()
    assert data.endswith(b"\r\n") and data.count(b"\n") == data.count(b"\r\n")
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.fixture
def from_salesforce(demo_db: str) -> dict[str, list[str]]:
    """Give Redwood Legal and its assets, opportunities and quotations a Salesforce Id, as an
    import would have; the ids given, per object, in record order."""
    given: dict[str, list[str]] = {}
    with connection():
        customer = Customer.get(Customer.account == ACCOUNT)
        Customer.update(external_id=ACCOUNT_ID).where(Customer.id == customer.id).execute()
        User.update(external_id=OWNER_ID).where(User.login == OWNER_LOGIN).execute()
        for name, model, prefix in (
            ("Asset", Asset, "02i"),
            ("Opportunity", Opportunity, "006"),
            ("Quote", Quotation, "0Q0"),
        ):
            ids = [
                int(record.id)
                for record in model.select(model.id)
                .where(model.customer == customer.id)
                .order_by(model.id)
            ]
            given[name] = []
            for pk in ids:
                external_id = f"{prefix}{pk:015d}"
                model.update(external_id=external_id).where(model.id == pk).execute()
                given[name].append(external_id)
    return given


def test_export_writes_what_was_resolved_and_says_so(
    run: Run, from_salesforce: dict[str, list[str]], tmp_path: Path
) -> None:
    assert run("cease", ACCOUNT, "--all", "--date", "2026-11-20").code == 0
    assert run("close-records", ACCOUNT, "opportunities", "--all", "--state", "Lost").code == 0
    assert run("owner", ACCOUNT, OWNER_LOGIN, "--now").code == 0
    folder = tmp_path / "back"

    result = run("export", "salesforce", folder)

    assert result.code == 0, result.err
    assets = rows(folder, "Asset.csv")
    assert assets[0] == ["Id", "Status", "UsageEndDate"]
    assert len(assets) == 1 + 5  # the 5 still live were ceased; the sixth was ceased before
    assert {row[0] for row in assets[1:]} < set(from_salesforce["Asset"])
    assert all(row[1:] == ["Obsolete", "2026-11-20"] for row in assets[1:])
    opportunities = rows(folder, "Opportunity.csv")
    assert len(opportunities) == 1 + 2
    assert all(row[1] == "Closed Lost" for row in opportunities[1:])
    assert rows(folder, "Quote.csv") == [["Id", "Status"]]
    assert rows(folder, "Account.csv") == [["Id", "OwnerId", "Type"], [ACCOUNT_ID, OWNER_ID, ""]]
    lines = result.out.splitlines()
    assert lines[0] == f"Resolved in offboard, written to {folder}:"
    assert lines[1].split()[:3] == ["Asset.csv", "5", "rows"]
    assert any(line.split()[:3] == ["Account.csv", "1", "row"] for line in lines)
    assert "Data Loader" in lines[-1]
    assert result.err == ""


def test_export_json(run: Run, from_salesforce: dict[str, list[str]], tmp_path: Path) -> None:
    assert run("close-records", ACCOUNT, "quotations", "--all", "--state", "Won").code == 0

    result = run("export", "salesforce", tmp_path / "out", "--json")

    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["files"]["Quote.csv"] == 2
    assert summary["files"]["Asset.csv"] == 0
    assert summary["since"] is None
    assert summary["folder"] == str(tmp_path / "out")
    # The demo's own resolutions (made in offboard, no Salesforce Id) are counted, not written.
    assert summary["skipped_no_external_id"]["Asset.csv"] > 0
    assert [row[1] for row in rows(tmp_path / "out", "Quote.csv")[1:]] == ["Accepted"] * 2


def test_since_a_later_date_writes_nothing(
    run: Run, from_salesforce: dict[str, list[str]], tmp_path: Path
) -> None:
    assert run("cease", ACCOUNT, "--all").code == 0

    later = run("export", "salesforce", tmp_path / "later", "--since", "tomorrow", "--json")
    recent = run("export", "salesforce", tmp_path / "recent", "--since", "-7d", "--json")

    assert later.code == 0, later.err
    assert json.loads(later.out)["rows"] == 0
    assert recent.code == 0, recent.err
    assert json.loads(recent.out)["files"]["Asset.csv"] == 5


def test_a_mapping_file_chooses_the_values(
    run: Run, from_salesforce: dict[str, list[str]], tmp_path: Path
) -> None:
    mapping = tmp_path / "ours.toml"
    mapping.write_text('[asset]\nexport_status = "Retired"\n', encoding="utf-8")
    assert run("cease", ACCOUNT, "--all", "--date", "2026-11-20").code == 0

    result = run("export", "salesforce", tmp_path / "out", "--mapping", mapping)

    assert result.code == 0, result.err
    assert {row[1] for row in rows(tmp_path / "out", "Asset.csv")[1:]} == {"Retired"}


def test_a_bad_mapping_file_is_refused_with_its_line(
    run: Run, demo_db: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text('[asset]\nexport_statu = "Retired"\n', encoding="utf-8")

    result = run("export", "salesforce", tmp_path / "out", "--mapping", mapping)

    assert result.code == 1
    assert "line 2" in result.err and "export_statu" in result.err
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_a_file_is_refused(run: Run, demo_db: str, tmp_path: Path) -> None:
    taken = tmp_path / "taken.csv"
    taken.write_text("mine")

    result = run("export", "salesforce", taken)

    assert result.code == 1
    assert "it is a file, not a folder" in result.err
    assert taken.read_text() == "mine"


def test_no_database_is_written_over(run: Run, demo_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "Case.csv").symlink_to(demo_db)
    before = Path(demo_db).read_bytes()[:100]

    result = run("export", "salesforce", folder)

    assert result.code == 1
    assert "Case.csv is the open offboard database: choose another file." in result.err
    assert Path(demo_db).read_bytes()[:100] == before
    assert sorted(p.name for p in folder.iterdir()) == ["Case.csv"]  # nothing written


def test_a_date_that_is_not_one_is_refused(run: Run, demo_db: str, tmp_path: Path) -> None:
    result = run("export", "salesforce", tmp_path / "out", "--since", "last week")

    assert result.code == 1
    assert "is not a date" in result.err
    assert not (tmp_path / "out").exists()


def test_usage(run: Run) -> None:
    assert run("export").code == 2
    assert run("export", "salesforce").code == 2
    shown = run("export", "salesforce", "--help")
    assert shown.code == 0
    assert "--since DATE" in shown.out and "--mapping FILE.toml" in shown.out
