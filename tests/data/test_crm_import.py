"""Importing a Salesforce export (issue 13), from export folders the tests write themselves the
way Salesforce does (BOM, CRLF, every field quoted): the quirks, every row error (nothing
written, every error listed), deleted rows, ownership, the state mapping, re-sync and dry runs;
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from data.crm.errors import ImportRefused
from data.crm.importing import import_salesforce
from data.crm.mapping import MappingError, load_mapping
from data.db import connection
from data.models import (
    Asset,
    AuditEvent,
    Case,
    Customer,
    CustomerStatus,
    Opportunity,
    Quotation,
    SalesOrder,
    User,
)
from tests.data.world import ADMIN, LEAD, World

TODAY = dt.date(2026, 6, 15)
Rows = list[dict[str, str]]


def write(folder: Path, name: str, rows: Rows, extra: tuple[str, ...] = ("Unused__c",)) -> None:
    """A Salesforce-style CSV: BOM, CRLF, every field quoted, columns in reverse order, plus
    columns offboard does not use."""
    columns = sorted({key for row in rows for key in row} | set(extra), reverse=True)
    with (folder / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column, "x" if column in extra else "") for column in columns])


def user(n: int, username: str, active: str = "true") -> dict[str, str]:
    return {
        "Id": f"005{n:015d}",
        "Username": username,
        "FirstName": "Zoë",
        "LastName": f"Nüñez {n}",
        "Email": f"u{n}@example.com",
        "IsActive": active,
        "IsDeleted": "false",
    }


def account(
    n: int, name: str, number: str = "", owner: int = 1, deleted: str = "false"
) -> dict[str, str]:
    return {
        "Id": f"001{n:015d}",
        "Name": name,
        "AccountNumber": number,
        "OwnerId": f"005{owner:015d}",
        "IsDeleted": deleted,
    }


def acc(n: int) -> str:
    return f"001{n:015d}"


def export(folder: Path) -> Path:
    """The base export: two users, three accounts, and records of each kind."""
    folder.mkdir(parents=True, exist_ok=True)
    write(
        folder, "User", [user(1, "Alice.Smith@corp.example"), user(2, "bob@corp.example", "false")]
    )
    write(
        folder,
        "Account",
        [
            account(1, 'Müller, "Die" Bäckerei\nGmbH', "A-1"),
            account(2, "Zeta Dental", "", 2),
            account(3, "Deleted Co", "A-3", deleted="true"),
        ],
    )
    write(
        folder,
        "Asset",
        [
            {
                "Id": "02i000000000000001",
                "AccountId": acc(1),
                "Name": "Seats",
                "Status": "Installed",
                "InstallDate": "2024-01-02",
                "PurchaseDate": "",
                "UsageEndDate": "",
                "IsDeleted": "false",
            },
            {
                "Id": "02i000000000000002",
                "AccountId": acc(1),
                "Name": "Old",
                "Status": "Obsolete",
                "InstallDate": "",
                "PurchaseDate": "2023-05-01",
                "UsageEndDate": "",
                "IsDeleted": "false",
            },
            {
                "Id": "02i000000000000003",
                "AccountId": acc(2),
                "Name": "Ended",
                "Status": "Installed",
                "InstallDate": "2023-01-01",
                "UsageEndDate": "2026-06-15",
                "IsDeleted": "false",
            },
            {
                "Id": "02i000000000000004",
                "AccountId": acc(2),
                "Name": "Gone",
                "Status": "Installed",
                "InstallDate": "2023-01-01",
                "IsDeleted": "true",
            },
        ],
    )
    write(
        folder,
        "Case",
        [
            {
                "Id": "500000000000000001",
                "AccountId": acc(1),
                "Subject": "Login, broken",
                "Status": "Working",
                "IsClosed": "false",
                "CreatedDate": "2021-03-23T10:51:38.000Z",
            },
            {
                "Id": "500000000000000002",
                "AccountId": acc(2),
                "Subject": "Done",
                "Status": "Closed",
                "IsClosed": "true",
                "CreatedDate": "2021-03-24T10:51:38.000Z",
            },
        ],
    )
    write(
        folder,
        "Opportunity",
        [
            {
                "Id": "006000000000000001",
                "AccountId": acc(1),
                "Name": "Renewal",
                "StageName": "Proposal",
                "IsClosed": "false",
                "IsWon": "false",
                "Amount": "1500.5",
            },
            {
                "Id": "006000000000000002",
                "AccountId": acc(1),
                "Name": "Upsell",
                "StageName": "Closed Won",
                "IsClosed": "true",
                "IsWon": "true",
                "Amount": "",
            },
            {
                "Id": "006000000000000003",
                "AccountId": acc(2),
                "Name": "Lost one",
                "StageName": "Closed Lost",
                "IsClosed": "true",
                "IsWon": "false",
                "Amount": "10",
            },
        ],
    )
    write(
        folder,
        "Quote",
        [
            {
                "Id": f"0Q0{n:015d}",
                "AccountId": acc(1),
                "QuoteNumber": f"Q-{n}",
                "Status": status,
                "GrandTotal": "200",
            }
            for n, status in enumerate(["Draft", "Accepted", "Denied", "Rejected"], 1)
        ],
    )
    write(
        folder,
        "Order",
        [
            {
                "Id": "801000000000000001",
                "AccountId": acc(2),
                "OrderNumber": "O-1",
                "Status": "Draft",
                "StatusCode": "Draft",
                "EndDate": "",
                "TotalAmount": "99.99",
            },
            {
                "Id": "801000000000000002",
                "AccountId": acc(2),
                "OrderNumber": "O-2",
                "Status": "Canceled",
                "StatusCode": "Canceled",
                "EndDate": "",
                "TotalAmount": "1",
            },
            {
                "Id": "801000000000000003",
                "AccountId": acc(2),
                "OrderNumber": "O-3",
                "Status": "Activated",
                "StatusCode": "Activated",
                "EndDate": "2026-06-14",
                "TotalAmount": "1",
            },
            {
                "Id": "801000000000000004",
                "AccountId": acc(2),
                "OrderNumber": "O-4",
                "Status": "Activated",
                "StatusCode": "Activated",
                "EndDate": "2026-06-15",
                "TotalAmount": "1",
            },
        ],
    )
    return folder


def counts(summary_json: dict[str, object]) -> dict[str, tuple[int, ...]]:
    keys = ("read", "added", "updated", "unchanged", "skipped", "resolved_here", "gone")
    return {o["object"]: tuple(o[k] for k in keys) for o in summary_json["objects"]}  # type: ignore[index,union-attr]


def test_a_first_import_takes_in_every_quirk_and_maps_states(world: World, tmp_path: Path) -> None:
    folder = export(tmp_path / "export")
    progress: list[tuple[str, int, int | None]] = []
    summary = import_salesforce(folder, ADMIN, today=TODAY, progress=lambda *a: progress.append(a))
    assert counts(summary.as_json()) == {
        "User": (2, 2, 0, 0, 0, 0, 0),
        "Account": (3, 2, 0, 0, 1, 0, 0),
        "Asset": (4, 3, 0, 0, 1, 0, 0),
        "Case": (2, 2, 0, 0, 0, 0, 0),
        "Opportunity": (3, 3, 0, 0, 0, 0, 0),
        "Quote": (4, 4, 0, 0, 0, 0, 0),
        "Order": (4, 4, 0, 0, 0, 0, 0),
    }
    assert summary.as_json()["errors"] == [] and summary.dry_run is False
    assert ("Order", 4, 4) in progress
    with connection():
        alice = User.get(User.external_id == "005000000000000001")
        bob = User.get(User.login == "bob")
        assert (alice.login, alice.display_name, alice.email, alice.roles, alice.active) == (
            "alice.smith",
            "Zoë Nüñez 1",
            "u1@example.com",
            "",
            True,
        )
        assert (bob.active, bob.roles) == (False, "")
        muller = Customer.get(Customer.external_id == acc(1))
        assert (
            muller.account,
            muller.name,
            muller.name_key,
            muller.owner_id,
            muller.time_zone,
            muller.status,
        ) == (
            "A-1",
            'Müller, "Die" Bäckerei\nGmbH',
            'müller, "die" bäckerei gmbh',
            alice.id,
            "UTC",
            "Live",
        )
        assert Customer.get(Customer.external_id == acc(2)).account == acc(2)
        assert Customer.get_or_none(Customer.account == "A-3") is None
        assets = {a.name: (a.start_date, a.live, a.cease_date) for a in Asset.select()}
        assert assets == {
            "Seats": (dt.date(2024, 1, 2), True, None),
            "Old": (dt.date(2023, 5, 1), False, TODAY),
            "Ended": (dt.date(2023, 1, 1), False, TODAY),
        }
        cases = {c.subject: (c.status, c.closed, c.opened_at) for c in Case.select()}
        assert cases["Login, broken"] == ("Working", False, dt.datetime(2021, 3, 23, 10, 51, 38))
        assert cases["Done"][:2] == ("Closed", True)
        assert {o.name: (o.stage, o.amount) for o in Opportunity.select()} == {
            "Renewal": ("Proposal", Decimal("1500.50")),
            "Upsell": ("Won", Decimal("0.00")),
            "Lost one": ("Lost", Decimal("10.00")),
        }
        assert [q.status for q in Quotation.select().order_by(Quotation.reference)] == [
            "Draft",
            "Won",
            "Lost",
            "Lost",
        ]
        assert [o.status for o in SalesOrder.select().order_by(SalesOrder.number)] == [
            "Draft",
            "Cancelled",
            "Completed",
            "Activated",
        ]
        assert [e.action for e in AuditEvent.select()] == ["import"]


def test_the_same_export_twice_changes_nothing(world: World, tmp_path: Path) -> None:
    folder = export(tmp_path / "export")
    import_salesforce(folder, ADMIN, today=TODAY)
    before = world.snapshot()
    again = import_salesforce(folder, ADMIN, today=TODAY, dry_run=True)
    assert again.changed == 0 and world.snapshot() == before
    summary = import_salesforce(folder, ADMIN, today=TODAY)
    assert summary.changed == 0
    assert counts(summary.as_json())["Case"] == (2, 0, 0, 2, 0, 0, 0)


def test_a_resync_updates_adds_reports_gone_and_keeps_what_was_resolved_here(
    world: World, tmp_path: Path
) -> None:
    import_salesforce(export(tmp_path / "one"), ADMIN, today=TODAY)
    with connection():
        case = Case.get(Case.external_id == "500000000000000001")
        Case.update(closed=True, status="Closed").where(Case.id == case.id).execute()
        Customer.update(status=CustomerStatus.CANCELLED).where(
            Customer.external_id == acc(2)
        ).execute()
    folder = export(tmp_path / "two")
    write(
        folder,
        "Case",
        [
            {
                "Id": "500000000000000001",
                "AccountId": acc(1),
                "Subject": "Login, broken",
                "Status": "Working",
                "IsClosed": "false",
                "CreatedDate": "2021-03-23T10:51:38.000Z",
            },
            {
                "Id": "500000000000000003",
                "AccountId": acc(1),
                "Subject": "New one",
                "Status": "New",
                "IsClosed": "false",
                "CreatedDate": "2021-04-01T00:00:00.000Z",
            },
        ],
    )
    write(
        folder, "Account", [account(1, "Müller Renamed", "A-1"), account(2, "Zeta Dental", "", 1)]
    )
    summary = import_salesforce(folder, ADMIN, today=TODAY)
    assert counts(summary.as_json())["Case"] == (2, 1, 0, 0, 0, 1, 1)
    assert counts(summary.as_json())["Account"] == (2, 0, 1, 0, 0, 1, 0)
    with connection():
        assert Case.get(Case.external_id == "500000000000000001").closed is True
        assert Case.get(Case.external_id == "500000000000000002").closed is True  # gone: kept
        renamed = Customer.get(Customer.external_id == acc(1))
        assert (renamed.name, renamed.version) == ("Müller Renamed", 2)
        zeta = Customer.get(Customer.external_id == acc(2))
        assert zeta.status == "Cancelled" and zeta.owner.login == "bob"  # kept with its owner
        assert "import customer" in [e.action for e in AuditEvent.select()]


def test_every_row_error_is_listed_and_nothing_is_written(world: World, tmp_path: Path) -> None:
    folder = export(tmp_path / "export")
    write(
        folder,
        "Case",
        [
            {
                "Id": "500000000000000001",
                "AccountId": "001999999999999999",
                "Subject": "x",
                "Status": "New",
                "IsClosed": "false",
                "CreatedDate": "2021-03-23T10:51:38.000Z",
            },
            {
                "Id": "500000000000000002",
                "AccountId": acc(1),
                "Subject": "x",
                "Status": "New",
                "IsClosed": "maybe",
                "CreatedDate": "2021-03-23T10:51:38.000Z",
            },
            {
                "Id": "500000000000000002",
                "AccountId": acc(1),
                "Subject": "x",
                "Status": "New",
                "IsClosed": "false",
                "CreatedDate": "2021-03-23T10:51:38.000Z",
            },
            {
                "Id": "500000000000000002",
                "AccountId": acc(1),
                "Subject": "x",
                "Status": "New",
                "IsClosed": "false",
                "CreatedDate": "2021-03-23T10:51:38.000Z",
            },
        ],
    )
    write(
        folder,
        "Asset",
        [
            {
                "Id": "02i000000000000001",
                "AccountId": acc(1),
                "Name": "Seats",
                "Status": "Installed",
                "InstallDate": "2021-02-30",
            }
        ],
    )
    write(
        folder,
        "Opportunity",
        [
            {
                "Id": "006000000000000001",
                "AccountId": acc(1),
                "Name": "x",
                "StageName": "Proposal",
                "IsClosed": "false",
            }
        ],
    )
    before = world.snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_salesforce(folder, ADMIN, today=TODAY)
    assert refused.value.errors == [
        "Asset.csv:2: InstallDate '2021-02-30' is not a date that exists; write it as 2021-03-23.",
        "Case.csv:2: AccountId 001999999999999999 is not in Account.csv; add the account or drop the row.",
        "Case.csv:3: IsClosed 'maybe' is not true or false; fix the row.",
        "Case.csv:5: Id 500000000000000002 is given twice (first on line 4); keep one row.",
        "Opportunity.csv:1: the column IsWon is missing; export the Opportunity object with it.",
    ]
    assert str(refused.value).endswith("(and 4 more)")
    assert world.snapshot() == before


def test_a_picklist_value_the_mapping_does_not_know_is_refused(
    world: World, tmp_path: Path
) -> None:
    folder = export(tmp_path / "export")
    (tmp_path / "map.toml").write_text(
        '[quote]\nknown_statuses = ["Draft", "Accepted", "Denied"]\n'
    )
    with pytest.raises(ImportRefused) as refused:
        import_salesforce(folder, ADMIN, today=TODAY, mapping=load_mapping(tmp_path / "map.toml"))
    assert refused.value.errors == [
        "Quote.csv:5: Status 'Rejected' is not a value the mapping knows; add it to [quote] "
        "known_statuses in the mapping file, or fix the row."
    ]


def test_an_unknown_mapping_key_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text('[asset]\nceased_statuses = ["Obsolete"]\nceased_status = "x"\n')
    with pytest.raises(
        MappingError, match=r"map.toml, line 3, asset.ceased_status: 'ceased_status' is not a key"
    ):
        load_mapping(path)


def test_only_a_crm_admin_imports(world: World, tmp_path: Path) -> None:
    from data.errors import NotAllowed

    with pytest.raises(NotAllowed):
        import_salesforce(export(tmp_path / "export"), LEAD, today=TODAY)


def test_a_dry_run_reports_what_would_change_and_writes_nothing(
    world: World, tmp_path: Path
) -> None:
    folder = export(tmp_path / "export")
    before = world.snapshot()
    dry = import_salesforce(folder, ADMIN, today=TODAY, dry_run=True)
    assert world.snapshot() == before
    assert dry.dry_run is True and dry.as_json()["dry_run"] is True
    assert dry.lines()[0] == "Dry run: nothing was written."
    real = import_salesforce(folder, ADMIN, today=TODAY)
    assert counts(dry.as_json()) == counts(real.as_json()) and dry.changed == real.changed == 20


def test_offboard_customers_and_users_are_matched_by_account_number_and_login(
    world: World, tmp_path: Path
) -> None:
    """The world's Acme Widgets (account 500001, Live (PC) here) and the team lead 'lead' were
    made in offboard: the export's rows for them take them over (keeping roles and status)."""
    with connection():
        Customer.update(status=CustomerStatus.PENDING_CANCELLATION).where(
            Customer.account == world.account
        ).execute()
    folder = export(tmp_path / "export")
    write(folder, "User", [user(1, "Lead@corp.example"), user(2, "bob@corp.example")])
    write(
        folder,
        "Account",
        [account(1, "Acme Widgets Inc", world.account, 2), account(2, "Zeta", "")],
    )
    summary = import_salesforce(folder, ADMIN, today=TODAY)
    assert counts(summary.as_json())["User"] == (2, 1, 1, 0, 0, 0, 0)
    assert counts(summary.as_json())["Account"] == (2, 1, 0, 0, 0, 1, 0)
    with connection():
        lead = User.get(User.login == LEAD)
        assert (lead.external_id, lead.roles) == ("005000000000000001", "customer-cancellation")
        acme = Customer.get(Customer.account == world.account)
        assert (acme.external_id, acme.name, acme.status) == (
            acc(1),
            "Acme Widgets Inc",
            "Live (PC)",
        )
        assert acme.owner.login == "viewer"  # Live (PC): the owner is offboard's to change
        assert acme.version == 2


