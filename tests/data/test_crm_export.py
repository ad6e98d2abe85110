"""The export back to Salesforce (issue 13): what the team lead resolved in offboard, found
through the audit trail, written as Data Loader update files keyed by the Salesforce Id, read
back here with the csv module (header, rows, CRLF, UTF-8), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from data import cancellations
from data.crm import exporting
from data.crm.exporting import FILES, ExportSummary, export_salesforce
from data.crm.mapping import load_mapping
from data.db import connection
from data.errors import InvalidInput
from data.models import (
    Asset,
    BaseModel,
    Case,
    Customer,
    CustomerStatus,
    Opportunity,
    Quotation,
    SalesOrder,
    User,
)
from tests.data.world import LEAD, OTHER, TESS, World

ACME_ID = "001000000000001AAA"
TESS_ID = "005000000000007AAA"
Clock = Callable[[dt.datetime], None]


def external(model: type[BaseModel], pk: int, external_id: str) -> None:
    """Give a row the Salesforce Id an import would have given it."""
    with connection():
        model.update(external_id=external_id).where(model.id == pk).execute()


def sf_id(prefix: str, number: int) -> str:
    return f"{prefix}{number:015d}"


def read(folder: Path, name: str) -> list[list[str]]:
    """A written file as the csv module reads it (header first), after checking its bytes: UTF-8
    without a byte-order mark, every line ended by CRLF."""
    data = (folder / name).read_bytes()
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def rows_of(folder: Path, name: str) -> list[dict[str, str]]:
    data = (folder / name).read_bytes().decode("utf-8")
    return list(csv.DictReader(io.StringIO(data, newline="")))


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name not in FILES)


@pytest.fixture
def acme(world: World) -> World:
    """Acme Widgets, imported from Salesforce (it has its Id)."""
    external(Customer, world.customer_id, ACME_ID)
    return world


@pytest.fixture
def pending(acme: World) -> World:
    """Acme Widgets, from Salesforce, pending cancellation."""
    cancellations.begin(LEAD, acme.account)
    return acme


def give_tess_her_id() -> None:
    with connection():
        tess = User.get(User.login == TESS)
    external(User, tess.id, TESS_ID)


def test_nothing_resolved_writes_every_file_with_its_header_only(
    pending: World, tmp_path: Path
) -> None:
    folder = tmp_path / "out" / "salesforce"  # made, parents too
    summary = export_salesforce(folder)
    assert summary.files == dict.fromkeys(FILES, 0)
    assert summary.skipped == {}
    assert read(folder, "Asset.csv") == [["Id", "Status", "UsageEndDate"]]
    assert read(folder, "Case.csv") == [["Id", "Status"]]
    assert read(folder, "Opportunity.csv") == [["Id", "StageName"]]
    assert read(folder, "Quote.csv") == [["Id", "Status"]]
    assert read(folder, "Order.csv") == [["Id", "Status"]]
    assert read(folder, "Account.csv") == [["Id", "OwnerId", "Type"]]
    assert leftovers(folder) == []
    assert "No record from Salesforce was resolved" in summary.lines()[-1]


def test_records_resolved_here_are_written_with_the_mapped_values(
    pending: World, tmp_path: Path
) -> None:
    world = pending
    ceased = [world.asset(f"Seat {n}") for n in range(3)]
    for n, pk in enumerate(ceased):
        external(Asset, pk, sf_id("02i", n + 1))
    still_live = world.asset("Still live")
    external(Asset, still_live, sf_id("02i", 9))
    cases = [world.case(), world.case("Working")]
    for n, pk in enumerate(cases):
        external(Case, pk, sf_id("500", n + 1))
    won, lost, cancelled, open_opportunity = (world.opportunity() for _ in range(4))
    for n, pk in enumerate((won, lost, cancelled, open_opportunity)):
        external(Opportunity, pk, sf_id("006", n + 1))
    quote_won, quote_expired = world.quotation(), world.quotation("Sent")
    external(Quotation, quote_won, sf_id("0Q0", 1))
    external(Quotation, quote_expired, sf_id("0Q0", 2))
    completed, order_cancelled = world.sales_order(), world.sales_order("On hold")
    external(SalesOrder, completed, sf_id("801", 1))
    external(SalesOrder, order_cancelled, sf_id("801", 2))

    account = world.account
    cancellations.cease_assets(LEAD, account, dt.date(2026, 10, 31), ceased[:2])
    cancellations.cease_assets(LEAD, account, dt.date(2026, 11, 30), ceased[2:])
    cancellations.close_cases(LEAD, account)
    cancellations.close_records(LEAD, account, "opportunities", "Won", [won])
    cancellations.close_records(LEAD, account, "opportunities", "lost", [lost])
    cancellations.close_records(LEAD, account, "opportunities", "Cancelled", [cancelled])
    cancellations.close_records(LEAD, account, "quotations", "Won", [quote_won])
    cancellations.close_records(LEAD, account, "quotations", "Expired", [quote_expired])
    cancellations.close_records(LEAD, account, "sales_orders", "Completed", [completed])
    cancellations.close_records(LEAD, account, "sales_orders", "Cancelled", [order_cancelled])

    summary = export_salesforce(tmp_path)

    assert read(tmp_path, "Asset.csv") == [
        ["Id", "Status", "UsageEndDate"],
        [sf_id("02i", 1), "Obsolete", "2026-10-31"],
        [sf_id("02i", 2), "Obsolete", "2026-10-31"],
        [sf_id("02i", 3), "Obsolete", "2026-11-30"],
    ]
    assert read(tmp_path, "Case.csv") == [
        ["Id", "Status"],
        [sf_id("500", 1), "Closed"],
        [sf_id("500", 2), "Closed"],
    ]
    assert read(tmp_path, "Opportunity.csv") == [
        ["Id", "StageName"],
        [sf_id("006", 1), "Closed Won"],
        [sf_id("006", 2), "Closed Lost"],
        [sf_id("006", 3), "Closed Lost"],
    ]
    assert read(tmp_path, "Quote.csv") == [
        ["Id", "Status"],
        [sf_id("0Q0", 1), "Accepted"],
        [sf_id("0Q0", 2), "Denied"],
    ]
    assert read(tmp_path, "Order.csv") == [
        ["Id", "Status"],
        [sf_id("801", 1), "Completed"],
        [sf_id("801", 2), "Cancelled"],
    ]
    assert summary.files == {
        "Asset.csv": 3,
        "Case.csv": 2,
        "Opportunity.csv": 3,
        "Quote.csv": 2,
        "Order.csv": 2,
        "Account.csv": 0,  # pending: neither cancelled nor given a new owner yet
    }
    assert summary.rows == 12
    # Every field quoted, as Salesforce writes its own exports.
    assert (tmp_path / "Case.csv").read_bytes().startswith(b'"Id","Status"\r\n"500')


def test_only_records_with_a_salesforce_id_are_written_the_others_counted(
    pending: World, tmp_path: Path
) -> None:
    world = pending
    from_crm, made_here = world.asset("From the CRM"), world.asset("Made in offboard")
    external(Asset, from_crm, sf_id("02i", 1))
    case_here = world.case()
    cancellations.cease_assets(LEAD, world.account, dt.date(2026, 11, 1))
    cancellations.close_cases(LEAD, world.account, [case_here])

    summary = export_salesforce(tmp_path)

    assert read(tmp_path, "Asset.csv")[1:] == [[sf_id("02i", 1), "Obsolete", "2026-11-01"]]
    assert read(tmp_path, "Case.csv")[1:] == []
    assert summary.files["Asset.csv"] == 1
    assert summary.skipped == {"Asset.csv": 1, "Case.csv": 1}
    text = "\n".join(summary.lines())
    assert "(1 skipped: no Salesforce Id)" in text
    assert summary.as_json()["skipped_no_external_id"] == {"Asset.csv": 1, "Case.csv": 1}
    assert made_here  # (made in offboard: no external id, never written)


def test_what_the_crm_already_had_closed_is_not_sent_back(pending: World, tmp_path: Path) -> None:
    """Resolved is what the audit trail says the team lead did, not a record's state: an asset
    imported already ceased, a case imported closed, are not written."""
    world = pending
    imported_ceased = world.asset("Ceased in the CRM", live=False, cease=dt.date(2025, 1, 1))
    external(Asset, imported_ceased, sf_id("02i", 1))
    imported_closed = world.case("Closed")
    external(Case, imported_closed, sf_id("500", 1))
    imported_won = world.opportunity("Won")
    external(Opportunity, imported_won, sf_id("006", 1))

    summary = export_salesforce(tmp_path)

    assert summary.rows == 0
    assert summary.skipped == {}


def test_a_record_no_longer_resolved_is_not_written(pending: World, tmp_path: Path) -> None:
    world = pending
    pk = world.opportunity()
    external(Opportunity, pk, sf_id("006", 1))
    cancellations.close_records(LEAD, world.account, "opportunities", "Won", [pk])
    with connection():  # set open again straight in the table (a CRM admin's repair)
        Opportunity.update(stage="Negotiation").where(Opportunity.id == pk).execute()

    summary = export_salesforce(tmp_path)

    assert summary.files["Opportunity.csv"] == 0
    assert read(tmp_path, "Opportunity.csv") == [["Id", "StageName"]]


def test_since_filters_on_when_the_team_lead_resolved_it(
    pending: World, tmp_path: Path, clock: Clock
) -> None:
    world = pending
    early, late = world.case(), world.case()
    external(Case, early, sf_id("500", 1))
    external(Case, late, sf_id("500", 2))
    clock(dt.datetime(2026, 11, 9, 23, 59, 59))
    cancellations.close_cases(LEAD, world.account, [early])
    clock(dt.datetime(2026, 11, 10, 0, 0, 0))
    cancellations.close_cases(LEAD, world.account, [late])

    summary = export_salesforce(tmp_path / "since", since=dt.date(2026, 11, 10))
    assert read(tmp_path / "since", "Case.csv")[1:] == [[sf_id("500", 2), "Closed"]]
    assert summary.since == dt.date(2026, 11, 10)
    assert summary.as_json()["since"] == "2026-11-10"
    assert summary.lines()[0].startswith("Resolved in offboard since 2026-11-10")

    everything = export_salesforce(tmp_path / "all")
    assert everything.files["Case.csv"] == 2
    nothing = export_salesforce(tmp_path / "none", since=dt.date(2026, 11, 11))
    assert nothing.rows == 0


def test_an_owner_applied_now_is_written_as_the_new_owners_salesforce_id(
    pending: World, tmp_path: Path
) -> None:
    world = pending
    give_tess_her_id()
    cancellations.choose_owner(LEAD, world.account, TESS, apply_now=True)

    summary = export_salesforce(tmp_path)

    assert read(tmp_path, "Account.csv") == [["Id", "OwnerId", "Type"], [ACME_ID, TESS_ID, ""]]
    assert summary.files["Account.csv"] == 1


def test_an_owner_only_chosen_is_not_written(pending: World, tmp_path: Path) -> None:
    world = pending
    give_tess_her_id()
    cancellations.choose_owner(LEAD, world.account, TESS)  # applied at Process

    assert export_salesforce(tmp_path).files["Account.csv"] == 0


def test_a_processed_customer_is_cancelled_and_owned_by_its_new_owner(
    acme: World, tmp_path: Path
) -> None:
    world = acme
    give_tess_her_id()
    world.ready()  # the new owner is Tess (chosen, applied at Process)
    cancellations.process(LEAD, world.account)

    summary = export_salesforce(tmp_path)

    assert rows_of(tmp_path, "Account.csv") == [
        {"Id": ACME_ID, "OwnerId": TESS_ID, "Type": "Former Customer"}
    ]
    assert summary.notes == []


def test_a_new_owner_without_a_salesforce_id_is_left_out_with_a_note(
    acme: World, tmp_path: Path
) -> None:
    world = acme
    world.ready()
    cancellations.process(LEAD, world.account)  # Tess has no Salesforce Id

    summary = export_salesforce(tmp_path)

    # Still cancelled in the CRM; the owner is left as it is there (an empty cell).
    assert rows_of(tmp_path, "Account.csv") == [
        {"Id": ACME_ID, "OwnerId": "", "Type": "Former Customer"}
    ]
    assert len(summary.notes) == 1
    assert ACME_ID in summary.notes[0]
    assert "Tess Telesales has no Salesforce Id" in summary.notes[0]
    assert any(line.startswith("Note: Account.csv") for line in summary.lines())


def test_an_owner_change_alone_without_a_salesforce_owner_writes_no_row(
    pending: World, tmp_path: Path
) -> None:
    world = pending
    cancellations.choose_owner(LEAD, world.account, OTHER, apply_now=True)

    summary = export_salesforce(tmp_path)

    assert read(tmp_path, "Account.csv") == [["Id", "OwnerId", "Type"]]
    assert "Otto Other has no Salesforce Id" in summary.notes[0]


def test_a_customer_without_a_salesforce_id_is_counted_not_written(
    world: World, tmp_path: Path
) -> None:
    world.ready()
    cancellations.process(LEAD, world.account)  # Acme has no external id here

    summary = export_salesforce(tmp_path)

    assert summary.files["Account.csv"] == 0
    assert summary.skipped == {"Account.csv": 1}


def test_a_customer_set_live_again_is_not_written_as_cancelled(acme: World, tmp_path: Path) -> None:
    world = acme
    give_tess_her_id()
    world.ready()
    cancellations.process(LEAD, world.account)
    world.details(status=CustomerStatus.LIVE)  # a CRM admin set it Live again

    export_salesforce(tmp_path)
    assert rows_of(tmp_path, "Account.csv") == [{"Id": ACME_ID, "OwnerId": TESS_ID, "Type": ""}]


def test_the_mapping_chooses_the_values_and_non_ascii_is_written_as_utf8(
    acme: World, tmp_path: Path
) -> None:
    world = acme
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text(
        '[asset]\nexport_status = "Außer Betrieb"\n'
        '[opportunity]\nexport_stages = { Won = "Gewonnen – abgeschlossen" }\n'
        '[account]\nexport_cancelled = { Type = "Ehemaliger Kunde", "Kündigung__c" = "true" }\n',
        encoding="utf-8",
    )
    mapping = load_mapping(mapping_file)
    world.ready()
    asset = world.asset()
    external(Asset, asset, sf_id("02i", 1))
    won, lost = world.opportunity(), world.opportunity()
    external(Opportunity, won, sf_id("006", 1))
    external(Opportunity, lost, sf_id("006", 2))
    cancellations.cease_assets(LEAD, world.account, dt.date(2026, 11, 1))
    cancellations.close_records(LEAD, world.account, "opportunities", "Won", [won])
    cancellations.close_records(LEAD, world.account, "opportunities", "Lost", [lost])
    cancellations.process(LEAD, world.account)

    folder = tmp_path / "out"
    summary = export_salesforce(folder, mapping=mapping)

    assert read(folder, "Asset.csv")[1][1] == "Außer Betrieb"
    assert read(folder, "Opportunity.csv") == [
        ["Id", "StageName"],
        [sf_id("006", 1), "Gewonnen – abgeschlossen"],
    ]
    # The override names no StageName for Lost: not written, and the summary says why.
    assert any("'Lost'" in note and "Opportunity.csv" in note for note in summary.notes)
    assert read(folder, "Account.csv") == [
        ["Id", "OwnerId", "Type", "Kündigung__c"],
        [ACME_ID, "", "Ehemaliger Kunde", "true"],
    ]
    assert "Außer Betrieb".encode() in (folder / "Asset.csv").read_bytes()


def test_a_mapping_without_cancelled_fields_writes_only_the_owner(
    acme: World, tmp_path: Path
) -> None:
    world = acme
    world.ready()
    cancellations.process(LEAD, world.account)
    mapping = replace(load_mapping(None), account_export_cancelled={})

    summary = export_salesforce(tmp_path, mapping=mapping)

    assert read(tmp_path, "Account.csv") == [["Id", "OwnerId"]]  # Tess has no Salesforce Id
    assert summary.files["Account.csv"] == 0


def test_a_folder_that_is_a_file_is_refused(pending: World, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    with pytest.raises(InvalidInput, match="it is a file, not a folder"):
        export_salesforce(taken)
    assert taken.read_text() == "not a folder"


def test_a_second_export_replaces_the_files_whole_and_leaves_no_temporary_file(
    pending: World, tmp_path: Path
) -> None:
    world = pending
    folder = tmp_path / "out"
    pk = world.case()
    external(Case, pk, sf_id("500", 1))
    export_salesforce(folder)
    (folder / "notes.txt").write_text("mine")
    cancellations.close_cases(LEAD, world.account)

    export_salesforce(folder)

    assert read(folder, "Case.csv") == [["Id", "Status"], [sf_id("500", 1), "Closed"]]
    assert leftovers(folder) == ["notes.txt"]


def test_a_failed_export_leaves_the_files_as_they_were(
    pending: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = pending
    folder = tmp_path / "out"
    pk = world.case()
    external(Case, pk, sf_id("500", 1))
    export_salesforce(folder)
    before = {name: (folder / name).read_bytes() for name in FILES}
    cancellations.close_cases(LEAD, world.account)

    def broken(*args: Any) -> tuple[int, int]:
        raise OSError("disk full")

    monkeypatch.setattr(exporting, "_write_accounts", broken)  # the last file
    with pytest.raises(InvalidInput, match=r"Cannot write .*Account\.csv: disk full\. Nothing was"):
        export_salesforce(folder)

    assert {name: (folder / name).read_bytes() for name in FILES} == before
    assert leftovers(folder) == []


def test_a_date_time_is_refused_as_since(pending: World, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="is not a date"):
        export_salesforce(tmp_path, since=dt.datetime(2026, 11, 1, 12))


def test_the_summary_as_json_and_text() -> None:
    summary = ExportSummary(
        "/tmp/out",
        dt.date(2026, 11, 1),
        files={"Asset.csv": 2, "Case.csv": 1},
        skipped={"Case.csv": 3},
        notes=["Account.csv: a note"],
    )
    assert summary.as_json() == {
        "folder": "/tmp/out",
        "since": "2026-11-01",
        "files": {"Asset.csv": 2, "Case.csv": 1},
        "rows": 3,
        "skipped_no_external_id": {"Case.csv": 3},
        "notes": ["Account.csv: a note"],
    }
    lines = summary.lines()
    assert lines[0] == "Resolved in offboard since 2026-11-01, written to /tmp/out:"
    assert lines[1].split() == ["Asset.csv", "2", "rows"]
    assert lines[2].split()[:3] == ["Case.csv", "1", "row"]
    assert "(3 skipped: no Salesforce Id)" in lines[2]
    assert "Note: Account.csv: a note" in lines
    assert "Data Loader" in lines[-1]
