"""The benchmark's Salesforce export: a deterministic folder of object CSVs written as a real
Setup → Data Export writes them, for ``bench/crm.py`` to import.

``User.csv``, ``Account.csv``, ``Asset.csv``, ``Case.csv``, ``Opportunity.csv``, ``Quote.csv``
and ``Order.csv``: a UTF-8 byte-order mark, CRLF line ends, every field quoted, the standard
objects' API field names (many more columns than offboard reads), 18-character Salesforce Ids
with their real prefixes and case-safe suffix, ``true``/``false`` booleans, ISO dates and
``2021-03-23T10:51:38.000Z`` times, non-ASCII names, and commas, quotes and line breaks inside
fields. A few rows of each object are deleted (``IsDeleted`` true). The rows are written as they
are made, never held; a finished folder is cached under ``bench/.cache/`` by its version.
"""

from __future__ import annotations

import csv
import itertools
import random
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.generate import CACHE, FIRST, SECOND, THIRD

# Bump when the rows written change, so cached exports are written again.
EXPORT_VERSION = 1
SEED = 20261129

Row = list[str]


@dataclass(frozen=True)
class ExportShape:
    """How big an export is: accounts, and records of each of the five kinds."""

    name: str
    accounts: int
    each: int
    users: int = 50

    @property
    def records(self) -> int:
        return 5 * self.each


FULL = ExportShape("full", 100_000, 400_000)
TENTH = ExportShape("tenth", 10_000, 40_000)
SMALL = ExportShape("small", 2_000, 8_000)
SMALL_TENTH = ExportShape("small-tenth", 200, 800)

DELETED = 0.005  # the share of each object's rows deleted in the CRM (IsDeleted true)
EXPORTED_AT = "2026-11-28T23:14:02.000Z"
START = date(2019, 1, 1)
DAYS = [(START + timedelta(days=n)).isoformat() for n in range(3000)]  # up to 2027-03
# "Today" for the import: fixed, so which assets and orders are resolved never drifts.
TODAY = date(2026, 11, 1)

# ----------------------------------------------------------------------------- Salesforce Ids

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
PREFIX = {
    "User": "005",
    "Account": "001",
    "Asset": "02i",
    "Case": "500",
    "Opportunity": "006",
    "Quote": "0Q0",
    "Order": "801",
}


def salesforce_id(prefix: str, number: int) -> str:
    """The 18-character Id of the ``number``-th record of an object: its key prefix, the org's
    instance, a base-62 counter, then the three characters that make it case-safe."""
    value = 62**5 + number * 7_919  # consecutive records get distinct, mixed-case counters
    digits = ""
    for _ in range(7):
        value, digit = divmod(value, 62)
        digits = BASE62[digit] + digits
    body = f"{prefix}8d000{digits}"
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(body[start : start + 5]) if "A" <= char <= "Z")
        suffix += SUFFIX[bits]
    return body + suffix


def stamp(day: str, second: int) -> str:
    """A Salesforce datetime: ``2021-03-23T10:51:38.000Z``."""
    second %= 86_400
    return f"{day}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000Z"


def flag(value: bool) -> str:
    return "true" if value else "false"


# ----------------------------------------------------------------------------- the objects

FOREIGN_NAMES = (
    "Zahnarztpraxis Müller",
    "Clínica São João",
    "Société Générale de Santé",
    "Ærø Marine ApS",
    "Łódź Logistyka",
    "Ørsted Hjemmepleje",
    "東京歯科クリニック",
    "Čapek & Dvořák",
)
FIRST_NAMES = ("José", "Zoë", "Bjørn", "Ana", "Li", "Marta", "Sven", "Aiko", "Omar", "Priya")
LAST_NAMES = ("García", "Okafor", "Nguyễn", "Schäfer", "O'Brien", "Kowalski", "Tanaka", "Smith")
INDUSTRIES = ("Healthcare", "Manufacturing", "Retail", "Technology", "Finance", "Education")
CASE_OPEN = ("New", "Working", "Escalated")
STAGES_OPEN = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
)
QUOTE_OPEN = ("Draft", "Needs Review", "In Review", "Approved", "Presented")
ASSET_OPEN = ("Purchased", "Shipped", "Installed", "Registered")


