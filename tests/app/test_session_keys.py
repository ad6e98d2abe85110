"""A team lead's session (issue 14): the tool and the start screen fit 80x24 and 120x36 (the
highlighted section's full summary, the Footer's most important keys first), the progress line
and the "ready to process" marker, an unavailable key that says why, the filter stepping back,
Help listing every section and q, palette entries that say what they do, and the theme
remembered across runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from data import cancellations
from data.customers import tool_view
from data.demo import finish_termination
from data.retention.attempts import note_no_attempt
from data.sections import SectionKey
from data.users import list_reasons
from screens.base import ScreenActions
from screens.customer_list import FILTERS, READY, CustomerListScreen
from screens.footer import KeyFooter
from screens.help import HelpScreen, section_names
from screens.tool import SectionList, ToolScreen, progress_words
from tests.app.conftest import settle
from tui.app import OffboardApp
from tui.config import read_theme

SnapCompare = Callable[..., bool]
REDWOOD = "100012"  # the demo's lead began it: most sections red
GREEN = "100020"  # Lighthouse Counseling, cleared with the data layer's operations
SIZES = [(80, 24), (120, 36)]


def make_green(account: str = GREEN) -> str:
    """Begin and clear every section that holds Process back, as the lead."""
    lead = "lead"
    cancellations.begin(lead, account)
    reasons = [r.id for r in list_reasons() if r.name == "Price"]
    cancellations.set_reasons(lead, account, reasons, "")
    cancellations.choose_owner(lead, account, "tess")
    cancellations.add_expiry(lead, account, dt.date(2027, 6, 30), "")
    cancellations.cease_assets(lead, account, dt.date(2025, 12, 31))
    for section, state in (
        ("cases", "Closed"),
        ("opportunities", "Lost"),
        ("sales_orders", "Cancelled"),
    ):
        cancellations.close_records(lead, account, section, state)
    for step in ("final-amount-email", "payment-confirmed", "admin-notified"):
        cancellations.confirm_step(lead, account, step)
    note_no_attempt(lead, account, "Signed elsewhere before we heard")
    finish_termination(lead, account)
    view = tool_view(account)
    assert not view.unfinished, view.unfinished
    return account


async def open_tool(pilot: Pilot[Any], account: str) -> ToolScreen:
    await settle(pilot)
    pilot.app.screen.post_message(CustomerListScreen.OpenTool(account))
    await settle(pilot)
    tool = pilot.app.screen
    assert isinstance(tool, ToolScreen)
    return tool


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def footer_keys(screen: Any) -> list[tuple[str, bool]]:
    """The Footer's keys, left to right, and whether each is wholly on screen."""
    footer = screen.query_one(KeyFooter)
    width = screen.app.size.width
    keys = [key for key in footer.query(FooterKey) if "-command-palette" not in key.classes]
    return [(key.key, key.region.right <= width - 12) for key in keys]