def test_a_changed_record_is_updated_and_moved_to_its_new_account(
    world: World, tmp_path: Path
) -> None:
    import_salesforce(export(tmp_path / "one"), ADMIN, today=TODAY)
    folder = export(tmp_path / "two")
    write(
        folder,
        "Opportunity",
        [
            {
                "Id": "006000000000000001",
                "AccountId": acc(2),
                "Name": "Renewal",
                "StageName": "Negotiation",
                "IsClosed": "false",
                "IsWon": "false",
                "Amount": "2000",
            },
        ],
    )
    summary = import_salesforce(folder, ADMIN, today=TODAY)
    assert counts(summary.as_json())["Opportunity"] == (1, 0, 1, 0, 0, 0, 2)
    with connection():
        renewal = Opportunity.get(Opportunity.external_id == "006000000000000001")
        assert (renewal.stage, renewal.amount, renewal.customer.external_id) == (
            "Negotiation",
            Decimal("2000.00"),
            acc(2),
        )


def test_a_duplicate_id_in_a_later_chunk_is_found_too(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from data.crm import importing

    monkeypatch.setattr(importing, "CHUNK", 2)
    folder = export(tmp_path / "export")
    write(
        folder,
        "Quote",
        [
            {
                "Id": f"0Q0{n % 3:015d}",
                "AccountId": acc(1),
                "QuoteNumber": f"Q-{n}",
                "Status": "Draft",
            }
            for n in range(5)
        ],
    )
    with pytest.raises(ImportRefused) as refused:
        import_salesforce(folder, ADMIN, today=TODAY)
    assert refused.value.errors == [
        "Quote.csv:5: Id 0Q0000000000000000 is given twice in Quote.csv; keep one row.",
        "Quote.csv:6: Id 0Q0000000000000001 is given twice in Quote.csv; keep one row.",
    ]


def test_time_zones_come_from_the_mapping(world: World, tmp_path: Path) -> None:
    folder = export(tmp_path / "export")
    rows = [account(1, "Berlin", "B-1"), account(2, "Default", "B-2")]
    rows[0]["Time_Zone__c"] = "Europe/Berlin"
    write(folder, "Account", rows)
    (tmp_path / "map.toml").write_text(
        '[customer]\ntime_zone = "America/Chicago"\ntime_zone_column = "Time_Zone__c"\n'
    )
    import_salesforce(folder, ADMIN, today=TODAY, mapping=load_mapping(tmp_path / "map.toml"))
    with connection():
        zones = {
            c.account: c.time_zone
            for c in Customer.select().where(Customer.external_id.is_null(False))
        }
    assert zones == {"B-1": "Europe/Berlin", "B-2": "America/Chicago"}


def test_a_folder_without_account_csv_is_refused(world: World, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match=r"Account.csv: there is no Account.csv"):
        import_salesforce(tmp_path, ADMIN, today=TODAY)


def test_account_numbers_and_logins_must_not_clash_with_offboard(
    world: World, tmp_path: Path
) -> None:
    import_salesforce(export(tmp_path / "one"), ADMIN, today=TODAY)
    folder = export(tmp_path / "two")
    write(
        folder, "User", [user(1, "alice.smith@corp.example"), user(3, "Alice.Smith@other.example")]
    )
    write(folder, "Account", [account(2, "Zeta Dental", "A-1"), account(4, "Acme", world.account)])
    (folder / "Case.csv").unlink()  # any file but Account.csv may be absent
    before = world.snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_salesforce(folder, ADMIN, today=TODAY)
    assert refused.value.errors == [
        "User.csv:3: Username Alice.Smith@other.example gives the login 'alice.smith', as line 2 "
        "does; offboard logins must differ.",
        "Account.csv:2: account number A-1 is already the customer imported from Id "
        f"{acc(1)}'s; give one of them another AccountNumber.",
    ]
    assert world.snapshot() == before


def test_a_row_error_names_the_line_the_row_starts_on(world: World, tmp_path: Path) -> None:
    """Line numbers count the file's lines: a field with newlines in it moves the next row's."""
    folder = export(tmp_path / "export")
    write(folder, "Account", [account(1, "Two\nlines\nname", "A-1"), account(2, "", "A-2")])
    with pytest.raises(ImportRefused) as refused:
        import_salesforce(folder, ADMIN, today=TODAY)
    assert refused.value.errors[0] == "Account.csv:5: Name is empty; give the account its name."


def test_a_stray_quote_is_a_row_error_with_its_line_not_a_changed_name(
    world: World, tmp_path: Path
) -> None:
    folder = export(tmp_path / "export")
    accounts = folder / "Account.csv"
    text = accounts.read_text(encoding="utf-8-sig")
    assert text.count('"Zeta Dental"') == 1
    accounts.write_text(text.replace('"Zeta Dental"', '"Zeta "Dental" Co"'), encoding="utf-8-sig")
    before = world.snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_salesforce(folder, ADMIN, today=TODAY)
    # Line 4: the first account's name spans lines 2 and 3. Its records are refused after it.
    assert refused.value.errors[0] == (
        "Account.csv:4: the row has a stray quote: inside a quoted field write a quote as two "
        '("") — fix the row, or export the file again.'
    )
    assert all(acc(2) in error for error in refused.value.errors[1:])
    assert world.snapshot() == before


def test_a_file_without_line_breaks_is_refused_at_once_with_memory_flat(tmp_path: Path) -> None:
    from data.crm.reading import LINE_LIMIT, ExportFile

    with (tmp_path / "Account.csv").open("w", encoding="utf-8") as handle:
        handle.write("Id,Name\n")
        for _ in range(8):  # 8 MiB and not one line break
            handle.write("x" * (1024 * 1024))
    errors: list[str] = []
    tracemalloc.start()
    try:
        rows = list(ExportFile(tmp_path, "Account").rows(("Id",), errors.append))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == []
    assert errors == [
        f"Account.csv:2: the line (or the row it starts) is longer than {LINE_LIMIT:,} "
        "characters, more than any Salesforce row: check that this is the export's file, or "
        "export it again."
    ]
    assert peak < 4 * LINE_LIMIT  # a part of the file, never the whole of it


def test_a_row_past_the_limit_across_its_lines_is_refused_with_the_line_it_starts_on(
    tmp_path: Path,
) -> None:
    from data.crm.reading import ExportFile

    field = '"' + ("y" * 999 + "\n") * 100 + '"'  # 100,000 characters on 100 lines
    with (tmp_path / "Case.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write("Id,Subject\n1,ok\n")
        handle.write("2," + ",".join([field] * 12) + "\n")  # 1.2 million characters in all
        handle.write("3,never read\n")
    errors: list[str] = []
    rows = list(ExportFile(tmp_path, "Case").rows(("Id",), errors.append))
    assert rows == [(2, ["1", "ok"])]
    assert len(errors) == 1 and errors[0].startswith("Case.csv:3: the line (or the row it starts)")
    with (tmp_path / "Case.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write("Id,Subject\n2," + '"' + ("z" * 999 + "\n") * 200 + '"\n')
    errors.clear()
    assert list(ExportFile(tmp_path, "Case").rows(("Id",), errors.append)) == []
    assert len(errors) == 1 and errors[0].startswith(
        "Case.csv:2: the row holds a field longer than 131,072 characters"
    )


def test_the_shipped_mapping_file_holds_the_defaults() -> None:
    from data.crm.mapping import DEFAULTS, Mapping

    assert load_mapping(None) == Mapping(sources=(str(DEFAULTS),))
