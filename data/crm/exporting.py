"""The export back to Salesforce: what the team lead resolved in offboard, as Data Loader update
files keyed by the Salesforce ``Id`` (``Asset.csv``, ``Case.csv``, ``Opportunity.csv``,
``Quote.csv``, ``Order.csv``, ``Account.csv``).

What was resolved is read from the audit trail (the events cease and close write, and the owner
changes of Perform Now and Process), never guessed from a record's state: a record the CRM
already had closed is not sent back. Each is written as it is now (one no longer resolved is
left out). Only records with an external id are written; the others are counted as skipped. Each file is written whole to a temporary file first and renamed into
place, all six together, so a folder never holds half an export. The rows are streamed from the
database to the files: nothing holds an object's rows all at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from peewee import JOIN, Expression

from data.crm.mapping import Mapping, load_mapping
from data.db import connection
from data.errors import InvalidInput
from data.files import check_output
from data.models import (
    OPPORTUNITY_CLOSED,
    QUOTATION_CLOSED,
    SALES_ORDER_CLOSED,
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
from data.records import RECORD_KINDS
from data.sections import SectionKey

ASSET_FILE = "Asset.csv"
CASE_FILE = "Case.csv"
OPPORTUNITY_FILE = "Opportunity.csv"
QUOTE_FILE = "Quote.csv"
ORDER_FILE = "Order.csv"
ACCOUNT_FILE = "Account.csv"
FILES = (ASSET_FILE, CASE_FILE, OPPORTUNITY_FILE, QUOTE_FILE, ORDER_FILE, ACCOUNT_FILE)

# The audit actions that change a customer's owner (Perform Now, and Process).
OWNER_ACTIONS = ("apply owner now", "process")
PROCESS_ACTION = "process"
CEASE_ACTION = "cease asset"


# ----------------------------------------------------------------------------- what is written


@dataclass(frozen=True)
class ExportValues:
    """The Salesforce values the export writes, as the mapping names them: offboard's closed
    states (Won, Lost…) to the CRM's picklist values, and the account fields of a cancelled
    customer."""

    asset_ceased_status: str
    case_closed_status: str
    opportunity_stages: dict[str, str]
    quote_statuses: dict[str, str]
    order_statuses: dict[str, str]
    account_cancelled: dict[str, str]


def export_values(mapping: Mapping) -> ExportValues:
    """What the export writes, read from the mapping (the one place that knows its fields)."""
    return ExportValues(
        asset_ceased_status=mapping.asset_export_status,
        case_closed_status=mapping.case_export_status,
        opportunity_stages=dict(mapping.opportunity_export_stages),
        quote_statuses=dict(mapping.quote_export_statuses),
        order_statuses=dict(mapping.order_export_statuses),
        account_cancelled=dict(mapping.account_export_cancelled),
    )


# ----------------------------------------------------------------------------- the summary


@dataclass
class ExportSummary:
    """What an export wrote: rows per file, and per file the records resolved here that were
    not written because they have no Salesforce Id (made in offboard, never imported)."""

    folder: str
    since: dt.date | None
    files: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.files.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "since": self.since.isoformat() if self.since is not None else None,
            "files": dict(self.files),
            "rows": self.rows,
            "skipped_no_external_id": dict(self.skipped),
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """The summary as text: a line per file, then the notes."""
        since = f" since {self.since.isoformat()}" if self.since is not None else ""
        width = max(len(name) for name in FILES)
        lines = [f"Resolved in offboard{since}, written to {self.folder}:"]
        for name in FILES:
            count = self.files.get(name, 0)
            skipped = self.skipped.get(name, 0)
            text = f"  {name:<{width}}  {count:>7,} {'row' if count == 1 else 'rows'}"
            if skipped:
                text += f"  ({skipped:,} skipped: no Salesforce Id)"
            lines.append(text)
        lines.extend(f"Note: {note}" for note in self.notes)
        if self.rows:
            lines.append(
                "Upload each file with Data Loader's Update, matched on Id; an empty cell leaves "
                "its field as it is (unless Data Loader's 'Insert null values' is on)."
            )
        else:
            lines.append(
                f"No record from Salesforce was resolved in offboard{since}: the files hold "
                "their headers only."
            )
        return lines


# ----------------------------------------------------------------------------- the export


def export_salesforce(
    folder: str | Path,
    *,
    since: dt.date | None = None,
    mapping: Mapping | None = None,
) -> ExportSummary:
    """Write the Data Loader update files for what the team lead resolved in offboard (since
    ``since``, by the audit trail's time, UTC) into ``folder``, made if missing."""
    if since is not None and (not isinstance(since, dt.date) or isinstance(since, dt.datetime)):
        raise InvalidInput(f"'{since}' is not a date. Give the date as 2026-12-31.")
    values = export_values(mapping if mapping is not None else load_mapping(None))
    target = _folder(folder)
    for name in FILES:  # an earlier export's file is replaced; a database never is
        check_output(target / name, force=True)
    summary = ExportSummary(str(target), since)
    starting = dt.datetime.combine(since, dt.time.min) if since is not None else None
    with connection(), ExitStack() as stack:
        staged: list[tuple[Path, Path]] = []
        stack.callback(_discard, staged)
        for name in FILES:
            path = target / name
            temporary, stream = _staged(target, name, stack)
            staged.append((temporary, path))
            writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            try:
                count, skipped = _write(name, writer, values, starting, summary.notes)
                stream.close()
            except OSError as error:
                raise _unwritable(path, error) from error
            summary.files[name] = count
            if skipped:
                summary.skipped[name] = skipped
        for temporary, path in staged:
            try:
                os.replace(temporary, path)
            except OSError as error:
                raise _unwritable(path, error) from error
    return summary


def _unwritable(path: Path, error: OSError) -> InvalidInput:
    return InvalidInput(
        f"Cannot write {path}: {error.strerror or error}. Nothing was exported: name a folder "
        "you may write to, with room for the files."
    )


def _folder(folder: str | Path) -> Path:
    """The folder to write to, made if missing; a file of that name is refused."""
    target = Path(folder).expanduser()
    if target.exists() and not target.is_dir():
        raise InvalidInput(f"Cannot export to {target}: it is a file, not a folder. Name a folder.")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:
        raise InvalidInput(
            f"Cannot export to {target}: it is a file, not a folder. Name a folder."
        ) from error
    except OSError as error:
        raise InvalidInput(
            f"Cannot create the folder {target}: {error.strerror or error}. Name a folder you "
            "may write to."
        ) from error
    return target


def _staged(target: Path, name: str, stack: ExitStack) -> tuple[Path, IO[str]]:
    """A new temporary file beside ``name`` (made with the usual permissions, as the file it
    becomes), open for the CSV writer: UTF-8, newlines as the writer writes them."""
    temporary = target / f".{name}.{secrets.token_hex(6)}.tmp"
    try:
        stream = stack.enter_context(temporary.open("x", encoding="utf-8", newline=""))
    except OSError as error:
        raise _unwritable(target / name, error) from error
    return temporary, stream


def _discard(staged: list[tuple[Path, Path]]) -> None:
    """Remove the temporary files still there (all of them when the export failed)."""
    for temporary, _ in staged:
        temporary.unlink(missing_ok=True)


Writer = Any  # a csv writer (the csv module's type is private)


def _write(
    name: str,
    writer: Writer,
    values: ExportValues,
    starting: dt.datetime | None,
    notes: list[str],
) -> tuple[int, int]:
    """Write one file's header and rows; (rows written, records skipped for no external id)."""
    if name == ACCOUNT_FILE:
        return _write_accounts(writer, values, starting, notes)
    spec = RECORD_FILES[name]
    writer.writerow(("Id", *spec.fields))
    written = skipped = 0
    query = (
        spec.model.select(spec.model.external_id, *spec.columns)
        .where(spec.model.id.in_(_resolved_ids(spec.action, spec.record_kind, starting)))
        .order_by(spec.model.id)
        .tuples()
    )
    unmapped: dict[str, int] = {}
    for external_id, *current in query.iterator():
        if external_id is None:
            skipped += 1
            continue
        row = spec.row(values, *current)
        if isinstance(row, Unmapped):
            unmapped[row.state] = unmapped.get(row.state, 0) + 1
        elif row is not None:  # None: no longer resolved
            writer.writerow((external_id, *row))
            written += 1
    notes.extend(
        f"{name}: {count:,} {'record' if count == 1 else 'records'} {state} not written: the "
        f"mapping has no Salesforce value for {state!r}; add one to the mapping file."
        for state, count in sorted(unmapped.items())
    )
    return written, skipped


def _resolved_ids(action: str, record_kind: str, starting: dt.datetime | None) -> Any:
    """The ids of the records the audit trail says were resolved in offboard (a subquery)."""
    where: Expression = (AuditEvent.action == action) & (AuditEvent.record_kind == record_kind)
    if starting is not None:
        where &= AuditEvent.at >= starting
    return AuditEvent.select(AuditEvent.record_id).where(where)


# ----------------------------------------------------------------------------- record files


@dataclass(frozen=True)
class Unmapped:
    """A resolved record in a state the mapping has no Salesforce value for."""

    state: str


Row = tuple[str, ...] | Unmapped | None  # None: the record is no longer resolved


def _asset_row(values: ExportValues, live: bool, cease_date: dt.date | None) -> Row:
    if live or cease_date is None:
        return None
    return (values.asset_ceased_status, cease_date.isoformat())


def _case_row(values: ExportValues, closed: bool) -> Row:
    return (values.case_closed_status,) if closed else None


def _picked(
    choices: Callable[[ExportValues], dict[str, str]], closed: tuple[str, ...]
) -> Callable[[ExportValues, str], Row]:
    """A row maker for a record whose closed state the mapping turns into a Salesforce value."""

    def row(values: ExportValues, state: str) -> Row:
        if state not in closed:
            return None
        chosen = choices(values).get(state)
        return (chosen,) if chosen else Unmapped(state)

    return row


@dataclass(frozen=True)
class RecordFile:
    """A record file: its object's model, the audit action that resolves one, the columns read
    and the Salesforce fields written after ``Id``."""

    model: Any
    action: str
    record_kind: str
    columns: tuple[Any, ...]
    fields: tuple[str, ...]
    row: Callable[..., Row]


def _closing(section: SectionKey) -> tuple[str, str]:
    """The audit action and record kind ``close_records`` writes for a section's records."""
    noun = RECORD_KINDS[section].noun
    return f"close {noun}", noun


def _record_files() -> dict[str, RecordFile]:
    opportunity = _closing(SectionKey.OPPORTUNITIES)
    quote = _closing(SectionKey.QUOTATIONS)
    order = _closing(SectionKey.SALES_ORDERS)
    stages = _picked(lambda values: values.opportunity_stages, OPPORTUNITY_CLOSED)
    quotes = _picked(lambda values: values.quote_statuses, QUOTATION_CLOSED)
    orders = _picked(lambda values: values.order_statuses, SALES_ORDER_CLOSED)
    return {
        ASSET_FILE: RecordFile(
            Asset,
            CEASE_ACTION,
            RECORD_KINDS[SectionKey.ASSETS].noun,
            (Asset.live, Asset.cease_date),
            ("Status", "UsageEndDate"),
            _asset_row,
        ),
        CASE_FILE: RecordFile(
            Case, *_closing(SectionKey.CASES), (Case.closed,), ("Status",), _case_row
        ),
        OPPORTUNITY_FILE: RecordFile(
            Opportunity,
            *opportunity,
            (Opportunity.stage,),
            ("StageName",),
            stages,
        ),
        QUOTE_FILE: RecordFile(
            Quotation,
            *quote,
            (Quotation.status,),
            ("Status",),
            quotes,
        ),
        ORDER_FILE: RecordFile(
            SalesOrder,
            *order,
            (SalesOrder.status,),
            ("Status",),
            orders,
        ),
    }


RECORD_FILES = _record_files()


# ----------------------------------------------------------------------------- accounts


def _owner_events(starting: dt.datetime | None) -> Iterator[tuple[Any, ...]]:
    """The owner changes and Processes in the window, a customer's together, oldest first: (the
    customer's id, its external id, status, owner's name and external id, action, before)."""
    owner = User.alias()
    where: Expression = AuditEvent.action.in_(OWNER_ACTIONS)
    if starting is not None:
        where &= AuditEvent.at >= starting
    query = (
        AuditEvent.select(
            Customer.id,
            Customer.external_id,
            Customer.status,
            owner.display_name,
            owner.external_id,
            AuditEvent.action,
            AuditEvent.before,
        )
        .join(Customer, on=(AuditEvent.customer == Customer.id))
        .join(owner, JOIN.LEFT_OUTER, on=(Customer.owner == owner.id))
        .where(where)
        .order_by(Customer.id, AuditEvent.id)
        .tuples()
    )
    yield from query.iterator()


def _write_accounts(
    writer: Writer, values: ExportValues, starting: dt.datetime | None, notes: list[str]
) -> tuple[int, int]:
    """Accounts whose owner changed (``OwnerId``) or that were cancelled (the mapping's fields;
    empty cells where the account was not cancelled: Data Loader leaves those fields be)."""
    cancelled_fields = tuple(values.account_cancelled)
    writer.writerow(("Id", "OwnerId", *cancelled_fields))
    written = skipped = 0
    for _, group in itertools.groupby(_owner_events(starting), key=lambda event: event[0]):
        events = list(group)  # one customer's few owner changes and Processes
        _, external_id, status, owner_name, owner_id, _, _ = events[0]
        first_owner = _before_owner(events[0][6])
        owner_changed = first_owner is not None and first_owner != (owner_name or "nobody")
        cancelled = bool(cancelled_fields) and (
            status == CustomerStatus.CANCELLED and any(e[5] == PROCESS_ACTION for e in events)
        )
        if not (owner_changed or cancelled):
            continue
        if external_id is None:
            skipped += 1
            continue
        if owner_changed and not owner_id:
            notes.append(
                f"{ACCOUNT_FILE}: account {external_id}'s new owner {owner_name or 'nobody'} "
                "has no Salesforce Id: set its owner in Salesforce by hand."
            )
        new_owner = str(owner_id) if owner_changed and owner_id else ""
        if not (new_owner or cancelled):
            continue
        fields = values.account_cancelled.values() if cancelled else [""] * len(cancelled_fields)
        writer.writerow((external_id, new_owner, *fields))
        written += 1
    return written, skipped


def _before_owner(before: str) -> str | None:
    """The owner's name an event says the customer had before it (None if it does not say)."""
    try:
        said = json.loads(before or "{}")
    except ValueError:
        return None
    owner = said.get("owner") if isinstance(said, dict) else None
    return str(owner) if owner is not None else None
