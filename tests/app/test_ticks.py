"""Every tick box reads the same without colour: ``[x]`` ticked, ``[ ]`` not — in the reasons,
Perform Now (the new owner), the Process recipients and the sign-offs — never ``▐X▌`` (the same
glyphs either way, told apart only by colour)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.widgets import Checkbox, SelectionList
from textual.widgets.selection_list import Selection

from screens.form_confirmations import ProcessForm
from screens.forms import ChoiceForm, ReasonsForm
from screens.ticks import Tick, TickList
from screens.tool import SectionItem, SectionList, ToolScreen
from tests.app.conftest import settle
from tests.app.test_milestones_app import SMALL, open_tool, ready_for_process
from tui.app import OffboardApp

PENDING = "100012"  # Redwood Legal LLP: pending in the demo, its reasons and owner to choose


def screen_text(app: App[object]) -> str:
    """What the terminal shows, as text (the SVG screenshot's text runs, in order)."""
    svg = app.export_screenshot()
    runs = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    text = html.unescape("".join(re.sub(r"<[^>]+>", "", run) for run in runs))
    # Spaces are dropped: the screenshot writes runs of them apart from the text.
    return text.replace("\xa0", "").replace(" ", "")


class Boxes(App[None]):
    def compose(self) -> ComposeResult:
        yield Tick("Perform Now", value=True)
        yield Tick("Past date")
        yield TickList(Selection("Price", 1, True), Selection("Budget cuts", 2))


async def test_a_tick_and_a_list_of_ticks_read_x_or_blank() -> None:
    app = Boxes()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "[x]PerformNow" in text and "[]Pastdate" in text
        assert "[x]Price" in text and "[]Budgetcuts" in text
        assert "▐X▌" not in text
        box = app.query(Tick).first()
        box.value = False
        await pilot.pause()
        assert "[]PerformNow" in screen_text(app)


async def open_section(pilot: object, tool: ToolScreen, key: str) -> None:
    sections = tool.query_one("#sections", SectionList)
    keys = [item.section.key for item in sections.query(SectionItem)]
    sections.index = keys.index(key)
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_the_reasons_perform_now_and_the_recipients_tick_with_x(
    make_app: Callable[..., OffboardApp], db_path: str
) -> None:
    ready_for_process(SMALL)
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        tool = await open_tool(pilot, PENDING)
        await open_section(pilot, tool, "reasons")
        assert isinstance(app.screen, ReasonsForm)
        assert all(isinstance(each, TickList) for each in app.screen.query(SelectionList))
        text = screen_text(app)
        assert "[]Price" in text and "▐X▌" not in text
        await pilot.press("escape")
        await settle(pilot)

        await open_section(pilot, tool, "ownership")
        assert isinstance(app.screen, ChoiceForm)
        assert all(isinstance(each, Tick) for each in app.screen.query(Checkbox))
        text = screen_text(app)
        assert "[]PerformNow" in text and "▐X▌" not in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        await open_tool(pilot, SMALL)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ProcessForm)
        text = screen_text(app)
        assert "[x]Lead" in text and "[]" in text and "▐X▌" not in text
