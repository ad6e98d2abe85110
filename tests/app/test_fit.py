"""Every screen fits 80x24 and 120x36 (issue 22): the Footer shows the keys that fit, each label
whole (in full, or its short form at 80 columns), always ``?`` Help, inside the terminal's width
and clear of the palette's key; and it lays its keys out again when the terminal is resized."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from screens.base import OffboardScreen
from screens.footer import SHORT_LABELS, FooterEntry, KeyFooter, choose, key_width
from screens.tool import SectionItem, SectionList, ToolScreen
from tests.app.conftest import settle
from tui.app import OffboardApp

REDWOOD = "100012"  # pending: most sections red, a timeline under way
SAGEBRUSH = "100027"  # processed, its termination case open
PINECREST = "100011"  # its offboarding notice sent: the Outbox has mail
SIZES = [(80, 24), (120, 36)]

Opener = Callable[[Pilot[Any]], Awaitable[None]]


def posting(message: Callable[[], OffboardScreen.OpenCustomer | Any]) -> Opener:
    async def open_it(pilot: Pilot[Any]) -> None:
        pilot.app.screen.post_message(message())

    return open_it


def pressing(*keys: str, account: str | None = None) -> Opener:
    async def open_it(pilot: Pilot[Any]) -> None:
        if account is not None:
            pilot.app.screen.post_message(OffboardScreen.OpenCustomer(account))
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return open_it


async def stay(_pilot: Pilot[Any]) -> None:
    """The start screen: nothing to open."""


SCREENS: dict[str, Opener] = {
    "customer list": stay,
    "customer": posting(lambda: OffboardScreen.OpenCustomer(REDWOOD)),
    "paused customer": posting(lambda: OffboardScreen.OpenCustomer("100006")),
    "tool": posting(lambda: OffboardScreen.OpenTool(REDWOOD)),
    "processed tool": posting(lambda: OffboardScreen.OpenTool(SAGEBRUSH)),
    "manage": posting(lambda: OffboardScreen.OpenManage(REDWOOD, "opportunities")),
    "manage assets": posting(lambda: OffboardScreen.OpenManage(REDWOOD, "assets")),
    "timeline": posting(lambda: OffboardScreen.OpenTimeline(REDWOOD)),
    "today": posting(lambda: OffboardScreen.OpenToday()),
    "billing": posting(lambda: OffboardScreen.OpenBilling(REDWOOD)),
    "outbox": posting(lambda: OffboardScreen.OpenOutbox(PINECREST)),
    "e-mail": posting(lambda: OffboardScreen.OpenEmail(REDWOOD, 1)),
    "import": posting(lambda: OffboardScreen.OpenImport()),
    "reports": pressing("r"),
    "approvals": pressing("a"),
    "audit": pressing("a", account=SAGEBRUSH),
}


def footer_problems(app: OffboardApp) -> tuple[list[str], list[str]]:
    """The Footer's labels, left to right, and what is wrong with them (empty: nothing)."""
    footer = app.screen.query_one(KeyFooter)
    width = app.size.width
    keys = [key for key in footer.query(FooterKey) if "-command-palette" not in key.classes]
    palettes = [key for key in footer.query(FooterKey) if "-command-palette" in key.classes]
    edge = palettes[0].region.x if palettes else width
    # A label is whole when it is a binding's description, or that description's short form.
    descriptions = {active.binding.description for active in app.screen.active_bindings.values()}
    whole = descriptions | {SHORT_LABELS[d] for d in descriptions if d in SHORT_LABELS}
    problems: list[str] = []
    labels: list[str] = []
    for key in keys:
        label = f"{key.key_display} {key.description}"
        labels.append(label)
        if key.description not in whole:
            problems.append(f"{label!r} is not a key's label, nor its short form")
        if key.region.width != key_width(key.key_display, key.description):
            problems.append(f"{label!r} is {key.region.width} cells, not its own width")
        if key.region.right > edge:
            problems.append(f"{label!r} ends at {key.region.right}, past {edge}")
    # ? is Help wherever it is a key (in a text field it is typed, and the Footer says nothing).
    helps = [a for a in app.screen.active_bindings.values() if a.binding.action == "app.help"]
    if helps and "question_mark" not in [key.key for key in keys]:
        problems.append("? Help is not shown")
    for palette in palettes:
        if palette.region.right > width:
            problems.append("the palette's key is past the edge")
    return labels, problems


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x36"])
@pytest.mark.parametrize("name", list(SCREENS))
async def test_every_screens_footer_shows_whole_labels_and_help(
    make_app: Callable[..., OffboardApp], name: str, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await SCREENS[name](pilot)
        await settle(pilot)
        assert isinstance(app.screen, OffboardScreen), app.screen
        labels, problems = footer_problems(app)
        assert not problems, (labels, problems)
        assert len(labels) >= 2, labels


async def test_the_footer_lays_its_keys_out_again_when_the_terminal_narrows(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        pilot.app.screen.post_message(OffboardScreen.OpenCustomer(REDWOOD))
        await settle(pilot)
        wide, problems = footer_problems(app)
        assert not problems, (wide, problems)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        narrow, problems = footer_problems(app)
        assert not problems, (narrow, problems)
        assert len(narrow) < len(wide), (wide, narrow)
        # At 24 rows the screen is short (its extra lines give way); at 36 it is not.
        assert app.screen.has_class("-short")
        await pilot.resize_terminal(120, 36)
        await settle(pilot)
        again, problems = footer_problems(app)
        assert again == wide and not problems, (wide, again, problems)
        assert not app.screen.has_class("-short")


async def test_at_80x24_the_pending_line_keeps_to_two_rows_and_the_tool_shows_every_section(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        start = app.screen
        line = start.query_one("#pending-line", Static)
        assert line.display and line.region.height <= 2, line.region
        assert "Redwood Legal LLP (100012)" in str(line.render())
        start.post_message(OffboardScreen.OpenTool(REDWOOD))
        await settle(pilot)
        tool = app.screen
        assert isinstance(tool, ToolScreen) and tool.view is not None
        box = tool.query_one("#sections-box").region
        items = list(tool.query(SectionItem))
        assert len(items) == len(tool.view.sections) >= 17
        sections = tool.query_one("#sections", SectionList)
        # Each section in view whichever is highlighted (a long summary takes two detail rows).
        for index in range(len(items)):
            sections.index = index
            await pilot.pause()
            outside = [i.section.name for i in items if not box.contains_region(i.region)]
            assert not outside, (index, outside)


def entry(key: str, description: str, action: str) -> FooterEntry:
    return FooterEntry(key, key, description, action, True, "")


def test_the_footer_keeps_help_and_the_most_important_keys_that_fit() -> None:
    entries = [
        entry("o", "Resume pending", "resume"),
        entry("t", "Today", "today"),
        entry("f", "Filter status", "cycle_status(1)"),
        entry("q", "Quit", "app.quit"),
        entry("?", "Help", "app.help"),
    ]
    full = sum(key_width(e.display, e.description) for e in entries)
    # Room for all, in full: all of them, their full labels.
    assert choose(entries, full) == (entries, False)
    # One cell less: short labels, and every key that fits with them.
    shown, short = choose(entries, full - 1)
    assert short and shown == entries
    # Narrow: the most important ones that fit, then no more (Quit does not jump the queue
    # ahead of Filter), and Help whatever the room.
    room = key_width("o", "Resume") + key_width("t", "Today") + key_width("?", "Help")
    shown, short = choose(entries, room + 3)
    assert [e.key for e in shown] == ["o", "t", "?"] and short
    shown, _short = choose(entries, 3)
    assert [e.key for e in shown] == ["?"]


SnapCompare = Callable[..., bool]

# Screens without an 80x24 snapshot of their own elsewhere: Help over the tool, the customer,
# the start screen's pending line (two lines at 24 rows), Billing.
SNAPSHOTS: dict[str, Opener] = {
    "help": pressing("question_mark", account=None),
    "customer": posting(lambda: OffboardScreen.OpenCustomer(REDWOOD)),
    "start": stay,
    "billing": posting(lambda: OffboardScreen.OpenBilling(REDWOOD)),
}


@pytest.mark.parametrize("name", list(SNAPSHOTS))
def test_snapshot_at_80x24(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], name: str
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        if name == "help":
            pilot.app.screen.post_message(OffboardScreen.OpenTool(REDWOOD))
            await settle(pilot)
        await SNAPSHOTS[name](pilot)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
