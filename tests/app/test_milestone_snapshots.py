"""SVG snapshots of the two milestones (issue 12): the Cancellation Tool after Process with the
termination case still open (at 80×24 and 120×36), the Timeline of that open case, and the
confirmation Close asks for once every task is done. The worlds are built with the data layer's
operations (tests/app/test_milestones_app.py), on the demo with a frozen clock.

Update with ``pytest tests/app/test_milestone_snapshots.py --snapshot-update`` and look at the
SVGs before committing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from screens.customer_list import CustomerListScreen
from tests.app.conftest import settle
from tests.app.test_milestones_app import close_world, processed_world
from tui.app import OffboardApp

SnapCompare = Callable[..., bool]


@pytest.fixture
def processed(db_path: str) -> str:
    """Processed today with its termination case open: nine tasks left for Close."""
    return processed_world()


@pytest.fixture
def closable(db_path: str) -> str:
    """Processed, every task of its case done: Close asks for confirmation."""
    return close_world()


def open_tool(account: str, *keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.screen.post_message(CustomerListScreen.OpenTool(account))
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        # Laid out afresh, as a terminal resize does, so no focus change is caught half-way.
        await pilot.resize_terminal(*pilot.app.size)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_tool_after_process_with_the_case_open(
    snap_compare: SnapCompare,
    make_app: Callable[..., OffboardApp],
    processed: str,
    size: tuple[int, int],
) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=open_tool(processed))


def test_timeline_of_an_open_case(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], processed: str
) -> None:
    assert snap_compare(make_app(), terminal_size=(130, 30), run_before=open_tool(processed, "t"))


def test_close_confirmation(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], closable: str
) -> None:
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=open_tool(closable, "c"))
