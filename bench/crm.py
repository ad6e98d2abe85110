"""The CRM import at scale (issue 13): how long ``import_salesforce`` takes on a Salesforce
export of 100,000 accounts and 2,000,000 records, and its peak memory, against a floor.

    python bench/crm.py            # the full export (written once, then cached): a few minutes
    python bench/crm.py --small    # 2,000 accounts and 40,000 records: a quick check
    python bench/run.py --only crm # the same figures, in the benchmark's table and JSON

The export is ``bench/crm_export.py``'s. Each run imports it into a fresh migrated SQLite
database holding only the crm-admin lead, in a process of its own (its peak RSS is that
process's VmHWM), then imports the same export again: the re-sync, which must change nothing.
The floor, in a process of its own on another fresh copy: the same files read with the csv
module, each row turned into the row offboard stores (the default mapping, by hand), and
inserted with ``executemany`` through sqlite3 in one transaction, into the same schema with the
app's settings. Import and floor alternate which goes first. Memory is flat when importing a
tenth of the export peaks about as high as the whole.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import crm_export, generate  # noqa: E402
from bench.crm_export import TODAY, ExportShape  # noqa: E402
from bench.floor import BLOCKING  # noqa: E402
from data.db import SQLITE_PRAGMAS  # noqa: E402
from data.sections import SectionKey  # noqa: E402

if TYPE_CHECKING:
    from bench.run import Figure

BATCH = 1_000
TIME_TARGET = 2.0  # the import ÷ its floor
MEMORY_TARGET = 1.2  # peak RSS, whole export ÷ a tenth of it
TABLES = ("user", "customer", "asset", "case", "opportunity", "quotation", "sales_order")


# ----------------------------------------------------------------------------- in a child process


def peak_kb() -> dict[str, int]:
    """This process's peak (VmHWM) and current (VmRSS) resident memory, in KiB."""
    found: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmHWM", "VmRSS"}:
            found[name] = int(value.split()[0])
    return found


def import_twice(database: Path, folder: Path, login: str) -> dict[str, Any]:
    """Import the export, then the same export again (the re-sync), as the CLI opens the
    database; the seconds and peak memory of each."""
    from data.crm.importing import import_salesforce
    from data.db import open_database

    open_database(str(database))
    calls = [0]

    def progress(name: str, done: int, total: int | None) -> None:
        calls[0] += 1

    before = peak_kb()
    started = time.perf_counter()
    first = import_salesforce(folder, login, progress=progress, today=TODAY)
    seconds = time.perf_counter() - started
    after_import = peak_kb()
    started = time.perf_counter()
    again = import_salesforce(folder, login, progress=progress, today=TODAY)
    resync = time.perf_counter() - started
    return {
        "import_seconds": seconds,
        "resync_seconds": resync,
        "rss_before_kb": before["VmRSS"],
        "import_peak_kb": after_import["VmHWM"],
        "resync_peak_kb": peak_kb()["VmHWM"],
        "progress_calls": calls[0],
        "first": first.as_json(),
        "again": again.as_json(),
    }


