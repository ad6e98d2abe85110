"""SVG snapshots of Manage <section> (issue 14) at 80×24 and 120×36: the columns fit (the detail
gives way first, a cut cell ends in "…", the highlighted record is in full in the pane under the
table), the close form with no state chosen, and a table sorted by status.

Update with ``pytest tests/app/test_manage_snapshots.py --snapshot-update`` and look at the SVGs
(``python /work/notes/svgtext.py FILE.svg``) before committing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from screens.customer_list import CustomerListScreen
from tests.app.conftest import settle
from tui.app import OffboardApp

SnapCompare = Callable[..., bool]
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
REDWOOD = "100012"


def open_manage(section: str, *keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.screen.post_message(CustomerListScreen.OpenManage(REDWOOD, section))
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await pilot.resize_terminal(*pilot.app.size)
        await settle(pilot)

    return run_before


@SIZES
def test_manage_opportunities_fits(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=open_manage("opportunities"))


@SIZES
def test_manage_assets_fits(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=open_manage("assets", "down"))


@SIZES
def test_manage_close_all_asks_for_the_state(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_app(), terminal_size=size, run_before=open_manage("opportunities", "a")
    )


@SIZES
def test_manage_sorted_by_status(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_app(), terminal_size=size, run_before=open_manage("opportunities", "s", "s")
    )
