"""Start the app headless on a database, wait until the customer list has drawn its first page,
and print (as one JSON line) when that happened and the process's peak memory so far.

The app runs as ``offboard`` runs it (``App.run``, headless), watched by an auto-pilot coroutine
rather than the test harness. ``bench/run.py`` runs this in a fresh process for every sample, so
a measurement starts at process start, imports included.
Run by hand: ``python bench/app_probe.py DATABASE LOGIN``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TIMEOUT = 60.0


def memory_kb() -> dict[str, int]:
    """Peak (VmHWM) and current (VmRSS) resident memory of this process, in KiB."""
    found: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmHWM", "VmRSS"}:
            found[name] = int(value.split()[0])
    return found


def probe(location: str, login: str) -> dict[str, Any]:
    from textual.css.query import NoMatches
    from textual.pilot import Pilot
    from textual.widgets import DataTable, Static

    from screens.customer_list import CustomerListScreen
    from tui.app import create_app

    app = create_app(location, login)
    result: dict[str, Any] = {}

    async def watch(pilot: Pilot[Any]) -> None:
        deadline = time.monotonic() + TIMEOUT
        while True:
            screen = app.screen
            # The first page has arrived when the list is no longer loading and its count line
            # has been written (it says "Loading customers…" until then, even on no customers).
            if isinstance(screen, CustomerListScreen) and not screen.loading:
                try:
                    count = str(screen.query_one("#list-count", Static).render())
                except NoMatches:  # pushed, its widgets not mounted yet
                    count = "Loading"
                if not count.startswith("Loading"):
                    break
            if time.monotonic() > deadline:
                app.exit(message=f"The customer list did not load within {TIMEOUT:.0f} s.")
                return
            await asyncio.sleep(0.002)
        drawn: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        # The rows are in the table; the moment that counts is the next repaint of the screen.
        app.call_after_refresh(lambda: drawn.set_result(time.monotonic()))
        result["drawn_at"] = await asyncio.wait_for(drawn, TIMEOUT)
        result["rows"] = screen.query_one("#customers", DataTable).row_count
        result["count_line"] = count
        result.update(memory_kb())
        app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=watch)
    return result


def main() -> None:
    location, login = sys.argv[1], sys.argv[2]
    result = probe(location, login)
    if not result:
        print("app_probe: the app stopped before the customer list was drawn", file=sys.stderr)
        raise SystemExit(1)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
