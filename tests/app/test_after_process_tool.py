"""After Process the Cancellation Tool says what is true of the termination case: what is left
for Close in its words (not "Sections: 0 of 3 clear"), the tool's own sections still clear (not
"optional"), and only the keys that can be used (no E-mail admin, Scenario or Remove)."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Static

from screens.tool import SectionItem, SectionList, ToolScreen
from tests.app.conftest import settle
from tests.app.test_milestones_app import SMALL, open_tool, processed_world
from tui.app import OffboardApp

LEFT = (
    "9 tasks left, next: Legal confirms the termination terms and dates; case updated; "
    "Sign-offs; Access & data"
)


def text(tool: ToolScreen, selector: str) -> str:
    return str(tool.query_one(selector, Static).render())


async def test_the_processed_tool_says_what_is_left_for_close_and_offers_only_that(
    make_app: Callable[..., OffboardApp], db_path: str
) -> None:
    processed_world()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot, SMALL)

        assert text(tool, "#tool-progress") == f"Processed — for Close: {LEFT}"
        assert text(tool, "#process-line") == (
            "Processed 2026-01-15 09:30 by Lead — for Close: 9 tasks left; Sign-offs; Access & "
            "data. t works them on the Timeline; c closes the case."
        )
        # The tool's own sections were done for Process: clear, not optional.
        sections = tool.query_one("#sections", SectionList)
        sections.index = 0
        await settle(pilot)
        assert text(tool, "#section-detail").startswith("Cancellation reasons (clear) — ")
        mood = [item.section.key for item in sections.query(SectionItem)].index("mood")
        sections.index = mood
        await settle(pilot)
        assert text(tool, "#section-detail").startswith("Customer mood (optional) — ")
        # Only what can be done is offered: no E-mail admin, Scenario, Remove or Process.
        offered = {b.binding.action for b in tool.active_bindings.values() if b.binding.show}
        assert {"close_case", "timeline"} <= offered
        assert not offered & {"email", "scenario", "remove", "process"}
        await pilot.press("e")
        await settle(pilot)
        assert app.screen is tool  # e says why (the data layer refuses it too)
        said = [str(notification.message) for notification in app._notifications]
        assert "is processed" in said[-1]
