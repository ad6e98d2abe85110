"""Start-up against bare Textual: the app's start to its customer list drawn, and its peak memory,
each as a ratio to a bare Textual app (Header + DataTable with 50 rows + Footer) run headless to
its first paint, measured side by side in one run.

Every sample is a fresh process (imports included), the app and the bare app alternating; the
wall time runs from just before the process is started to its first paint after the rows are in,
the memory is the process's peak resident set (VmHWM) at that moment. The app reads the demo
database (``offboard demo``, 40 customers) made once in a temporary folder.

Run: ``python bench/startup.py [--runs N] [--json]``; exits 1 when a ratio misses its target.
``bench/run.py`` may call ``measure()`` or run this script with ``--json``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP_PROBE = ROOT / "bench" / "app_probe.py"
ROWS = 50
TIME_TARGET = 1.2
MEMORY_TARGET = 1.3


def _peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == "VmHWM":
            return int(value.split()[0])
    return 0


def probe_bare() -> None:
    """The bare Textual app: run headless to its first paint with the rows in; print JSON."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Account", "Name", "Status", "Owner")
            for number in range(ROWS):
                table.add_row(str(100_000 + number), f"Customer {number}", "Live", "lead")
            self.call_after_refresh(self._drawn)

        def _drawn(self) -> None:
            result["drawn_at"] = time.monotonic()
            result["VmHWM"] = _peak_kb()
            self.exit()

    result: dict[str, Any] = {}

    async def wait(_pilot: Any) -> None:
        await asyncio.sleep(0)

    Bare().run(headless=True, size=(120, 40), auto_pilot=wait)
    print(json.dumps(result), flush=True)


def _sample(command: list[str]) -> tuple[float, float]:
    """Seconds from process start to first paint, and peak RSS in MiB, of one run."""
    started = time.monotonic()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    printed = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not printed:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    result = json.loads(printed[-1])
    return float(result["drawn_at"]) - started, int(result["VmHWM"]) / 1024


def _demo_database(folder: Path) -> Path:
    location = folder / "demo.db"
    offboard = [sys.executable, "-c", "from tui.cli import main; main()"]
    done = subprocess.run(
        [*offboard, "demo", "--db", str(location)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"offboard demo failed:\n{done.stderr[-3000:]}")
    return location


def measure(runs: int = 7) -> dict[str, Any]:
    """Medians of both apps' start and peak memory over ``runs`` alternating samples each."""
    with tempfile.TemporaryDirectory(prefix="offboard-startup-") as folder:
        location = _demo_database(Path(folder))
        app = [sys.executable, str(APP_PROBE), str(location), getpass.getuser()]
        bare = [sys.executable, str(Path(__file__).resolve()), "--probe-bare"]
        _sample(app)  # warm the page cache with both sets of files first
        _sample(bare)
        seen: dict[str, list[tuple[float, float]]] = {"app": [], "bare": []}
        for run in range(runs):
            order = [("app", app), ("bare", bare)]
            if run % 2:
                order.reverse()
            for name, command in order:
                seen[name].append(_sample(command))
    figures: dict[str, Any] = {"runs": runs}
    for name, samples in seen.items():
        figures[f"{name}_seconds"] = round(statistics.median(s for s, _ in samples), 4)
        figures[f"{name}_peak_mib"] = round(statistics.median(m for _, m in samples), 2)
    figures["time_ratio"] = round(figures["app_seconds"] / figures["bare_seconds"], 3)
    figures["memory_ratio"] = round(figures["app_peak_mib"] / figures["bare_peak_mib"], 3)
    figures["time_target"] = TIME_TARGET
    figures["memory_target"] = MEMORY_TARGET
    figures["met"] = figures["time_ratio"] <= TIME_TARGET and (
        figures["memory_ratio"] <= MEMORY_TARGET
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="samples of each app (default 7)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--probe-bare", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.probe_bare:
        probe_bare()
        return
    figures = measure(arguments.runs)
    if arguments.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"Start-up against a bare Textual app, medians of {figures['runs']} runs each")
        print(
            f"  start to list drawn  {figures['app_seconds']:.3f} s vs "
            f"{figures['bare_seconds']:.3f} s = {figures['time_ratio']:.2f}×  "
            f"(target ≤ {TIME_TARGET}×)"
        )
        print(
            f"  peak memory          {figures['app_peak_mib']:.1f} MiB vs "
            f"{figures['bare_peak_mib']:.1f} MiB = {figures['memory_ratio']:.2f}×  "
            f"(target ≤ {MEMORY_TARGET}×)"
        )
    raise SystemExit(0 if figures["met"] else 1)


if __name__ == "__main__":
    main()
