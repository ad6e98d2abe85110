"""SVG snapshots of the Timeline and Today at 80x24 and 120x36 (issue 14): the columns that give
way at the narrow size, the highlighted task in full under the table, times with their zone, the
Footer's most important keys first; and the sign-off dialog with several sign-offs ticked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from screens.timeline import TimelineScreen
from tests.app.conftest import settle
from tests.app.test_snapshots import SnapCompare, finished, open_tool
from tui.app import OffboardApp

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
REDWOOD = "100012"  # four days in: the first tasks done (with their time), the next overdue


@SIZES
def test_timeline_fits(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    """Redwood's Timeline on its first done task: done by whom, when (in PST, named)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_tool(REDWOOD, "t")(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TimelineScreen)
        screen.query_one("#tasks", DataTable).move_cursor(row=0)
        await finished(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@SIZES
def test_today_fits(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    """Today sorted by customer (s once): the header marks the sort, the Task column stays; the
    demo's two retention reminders ("◆ reminder") sit among the tasks by customer."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("s")
        await finished(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@SIZES
def test_sign_offs_ticked_together(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    """The sign-off dialog from the tool, two outstanding sign-offs ticked with space; Finance
    signed, its time in the customer's zone."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_tool(REDWOOD, "t")(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TimelineScreen) and screen.view is not None
        keys = [task.key for task in screen.view.timeline.tasks]
        screen.query_one("#tasks", DataTable).move_cursor(row=keys.index("sign_offs"))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("space", "space")
        await finished(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