def _columns(names: str) -> list[str]:
    """A file's header, written as Salesforce names its fields."""
    return names.split(",")


USER_COLUMNS = _columns(
    "Id,Username,LastName,FirstName,Name,CompanyName,Department,Title,Email,Alias,"
    "CommunityNickname,IsActive,TimeZoneSidKey,UserRoleId,LocaleSidKey,EmailEncodingKey,"
    "ProfileId,UserType,LanguageLocaleKey,ManagerId,CreatedDate,CreatedById,LastModifiedDate,"
    "SystemModstamp"
)
ACCOUNT_COLUMNS = _columns(
    "Id,IsDeleted,MasterRecordId,Name,Type,ParentId,BillingStreet,BillingCity,BillingState,"
    "BillingPostalCode,BillingCountry,Phone,AccountNumber,Website,Industry,AnnualRevenue,"
    "NumberOfEmployees,Description,Rating,OwnerId,CreatedDate,CreatedById,LastModifiedDate,"
    "LastModifiedById,SystemModstamp,LastActivityDate,AccountSource"
)
ASSET_COLUMNS = _columns(
    "Id,ContactId,AccountId,ParentId,RootAssetId,Product2Id,ProductCode,IsCompetitorProduct,"
    "CreatedDate,CreatedById,LastModifiedDate,LastModifiedById,SystemModstamp,IsDeleted,Name,"
    "SerialNumber,InstallDate,PurchaseDate,UsageEndDate,Status,Price,Quantity,Description,"
    "OwnerId,IsInternal,AssetLevel"
)
CASE_COLUMNS = _columns(
    "Id,IsDeleted,MasterRecordId,CaseNumber,ContactId,AccountId,AssetId,ParentId,SuppliedName,"
    "SuppliedEmail,Type,Status,Reason,Origin,Subject,Priority,Description,IsClosed,ClosedDate,"
    "IsEscalated,OwnerId,CreatedDate,CreatedById,LastModifiedDate,LastModifiedById,"
    "SystemModstamp"
)
OPPORTUNITY_COLUMNS = _columns(
    "Id,IsDeleted,AccountId,IsPrivate,Name,Description,StageName,Amount,Probability,CloseDate,"
    "Type,NextStep,LeadSource,IsClosed,IsWon,ForecastCategory,ForecastCategoryName,"
    "HasOpportunityLineItem,OwnerId,CreatedDate,CreatedById,LastModifiedDate,LastModifiedById,"
    "SystemModstamp,FiscalQuarter,FiscalYear"
)
QUOTE_COLUMNS = _columns(
    "Id,OwnerId,IsDeleted,Name,CreatedDate,CreatedById,LastModifiedDate,LastModifiedById,"
    "SystemModstamp,OpportunityId,Pricebook2Id,ContactId,QuoteNumber,IsSyncing,Status,"
    "ExpirationDate,Description,Subtotal,TotalPrice,LineItemCount,BillingName,Email,AccountId,"
    "Discount,GrandTotal"
)
ORDER_COLUMNS = _columns(
    "Id,OwnerId,ContractId,AccountId,Pricebook2Id,OriginalOrderId,EffectiveDate,EndDate,"
    "IsReductionOrder,Status,Description,Type,BillingStreet,BillingCity,PoNumber,StatusCode,"
    "OrderNumber,TotalAmount,CreatedDate,CreatedById,LastModifiedDate,LastModifiedById,"
    "IsDeleted,SystemModstamp"
)