@pytest.mark.parametrize("size", SIZES)
async def test_the_tool_fits_the_terminal(
    make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        tool = await open_tool(pilot, REDWOOD)
        assert tool.view is not None
        # The Footer: the keys that matter first, q and ? among those that show.
        keys = footer_keys(tool)
        shown = [key for key, visible in keys if visible]
        assert shown[:5] == ["enter", "p", "t", "question_mark", "q"], keys
        if size[0] >= 120:
            # Remove is short in the Footer (its tooltip names it in full): it shows whole.
            assert "x" in shown, keys
        assert "b" not in [key for key, _ in keys] and "o" not in [key for key, _ in keys]
        # The line that says why Process is unavailable is on screen, above the Footer.
        line = tool.query_one("#process-line", Static)
        footer = tool.query_one(KeyFooter)
        assert text(tool, "#process-line").startswith("Process is unavailable: ")
        assert line.region.height >= 1 and line.region.bottom <= footer.region.y
        # The highlighted section's whole summary is there, however narrow its line in the list.
        sections = tool.query_one("#sections", SectionList)
        for index, section in enumerate(tool.view.sections):
            sections.index = index
            await pilot.pause()
            detail = text(tool, "#section-detail")
            assert section.name in detail and section.summary in detail.replace("\n", " ")
        detail_widget = tool.query_one("#section-detail", Static)
        assert detail_widget.region.height >= 1 and detail_widget.region.bottom <= line.region.y


@pytest.mark.parametrize("size", SIZES)
async def test_the_start_screens_footer_keeps_help_and_quit(
    make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        shown = [key for key, visible in footer_keys(app.screen) if visible]
        assert shown[:5] == ["slash", "o", "t", "question_mark", "q"], shown
        if size[0] >= 120:
            # Approvals comes next: at 120 columns it shows whole, not cut to "a Ap".
            assert shown[5] == "a", shown


async def test_the_progress_line_counts_the_sections_that_hold_back(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot, REDWOOD)
        assert tool.view is not None
        counted = [s for s in tool.view.sections if s.milestone is not None]
        clear = [s for s in counted if not s.holds_back]
        assert 0 < len(clear) < len(counted)
        words = f"{len(clear)} of {len(counted)} clear"
        assert progress_words(tool.view.sections) == words
        assert text(tool, "#tool-progress") == f"Sections: {words}"
        # Customer mood is optional: it is not counted.
        assert SectionKey.MOOD not in {s.key for s in counted}


async def test_the_pending_list_marks_what_is_ready_to_process(
    make_app: Callable[..., OffboardApp],
) -> None:
    make_green()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        line = text(app.screen, "#pending-line")
        ready = next(row for row in line.splitlines() if f"({GREEN})" in row)
        redwood = next(row for row in line.splitlines() if f"({REDWOOD})" in row)
        assert READY in ready
        assert READY not in redwood


async def test_an_unavailable_key_says_why(make_app: Callable[..., OffboardApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot, REDWOOD)
        reason = tool.unavailable_reason("process")
        assert reason.startswith("Process is unavailable: ")
        await pilot.press("p")
        await settle(pilot)
        assert app.screen is tool  # no confirmation opens
        assert [n.message for n in app._notifications][-1] == reason
        # Close is unavailable before Process too; c says so.
        await pilot.press("c")
        await settle(pilot)
        assert [n.message for n in app._notifications][-1] == tool.unavailable_reason("close_case")


async def test_the_status_filter_steps_back_with_shift_f(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        start = app.screen
        assert isinstance(start, CustomerListScreen)
        await pilot.press("F")
        await settle(pilot)
        assert start.query_state.status == FILTERS[-1]
        assert text(start, "#status-filter") == f"Status: {FILTERS[-1]}"
        await pilot.press("F")
        await settle(pilot)
        assert start.query_state.status == FILTERS[-2]
        await pilot.press("f", "f")
        await settle(pilot)
        assert start.query_state.status is None
        assert text(start, "#status-filter") == "Status: All"


async def test_help_lists_every_section_q_and_what_each_key_does(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_tool(pilot, REDWOOD)
        await pilot.press("question_mark")
        await settle(pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        sections = text(help_screen, "#help-sections")
        names = section_names()
        # Every section data/sections.py names, not a list of eight.
        assert len(names) == len({*SectionKey}) and len(names) > 8
        for name in ("Retention", "Timeline", "Sign-offs", "Access & data", "Customer mood"):
            assert name in names
        for name in names:
            assert name in sections.replace("\n", " ")
        described = {description: key for key, description, _state in help_screen.keys}
        assert "q" in described["Quit"].split()
        assert help_screen.tooltips["Process"].startswith("Cancel the customer once every")
        assert help_screen.tooltips["Quit"]
        # Every key of the tool itself says what it does.
        tool_actions = {b.description for b in ToolScreen.BINDINGS if hasattr(b, "description")}
        for description in tool_actions & set(described):
            assert help_screen.tooltips.get(description), description


async def test_palette_entries_say_what_they_do(make_app: Callable[..., OffboardApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot, REDWOOD)
        provider = ScreenActions(tool)
        entries = {title: (action, enabled) for title, action, enabled in provider._entries()}
        helps = {
            title: provider._help(action, enabled) for title, (action, enabled) in entries.items()
        }
        assert "Action on this screen" not in helps.values()
        for binding in ToolScreen.BINDINGS:
            assert isinstance(binding, Binding) and binding.tooltip, binding
            if binding.description in helps and entries[binding.description][1]:
                assert helps[binding.description] == binding.tooltip
        assert helps["Timeline"] == "The termination plan's tasks, the effective date, sign-offs"
        assert helps["Process"] == f"Unavailable: {tool.unavailable_reason('process')}"


async def test_the_theme_is_remembered_across_runs(
    make_app: Callable[..., OffboardApp], ui_file: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme != "textual-light"
        app.theme = "textual-light"
        await settle(pilot)
    assert read_theme() == "textual-light"
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.theme == "textual-light"


@pytest.mark.parametrize("content", ["{not json", '{"theme": 12}', '["x"]', '{"theme": "nope"}'])
async def test_a_broken_theme_file_never_stops_the_app(
    make_app: Callable[..., OffboardApp], ui_file: Path, content: str
) -> None:
    ui_file.write_text(content, encoding="utf-8")
    app = make_app()
    default = app.theme
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CustomerListScreen)
        assert app.theme == default


# ---------------------------------------------------------------------------- snapshots


async def _finished(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.resize_terminal(*pilot.app.size)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_tool_with_detail_and_progress(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_tool(pilot, REDWOOD)
        await pilot.press("down", "down")  # Future expiry: its summary is cut at 80 columns
        await _finished(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_start_screen_ready_marker(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    make_green()

    async def run_before(pilot: Pilot[Any]) -> None:
        await _finished(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_snapshot_tool_in_the_light_theme(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    """✓ and ✗, and the greyed-out Process key, read in the light theme too."""

    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.theme = "textual-light"
        await open_tool(pilot, REDWOOD)
        await _finished(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=run_before)