def _rows(path: Path) -> Iterator[tuple[dict[str, int], list[str]]]:
    """Each row of one object's file, with the header's column positions."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        columns = {name: position for position, name in enumerate(next(reader))}
        for row in reader:
            yield columns, row


def _insert(
    cursor: sqlite3.Connection, table: str, columns: str, rows: Iterator[tuple[Any, ...]]
) -> float:
    """executemany in batches; the seconds spent in the driver."""
    marks = ", ".join("?" for _ in columns.split(","))
    sql = f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'
    spent = 0.0
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            started = time.perf_counter()
            cursor.executemany(sql, batch)
            spent += time.perf_counter() - started
            batch.clear()
    started = time.perf_counter()
    cursor.executemany(sql, batch)
    return spent + time.perf_counter() - started


def _floor_rows(folder: Path, name: str, ids: dict[str, int]) -> Iterator[tuple[Any, ...]]:
    """One object's rows as offboard stores them, by the default mapping, written by hand."""
    path = folder / f"{name}.csv"
    if not path.exists():
        return
    today = TODAY.isoformat()
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    for c, row in _rows(path):
        if name == "User":
            yield (
                row[c["Username"]].partition("@")[0].lower(),
                f"{row[c['FirstName']]} {row[c['LastName']]}".strip(),
                row[c["Email"]],
                "",
                row[c["IsActive"]] == "true",
                now,
                row[c["Id"]],
            )
            continue
        if row[c["IsDeleted"]] == "true":
            continue
        sf_id = row[c["Id"]]
        if name == "Account":
            title = row[c["Name"]]
            yield (
                row[c["AccountNumber"]] or sf_id,
                title,
                " ".join(title.split()).casefold(),
                "Live",
                "Customer",
                ids[row[c["OwnerId"]]],
                "UTC",
                "",
                "",
                "Current",
                "",
                now,
                now,
                1,
                sf_id,
            )
            continue
        customer = ids[row[c["AccountId"]]]
        if name == "Asset":
            ends = row[c["UsageEndDate"]]
            ceased = row[c["Status"]] == "Obsolete" or (ends != "" and ends <= today)
            start = row[c["InstallDate"]] or row[c["PurchaseDate"]]
            yield (
                customer,
                row[c["Name"]],
                start,
                not ceased,
                ends or (today if ceased else None),
                sf_id,
            )
        elif name == "Case":
            created = row[c["CreatedDate"]]
            yield (
                customer,
                row[c["Subject"]],
                row[c["Status"]],
                row[c["IsClosed"]] == "true",
                f"{created[:10]} {created[11:19]}",
                "",
                sf_id,
            )
        elif name == "Opportunity":
            stage = row[c["StageName"]]
            if row[c["IsClosed"]] == "true":
                stage = "Won" if row[c["IsWon"]] == "true" else "Lost"
            yield customer, row[c["Name"]], stage, row[c["Amount"]] or "0", sf_id
        elif name == "Quote":
            status = row[c["Status"]]
            status = QUOTE_STATES.get(status, status)
            yield customer, row[c["QuoteNumber"]], status, row[c["GrandTotal"]] or "0", sf_id
        else:
            code, ends, status = row[c["StatusCode"]], row[c["EndDate"]], row[c["Status"]]
            if code in ("Cancelled", "Canceled"):
                status = "Cancelled"
            elif code == "Activated" and ends != "" and ends < today:
                status = "Completed"
            yield customer, row[c["OrderNumber"]], status, row[c["TotalAmount"]] or "0", sf_id


QUOTE_STATES = {"Accepted": "Won", "Denied": "Lost", "Rejected": "Lost"}
FLOOR_TABLES = (
    ("User", "user", "login, display_name, email, roles, active, created_at, external_id"),
    (
        "Account",
        "customer",
        "account, name, name_key, status, customer_type, owner_id, time_zone, admin_name, "
        "admin_email, billing_status, modules, created_at, updated_at, version, external_id",
    ),
    ("Asset", "asset", "customer_id, name, start_date, live, cease_date, external_id"),
    (
        "Case",
        "case",
        "customer_id, subject, status, closed, opened_at, billing_note, external_id",
    ),
    ("Opportunity", "opportunity", "customer_id, name, stage, amount, external_id"),
    ("Quote", "quotation", "customer_id, reference, status, amount, external_id"),
    ("Order", "sales_order", "customer_id, number, status, amount, external_id"),
)


def floor_import(database: Path, folder: Path) -> dict[str, Any]:
    """The floor: csv rows turned into stored rows and inserted with executemany, one
    transaction, on a connection with the app's settings."""
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma, value in SQLITE_PRAGMAS.items():
        connection.execute(f"PRAGMA {pragma}={value}")
    started = time.perf_counter()
    inserting = 0.0
    connection.execute("BEGIN IMMEDIATE")
    ids: dict[str, int] = {}
    for name, table_name, columns in FLOOR_TABLES:
        inserting += _insert(connection, table_name, columns, _floor_rows(folder, name, ids))
        if table_name in ("user", "customer"):  # records find their account by its Salesforce Id
            ids.update(  # row by row from the cursor: no list of them all
                connection.execute(
                    f'SELECT external_id, id FROM "{table_name}" WHERE external_id IS NOT NULL'
                )
            )
    commit = time.perf_counter()
    connection.execute("COMMIT")
    inserting += time.perf_counter() - commit
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds, "insert_seconds": inserting, "peak_kb": peak_kb()["VmHWM"]}


# ----------------------------------------------------------------------------- the parent