@dataclass
class Org:
    """Who is who in the export: the users' and accounts' Ids, and which accounts are deleted."""

    shape: ExportShape
    users: list[str]
    accounts: list[str]
    deleted_accounts: set[int]
    weights: list[float]  # cumulative, over accounts: a few big, most small, none deleted

    def owner(self, number: int) -> str:
        return self.users[1 + number % (len(self.users) - 1)]

    def account_choices(self, kind: str) -> list[int]:
        rng = random.Random(f"{SEED}-{kind}-accounts")
        return rng.choices(range(self.shape.accounts), cum_weights=self.weights, k=self.shape.each)


def org(shape: ExportShape) -> Org:
    rng = random.Random(SEED)
    deleted = set(rng.sample(range(shape.accounts), int(shape.accounts * DELETED)))
    weights = [0.0 if n in deleted else rng.expovariate(1.0) ** 2 for n in range(shape.accounts)]
    return Org(
        shape,
        [salesforce_id(PREFIX["User"], n) for n in range(shape.users)],
        [salesforce_id(PREFIX["Account"], n) for n in range(shape.accounts)],
        deleted,
        list(itertools.accumulate(weights)),
    )


def user_rows(o: Org) -> Iterator[Row]:
    created = stamp("2019-01-02", 32_000)
    for n, user_id in enumerate(o.users):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = LAST_NAMES[n // len(FIRST_NAMES) % len(LAST_NAMES)]
        folded = unicodedata.normalize("NFKD", f"{first}.{last}{n}").replace("'", "")
        plain = folded.encode("ascii", "ignore").decode()
        yield [
            user_id,
            f"{plain}@acme-crm.example.com",
            last,
            first,
            f"{first} {last}",
            "Acme",
            "Customer Success",
            "Account Manager",
            f"{plain.lower()}@acme.example",
            plain[:8].lower(),
            f"{first}{n}",
            flag(n % 17 != 16),  # a few have left: inactive
            "Europe/London",
            "",
            "en_GB",
            "UTF-8",
            "00e8d000000AbcDEAW",
            "Standard",
            "en_US",
            o.users[0] if n else "",
            created,
            o.users[0],
            created,
            created,
        ]


def account_rows(o: Org) -> Iterator[Row]:
    rng = random.Random(f"{SEED}-Account")
    for n, account_id in enumerate(o.accounts):
        if n % 37 == 5:
            name = f"{FOREIGN_NAMES[n % len(FOREIGN_NAMES)]} {n}"
        elif n % 53 == 7:
            name = f'{rng.choice(FIRST)}, {rng.choice(SECOND)} & "{rng.choice(THIRD)}"'
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(THIRD)}"
        day = DAYS[n % 2000]
        created = stamp(day, n * 37)
        description = (
            f'Renewal call booked.\r\nAsk for the CFO, "Dana", after {day}.' if n % 11 == 0 else ""
        )
        yield [
            account_id,
            flag(n in o.deleted_accounts),
            "",
            name,
            "Customer - Direct" if n % 3 else "Customer - Channel",
            "",
            f"{n % 900 + 1} Harbour Road\nUnit {n % 40 + 1}",
            "Bristol",
            "",
            f"BS{n % 30 + 1} {n % 9}AB",
            "United Kingdom",
            f"+44 117 {n % 10_000:04d} {n % 997:03d}",
            "" if n % 10 == 9 else f"AC-{100_001 + n}",  # one in ten without: its Id instead
            f"https://customer{n}.example",
            INDUSTRIES[n % len(INDUSTRIES)],
            f"{(n % 500 + 1) * 10_000}",
            str(n % 800 + 5),
            description,
            ("Hot", "Warm", "Cold")[n % 3],
            o.owner(n),
            created,
            o.users[0],
            created,
            o.users[0],
            created,
            day,
            "Web",
        ]


def _records(o: Org, kind: str, make: Callable[[int, str, str, float, bool], Row]) -> Iterator[Row]:
    """Every row of one kind: its number, its Id, its account's Id, a draw, and deleted or not."""
    rng = random.Random(f"{SEED}-{kind}-rows")
    prefix = PREFIX[kind]
    accounts = o.accounts
    for n, account in enumerate(o.account_choices("Opportunity" if kind == "Quote" else kind)):
        draw = rng.random()
        yield make(n, salesforce_id(prefix, n), accounts[account], draw, draw < DELETED)


