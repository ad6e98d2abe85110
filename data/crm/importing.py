"""Importing a Salesforce export (issue 13): users, accounts (customers) and their records, in
one transaction, all or nothing. Rows are streamed file by file and written in chunks (one
executemany per chunk, one look-up of the chunk's accounts and of its external ids); only the
users are held in memory (a few), and a temporary table marks the rows this run matched, to
tell a duplicate Id and what is gone from the CRM, so memory is flat in the number of rows. A
dry run, or any row error, rolls the whole transaction back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from data import audit, clock
from data.crm.errors import ImportRefused
from data.crm.importing_people import CHUNK, Run, import_accounts, import_users
from data.crm.kinds import RECORD_SPECS, RecordSpec, comparable
from data.crm.mapping import Mapping, load_mapping
from data.crm.reading import ExportFile, RowError
from data.crm.summary import ImportSummary, ObjectSummary
from data.db import connection, database
from data.errors import InvalidInput, clip
from data.models import Role

Progress = Callable[[str, int, int | None], None]


def import_salesforce(
    folder: str | Path,
    login: str,
    *,
    mapping: Mapping | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ImportSummary:
    """Import the export in ``folder`` as ``login`` (a crm-admin); ImportRefused lists every
    row error, and then nothing was written. A dry run reports the same summary and writes
    nothing."""
    where = Path(folder)
    if not where.is_dir():
        raise InvalidInput(
            f"'{where}' is not a folder; give the folder the export was unpacked in."
        )
    if not (where / "Account.csv").is_file():
        raise ImportRefused(
            [f"Account.csv: there is no Account.csv in {where}; export the Account object too."]
        )
    mapping = mapping or load_mapping()
    with connection():
        who = audit.actor(login)
        audit.require(who, Role.ADMIN, doing="import a CRM export")
        if (where / "User.csv").is_file():
            audit.require_user_administration()
        run = Run(where, mapping, today or clock.now().date(), progress or _quiet, who)
        with database.atomic() as transaction:
            run.start_seen()
            import_users(run)
            import_accounts(run)
            for spec in RECORD_SPECS:
                import_records(run, spec)
            run.end_seen()
            summary = ImportSummary(run.summaries, dry_run, run.listed_errors())
            if run.error_count or dry_run:
                transaction.rollback()
            else:
                audit.record([*run.events, audit.event(who, "import", after=summary.as_json())])
    if summary.errors:
        raise ImportRefused(summary.errors)
    return summary


def _quiet(object_name: str, done: int, total: int | None) -> None:
    """No progress shown."""


def import_records(run: Run, spec: RecordSpec) -> None:
    """One record object's file, chunk by chunk: added, updated, unchanged or resolved here.
    Each chunk's accounts and records are looked up by their Ids; the rows this run matched
    are marked in a temporary table, so memory does not grow with the number of rows."""
    export = ExportFile(run.folder, spec.object)
    summary = ObjectSummary(spec.object)
    if not export.exists:
        return
    run.summaries.append(summary)
    table = spec.table
    before_max, before_count = run.existing_extent(table)
    matched = 0
    columns = ("customer_id", "external_id", *spec.columns, *spec.extra)
    extra = tuple(spec.extra.values())
    selected = ("id", "external_id", "customer_id", *spec.columns)
    state = set(spec.state)
    size = CHUNK

    def parse(
        line: int, get: Callable[[str], str]
    ) -> tuple[str, str, tuple[Any, ...] | None, str | None] | None:
        summary.read += 1
        if summary.read % size == 0:
            run.progress(spec.object, summary.read, None)
        if run.deleted(get):
            summary.skipped_deleted += 1
            return None
        external = run.external_id(get)
        account = get("AccountId").strip()
        try:
            return external, account, spec.convert(get, run.mapping, run.today), None
        except RowError as error:
            return external, account, None, str(error)

    required = ("Id", "AccountId", *spec.required)
    for chunk in run.chunks(export, required, parse, size):
        accounts = run.customers(
            list({entry[1][1] for entry in chunk if not isinstance(entry, str)})
        )
        rows: list[tuple[int, str, int, tuple[Any, ...]]] = []
        for entry in chunk:
            if isinstance(entry, str):
                run.report(entry)
                continue
            line, (external, account, converted, problem) = entry
            customer = accounts.get(account)
            if customer is None:
                run.error(
                    export.name,
                    line,
                    f"AccountId {clip(account) or '(empty)'} is not in Account.csv; add the "
                    "account or drop the row.",
                )
            elif problem is not None or converted is None:
                run.error(export.name, line, str(problem))
            else:
                rows.append((line, external, customer, converted))
        lines: dict[str, int] = {}
        for line, external, _, _ in rows:
            if external in lines:
                run.error(
                    export.name,
                    line,
                    f"Id {external} is given twice (first on line {lines[external]}); keep one row.",
                )
            else:
                lines[external] = line
        found = {
            str(row[1]): row
            for row in run.select_with_seen(table, selected, "external_id", list(lines))
        }
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        seen: list[int] = []
        for line, external, customer, values in rows:
            if lines.get(external) != line:
                continue  # the duplicate, reported above
            existing = found.get(external)
            if existing is None:
                inserts.append((customer, external, *values, *extra))
                summary.added += 1
                continue
            pk = int(existing[0])
            if pk > before_max or existing[-1] is not None:
                run.error(
                    export.name,
                    line,
                    f"Id {external} is given twice in {export.name}; keep one row.",
                )
                continue
            seen.append(pk)
            matched += 1
            stored = tuple(existing[3:-1])
            new = values
            if not spec.is_open(stored) and spec.is_open(values):
                # resolved here, the export still shows it open: keep offboard's state
                new = tuple(stored[i] if i in state else v for i, v in enumerate(values))
                summary.resolved_here += 1
            if int(existing[2]) == customer and comparable(spec, stored) == comparable(spec, new):
                if new is values:
                    summary.unchanged += 1
                continue
            updates.append((customer, *new, pk))
            if new is values:
                summary.updated += 1
        run.insert(table, columns, inserts)
        run.update(table, ("customer_id", *spec.columns), updates)
        run.mark_seen(table, seen)
    run.progress(spec.object, summary.read, summary.read)
    summary.gone_from_crm = before_count - matched