def child(action: str, database: Path, folder: Path) -> dict[str, Any]:
    """Run one import (and re-sync) or one floor in a new process; its printed result."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", action, str(database), str(folder)],
        capture_output=True,
        text=True,
        timeout=3600,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    printed = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not printed:
        raise SystemExit(f"bench/crm.py: the {action} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(printed[-1])
    return result


def stored(database: Path) -> dict[str, tuple[int, int]]:
    """Each table's rows with an external id, and of the records how many still block."""
    connection = sqlite3.connect(database)
    try:
        seen: dict[str, tuple[int, int]] = {}
        for table_name in TABLES:
            total = connection.execute(
                f'SELECT COUNT(*) FROM "{table_name}" WHERE external_id IS NOT NULL'
            ).fetchone()[0]
            kind = {v: k for k, v in generate.TABLE_NAMES.items()}.get(table_name)
            blocking = 0
            if kind is not None:
                condition = BLOCKING["sqlite"][SectionKey(kind)]
                blocking = connection.execute(
                    f'SELECT COUNT(*) FROM "{table_name}" WHERE external_id IS NOT NULL '
                    f"AND ({condition})"
                ).fetchone()[0]
            seen[table_name] = (int(total), int(blocking))
        return seen
    finally:
        connection.close()


def _check(imported: dict[str, Any], floor_db: Path, import_db: Path, notes: list[str]) -> None:
    """The floor must store what the import stores, and the re-sync must change nothing."""
    ours, theirs = stored(import_db), stored(floor_db)
    if ours != theirs:
        differ = {t: (ours[t], theirs[t]) for t in TABLES if ours[t] != theirs[t]}
        notes.append(f"the import and the floor store different rows (import, floor): {differ}")
    changed = sum(o["added"] + o["updated"] for o in imported["again"]["objects"])
    if changed or imported["again"]["errors"]:
        notes.append(f"the re-sync of the same export changed {changed} rows")


def measure(
    shape: ExportShape, tenth: ExportShape, runs: int, work: Path, *, rebuild: bool = False
) -> list[Figure]:
    """The figures: import, floor and re-sync on ``shape``; peak memory against ``tenth``."""
    from bench.run import say  # the benchmark's table, loaded in the parent only

    say(f"writing (or reusing) the Salesforce exports: {shape.name}, {tenth.name}…")
    folder = crm_export.cached_export(shape, rebuild=rebuild, say=say)
    small_folder = crm_export.cached_export(tenth, rebuild=rebuild, say=say)
    template = generate.empty_sqlite(work / "template.db")
    imports: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    notes: list[str] = []
    for run in range(runs):
        import_db = generate.copy_database(template, work / "import.db")
        floor_db = generate.copy_database(template, work / "floor.db")
        order = ["floor", "import"] if run % 2 else ["import", "floor"]
        for action in order:
            if action == "import":
                imports.append(child("import", import_db, folder))
            else:
                floors.append(child("floor", floor_db, folder))
        if run == 0:
            _check(imports[-1], floor_db, import_db, notes)
        say(
            f"  run {run + 1}/{runs}: import {imports[-1]['import_seconds']:.1f} s "
            f"(re-sync {imports[-1]['resync_seconds']:.1f} s, peak "
            f"{imports[-1]['import_peak_kb'] / 1024:.0f} MB), floor {floors[-1]['seconds']:.1f} s"
        )
        for path in (import_db, floor_db):
            generate._remove(path)
    tenths: list[dict[str, Any]] = []
    tenth_floors: list[dict[str, Any]] = []
    for run in range(runs):
        tenth_db = generate.copy_database(template, work / "tenth.db")
        floor_db = generate.copy_database(template, work / "tenth-floor.db")
        tenths.append(child("import", tenth_db, small_folder))
        tenth_floors.append(child("floor", floor_db, small_folder))
        for path in (tenth_db, floor_db):
            generate._remove(path)
        say(
            f"  {tenth.name} run {run + 1}/{runs}: peak "
            f"{tenths[-1]['import_peak_kb'] / 1024:.0f} MB, floor's "
            f"{tenth_floors[-1]['peak_kb'] / 1024:.0f} MB"
        )
    for note in notes:
        say(f"note: {note}")
    return figures(shape, tenth, (imports, floors), (tenths, tenth_floors), notes)