def asset_rows(o: Org) -> Iterator[Row]:
    def make(n: int, record_id: str, account: str, r: float, deleted: bool) -> Row:
        start = int(r * 2000)
        resolved = r < 0.7
        if resolved:
            status = "Obsolete" if r < 0.4 else ASSET_OPEN[n % 4]
            ends = DAYS[start + 365] if r < 0.55 else ""  # Obsolete: with or without an end
            if status != "Obsolete":
                ends = DAYS[min(start + 400, 2_000)]  # still Installed, but its use has ended
        else:
            status = ASSET_OPEN[n % 4]
            ends = "" if n % 2 else DAYS[2_870 + n % 120]  # in use, or ending after today
        created = stamp(DAYS[start], n)
        return [
            record_id,
            "",
            account,
            "",
            record_id,
            "01t8d00000AbCdEAAV",
            f"LIC-{n % 40:03d}",
            "false",
            created,
            o.owner(n),
            created,
            o.owner(n),
            created,
            flag(deleted),
            f"Licence bundle #{n}, {('Core', 'Plus', 'Suite')[n % 3]}",
            f"SN{n:09d}",
            DAYS[start] if n % 5 else "",
            DAYS[max(start - 14, 0)],
            ends,
            status,
            f"{500 + n % 40 * 25}.00",
            "1.00",
            "",
            o.owner(n),
            "false",
            "1",
        ]

    return _records(o, "Asset", make)


def case_rows(o: Org) -> Iterator[Row]:
    def make(n: int, record_id: str, account: str, r: float, deleted: bool) -> Row:
        closed = r < 0.7
        day = DAYS[int(r * 2500)]
        created = stamp(day, n * 13)
        subject = f'Support request {n}: "{("Login", "Billing", "Export")[n % 3]}", urgent'
        return [
            record_id,
            flag(deleted),
            "",
            f"{n + 1:08d}",
            "",
            account,
            "",
            "",
            "",
            "",
            ("Problem", "Question", "Feature Request")[n % 3],
            "Closed" if closed else CASE_OPEN[n % 3],
            "",
            ("Phone", "Email", "Web")[n % 3],
            subject,
            ("High", "Medium", "Low")[n % 3],
            "Steps:\n1. Open the report\n2. Export, then wait" if n % 7 == 0 else "",
            flag(closed),
            stamp(DAYS[int(r * 2500) + 3], n) if closed else "",
            "false",
            o.owner(n),
            created,
            o.owner(n),
            created,
            o.owner(n),
            created,
        ]

    return _records(o, "Case", make)


def opportunity_rows(o: Org) -> Iterator[Row]:
    def make(n: int, record_id: str, account: str, r: float, deleted: bool) -> Row:
        closed = r < 0.7
        won = closed and n % 2 == 0
        stage = ("Closed Won" if won else "Closed Lost") if closed else STAGES_OPEN[n % 8]
        day = DAYS[int(r * 2500)]
        created = stamp(day, n * 7)
        return [
            record_id,
            flag(deleted),
            account,
            "false",
            f"Renewal {n} – {day[:4]}",
            "",
            stage,
            f"{1000 + int(r * 90_000)}.00",
            "100" if won else ("0" if closed else "40"),
            DAYS[int(r * 2500) + 30],
            "Existing Customer - Upgrade",
            "",
            "Partner Referral",
            flag(closed),
            flag(won),
            "Closed" if won else ("Omitted" if closed else "Pipeline"),
            "Closed" if won else ("Omitted" if closed else "Pipeline"),
            "false",
            o.owner(n),
            created,
            o.owner(n),
            created,
            o.owner(n),
            created,
            str(n % 4 + 1),
            day[:4],
        ]

    return _records(o, "Opportunity", make)