def figures(
    shape: ExportShape,
    tenth: ExportShape,
    whole: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    part: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    notes: list[str],
) -> list[Figure]:
    """The table's lines: each run's import and floor (``whole``), and on the tenth (``part``)."""
    from bench.run import figure

    imports, floors = whole
    tenths, tenth_floors = part
    size = f"{shape.accounts:,} accounts + {shape.records:,} records"
    ours = [i["import_seconds"] for i in imports]
    floor = [f["seconds"] for f in floors]
    again = [i["resync_seconds"] for i in imports]

    def megabytes(results: list[dict[str, Any]], key: str) -> list[float]:
        return [result[key] / 1024 for result in results]

    def ratios(top: list[float], bottom: list[float]) -> list[float]:
        return [a / b for a, b in zip(top, bottom, strict=True)]

    peaks, small = megabytes(imports, "import_peak_kb"), megabytes(tenths, "import_peak_kb")
    resyncs = megabytes(imports, "resync_peak_kb")
    small_resyncs = megabytes(tenths, "resync_peak_kb")
    floor_peaks, small_floors = megabytes(floors, "peak_kb"), megabytes(tenth_floors, "peak_kb")
    many, few = f"{shape.accounts:,}", f"{tenth.accounts:,}"
    flat = f"≤ {MEMORY_TARGET:g}×"
    return [
        figure(
            "8.import",
            f"Import {size}: import_salesforce (sqlite)",
            "s",
            ours,
            note="; ".join(notes),
        ),
        figure("8.floor", "  floor: csv rows, executemany, one transaction", "s", floor),
        figure(
            "8.floor_insert",
            "  of which executemany and COMMIT",
            "s",
            [f["insert_seconds"] for f in floors],
        ),
        figure(
            "8.ratio",
            "  import_salesforce ÷ floor",
            "×",
            ratios(ours, floor),
            target=f"≤ {TIME_TARGET:g}×",
            limit=TIME_TARGET,
        ),
        figure("8.resync", "Re-sync: the same export again", "s", again),
        figure(
            "8.resync_ratio",
            "  re-sync ÷ import",
            "×",
            ratios(again, ours),
            target="≤ 1×",
            limit=1.0,
        ),
        figure("9.peak", f"Peak RSS, importing {many} accounts", "MB", peaks),
        figure("9.peak_tenth", f"Peak RSS, importing {few} accounts", "MB", small),
        figure(
            "9.peak_ratio",
            f"  import: {many} ÷ {few} accounts",
            "×",
            ratios(peaks, small),
            target=flat,
            limit=MEMORY_TARGET,
        ),
        figure("9.resync", f"Peak RSS, import then re-sync, {many} accounts", "MB", resyncs),
        figure(
            "9.resync_tenth", f"Peak RSS, import then re-sync, {few} accounts", "MB", small_resyncs
        ),
        figure(
            "9.resync_ratio",
            f"  import then re-sync: {many} ÷ {few} accounts",
            "×",
            ratios(resyncs, small_resyncs),
            target=flat,
            limit=MEMORY_TARGET,
        ),
        figure("9.floor", f"  the floor's peak RSS, {many} accounts", "MB", floor_peaks),
        figure("9.floor_tenth", f"  the floor's peak RSS, {few} accounts", "MB", small_floors),
        figure(
            "9.floor_ratio",
            f"  the floor's {many} ÷ {few} accounts",
            "×",
            ratios(floor_peaks, small_floors),
        ),
    ]


def crm_figures(
    runs: int, work: Path, *, small: bool = False, rebuild: bool = False
) -> list[Figure]:
    """The figures on the full export and its tenth (or the small ones), in ``work``."""
    shapes = (
        (crm_export.SMALL, crm_export.SMALL_TENTH) if small else (crm_export.FULL, crm_export.TENTH)
    )
    return measure(*shapes, runs, work, rebuild=rebuild)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["--child"]:
        action, database, folder = arguments[1], Path(arguments[2]), Path(arguments[3])
        if action == "import":
            result = import_twice(database, folder, generate.LEAD)
        else:
            result = floor_import(database, folder)
        print(json.dumps(result))
        return 0
    from bench.run import table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--small", action="store_true", help="2,000 accounts: a quick check")
    parser.add_argument("--runs", type=int, default=3, help="imports and floors (default 3)")
    parser.add_argument("--rebuild", action="store_true", help="write the exports again")
    args = parser.parse_args(arguments)
    began = time.perf_counter()
    generate.CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=generate.CACHE, prefix="crm-") as scratch:
        found = crm_figures(args.runs, Path(scratch), small=args.small, rebuild=args.rebuild)
    print(table(found))
    missed = [f.measure.strip() for f in found if f.met is False]
    print()
    print(
        f"{sum(f.met is True for f in found)} of {sum(f.met is not None for f in found)} targets met."
    )
    if missed:
        print("Missed: " + "; ".join(missed))
    for f in found:
        if f.note:
            print(f"Note: {f.note}")
    print(f"Took {time.perf_counter() - began:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