def quote_rows(o: Org) -> Iterator[Row]:
    def make(n: int, record_id: str, account: str, r: float, deleted: bool) -> Row:
        status = ("Accepted", "Denied", "Rejected")[n % 3] if r < 0.7 else QUOTE_OPEN[n % 5]
        day = DAYS[int(r * 2500)]
        created = stamp(day, n * 11)
        total = f"{500 + int(r * 40_000)}.00"
        return [
            record_id,
            o.owner(n),
            flag(deleted),
            f"Quote for renewal {n}",
            created,
            o.owner(n),
            created,
            o.owner(n),
            created,
            salesforce_id(PREFIX["Opportunity"], n),
            "01s8d00000AbCdEAAV",
            "",
            f"{n + 1:08d}",
            "false",
            status,
            DAYS[int(r * 2500) + 30],
            "",
            total,
            total,
            "1",
            "Accounts Payable",
            "ap@customer.example",
            account,
            "0.00",
            total,
        ]

    return _records(o, "Quote", make)


def order_rows(o: Org) -> Iterator[Row]:
    def make(n: int, record_id: str, account: str, r: float, deleted: bool) -> Row:
        start = int(r * 2000)
        if r < 0.1:
            status, code, ends = "Cancelled", ("Cancelled", "Canceled")[n % 2], ""
        elif r < 0.7:
            status, code, ends = "Activated", "Activated", DAYS[start + 365]  # ended: completed
        elif r < 0.85:
            status, code, ends = "Activated", "Activated", ""  # running
        else:
            status, code, ends = "Draft", "Draft", ""
        created = stamp(DAYS[start], n * 3)
        return [
            record_id,
            o.owner(n),
            "",
            account,
            "01s8d00000AbCdEAAV",
            "",
            DAYS[start],
            ends,
            "false",
            status,
            "",
            "New",
            f"{n % 900 + 1} Harbour Road",
            "Bristol",
            f"PO-{n:07d}",
            code,
            f"{n + 1:08d}",
            f"{500 + int(r * 40_000)}.00",
            created,
            o.owner(n),
            created,
            o.owner(n),
            flag(deleted),
            created,
        ]

    return _records(o, "Order", make)


FILES: tuple[tuple[str, list[str], Callable[[Org], Iterator[Row]]], ...] = (
    ("User", USER_COLUMNS, user_rows),
    ("Account", ACCOUNT_COLUMNS, account_rows),
    ("Asset", ASSET_COLUMNS, asset_rows),
    ("Case", CASE_COLUMNS, case_rows),
    ("Opportunity", OPPORTUNITY_COLUMNS, opportunity_rows),
    ("Quote", QUOTE_COLUMNS, quote_rows),
    ("Order", ORDER_COLUMNS, order_rows),
)


# ----------------------------------------------------------------------------- the folder


def write_export(folder: Path, shape: ExportShape) -> None:
    """Write every object's CSV into ``folder`` (made if missing), a row at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    o = org(shape)
    for name, columns, rows in FILES:
        with (folder / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            writer.writerow(columns)
            for row in rows(o):
                writer.writerow(row)


def export_path(shape: ExportShape) -> Path:
    return CACHE / f"salesforce-{shape.name}-v{EXPORT_VERSION}"


def cached_export(
    shape: ExportShape, *, rebuild: bool = False, say: Callable[[str], None] = print
) -> Path:
    """The cached export folder of this shape, written first if missing (or ``rebuild``)."""
    path = export_path(shape)
    if path.is_dir() and not rebuild:
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"salesforce-{shape.name}-v*"):
        shutil.rmtree(old)  # an older version's export: never read again
    started = time.perf_counter()
    building = path.with_name(path.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    write_export(building, shape)
    building.rename(path)
    size = sum(file.stat().st_size for file in path.iterdir()) / 1e6
    say(f"wrote {path.name} ({size:.0f} MB) in {time.perf_counter() - started:.1f} s")
    return path
