"""A newcomer's demo cancellation (issue 22, part 4): the keys a team lead presses who knows only
what the screen says — the Footer's keys, the highlighted section's detail line ("Enter: its
form"), the form's explanation and its pre-focused field — from the start screen to Process, in
at most 60 keys (typed text not counted; the test prints them). And each fix it rests on: the
pickers find as you type, a Manage screen cleared here returns to the tool on Enter, a step form
stays open on the next step (and keeps text typed on its list), a case's one closed state is
chosen, and the Timeline moves on after a tick, keeps its For column, goes back to the tool
already open, with Help and the palette listing each key once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, SelectionList, Static
from textual.widgets._footer import FooterKey

from data import cancellations
from data.customers import customer_detail, tool_view
from data.models import CustomerStatus
from data.playbook import Milestone
from data.timeline import TaskState
from screens.base import ScreenActions
from screens.customer import CustomerScreen
from screens.fitted import FittedTable
from screens.form_confirmations import ProcessForm, StepForm
from screens.forms import ChoiceForm, DateForm, ReasonsForm
from screens.help import HelpScreen
from screens.manage import ManageScreen
from screens.reports import ReportsScreen
from screens.retention_forms import SaveAttemptForm
from screens.timeline import TimelineScreen
from screens.timeline_forms import TaskForm
from screens.tool import SectionItem, SectionList, ToolScreen
from tests.app.conftest import settle, settle_until
from tests.app.test_journey import (
    EFFECTIVE,
    KEY_BUDGET,
    SMALL_LIVE,
    CountingPilot,
    highlighted_key,
    red_keys,
    sections_of,
    settled,
    text_of,
)
from tui.app import OffboardApp

REDWOOD = "100012"  # the demo's cancellation begun by lead, most sections red


def footer_keys(app: OffboardApp) -> list[str]:
    """The keys the Footer shows now, in its order."""
    return [key.key for key in app.screen.query(FooterKey)]


def detail(app: OffboardApp) -> str:
    return text_of(app.screen, "#section-detail")  # type: ignore[arg-type]


def line(app: OffboardApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def enter_on_the_highlighted_red_section(keys: CountingPilot, key: str) -> None:
    """The tool's cursor is on the next red section and its detail says what Enter opens."""
    app = keys.app
    assert isinstance(app.screen, ToolScreen)
    assert highlighted_key(app) == key
    assert key in red_keys(app)
    assert "· Enter: " in detail(app)
    assert footer_keys(app)[0] == "enter"
    await keys.press("enter")
    await settled(keys)


async def close_every_record(keys: CountingPilot, key: str, typed: str | None) -> None:
    """Manage: the Footer offers a (close or cease all); the form's one field is focused;
    once the last blocking record is resolved the line says so and Enter goes back."""
    app = keys.app
    await enter_on_the_highlighted_red_section(keys, key)
    manage = app.screen
    assert isinstance(manage, ManageScreen)
    assert "a" in footer_keys(app)
    await keys.press("a")
    await settled(keys)
    form = app.screen
    if isinstance(form, DateForm):
        assert form.focused is form.query_one("#date", Input)  # "today" already
    else:
        assert isinstance(form, ChoiceForm)
        assert form.focused is form.query_one("#choices", OptionList)
        if typed is not None:
            await keys.type(typed)
    await keys.press("enter")
    await settled(keys)
    assert app.screen is manage
    assert "Enter returns to the tool" in line(app, "#manage-line")
    assert footer_keys(app)[0] == "enter"
    await keys.press("enter")
    await settled(keys)
    assert isinstance(app.screen, ToolScreen)
    assert key not in red_keys(app)


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
async def test_a_newcomer_cancels_the_demo_customer_in_at_most_60_keys(
    make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        keys = CountingPilot(pilot)
        await settled(keys)
        # The start screen's search (the Footer's / Search), then the customer.
        await keys.press("slash")
        await keys.type("ligh")
        await keys.press("enter", "enter")
        await settled(keys)
        assert isinstance(app.screen, CustomerScreen)
        assert footer_keys(app)[0] == "b"  # Begin Cancellation, first in the Footer
        await keys.press("b")
        await settled(keys)
        assert isinstance(app.screen, ChoiceForm)  # on the playbook's default scenario
        await keys.press("enter")
        await settled(keys)
        tool = app.screen
        assert isinstance(tool, ToolScreen)

        # Reasons: the form says Space ticks one; ctrl+s saves (its button says so).
        await enter_on_the_highlighted_red_section(keys, "reasons")
        form = app.screen
        assert isinstance(form, ReasonsForm) and "Space" in form.explanation
        await keys.press("space", "ctrl+s")
        await settled(keys)

        # Ownership: "Type a name to find it"; Enter chooses the one left.
        await enter_on_the_highlighted_red_section(keys, "ownership")
        form = app.screen
        assert isinstance(form, ChoiceForm) and "Type a name" in form.explanation
        await keys.type("tess")
        await keys.press("enter")
        await settled(keys)
        assert app.screen is tool
        assert customer_detail(SMALL_LIVE).owner != ""
        assert "Tess Okafor" in sections_of(app)["ownership"].section.summary

        # Future expiry: the date field is focused; the placeholder names "+30d".
        await enter_on_the_highlighted_red_section(keys, "expiry")
        assert isinstance(app.screen, DateForm)
        await keys.type("+1y")
        await keys.press("enter")
        await settled(keys)

        # The record sections, each: Enter, a, Enter (typing finds the state), Enter.
        await close_every_record(keys, "assets", None)
        await close_every_record(keys, "cases", None)  # "Closed", the one state, is chosen
        await close_every_record(keys, "opportunities", "lost")
        await close_every_record(keys, "sales_orders", "canc")

        # Retention: the outcome list is focused; typing finds "No attempt made"; Enter moves
        # to the note, whose Enter saves.
        await enter_on_the_highlighted_red_section(keys, "retention")
        form = app.screen
        assert isinstance(form, SaveAttemptForm)
        assert form.focused is form.query_one("#outcome", OptionList)
        await keys.type("no attempt")
        await keys.press("enter")
        assert form.focused is form.query_one("#note", Input)
        await keys.type("Signed with another vendor")
        await keys.press("enter")
        await settled(keys)

        # The scenario's steps: one trip per section, Enter on each step in turn.
        await enter_on_the_highlighted_red_section(keys, "final_amount")
        assert isinstance(app.screen, StepForm)
        await keys.press("enter")
        await settled(keys)
        assert isinstance(app.screen, StepForm)  # open on the second step
        await keys.press("enter")
        await settled(keys)
        await enter_on_the_highlighted_red_section(keys, "admin_notified")
        assert isinstance(app.screen, StepForm)
        await keys.press("enter")
        await settled(keys)

        # The Timeline: its head says "press f"; then Enter on the highlighted due task and
        # Enter in its form, as often as the cursor lands on one that gates Process.
        await enter_on_the_highlighted_red_section(keys, "timeline")
        timeline = app.screen
        assert isinstance(timeline, TimelineScreen) and timeline.view is not None
        assert "press f" in line(app, "#timeline-head")
        await keys.press("f")
        await keys.type(EFFECTIVE.isoformat())
        await keys.press("enter")
        await settled(keys)
        while tool.unavailable_reason("process") and timeline.view.pending:
            task = timeline.highlighted()
            assert task is not None and task.task.gates is Milestone.PROCESS, task
            assert task.state is not TaskState.DONE
            assert footer_keys(app)[0] == "enter"
            await keys.press("enter")
            await settled(keys)
            assert isinstance(app.screen, TaskForm)
            await keys.press("enter")
            await settled(keys)
            assert app.screen is timeline
            tool.load()
            await settled(keys)
        assert "g goes to the tool" in line(app, "#timeline-line")
        await keys.press("g")
        await settled(keys)
        assert app.screen is tool  # the tool already open, not a second one

        # Process: the line says "press p"; the form's button says "Process (y)".
        assert "press p to Process" in text_of(tool, "#process-line")
        await keys.press("p")
        await settled(keys)
        assert isinstance(app.screen, ProcessForm)
        await keys.press("y")
        await settle_until(
            pilot,
            lambda: text_of(tool, "#banner").startswith("Cancelled — termination case open"),
            "the processed cancellation's banner",
        )
        assert customer_detail(SMALL_LIVE).status == CustomerStatus.CANCELLED
        print(f"{len(keys.keys)} keys at {size[0]}x{size[1]}: {' '.join(keys.keys)}")
        assert len(keys.keys) <= KEY_BUDGET, keys.keys


# ---------------------------------------------------------------------------- each fix


async def open_redwood_section(pilot: Pilot[None], key: str, account: str = REDWOOD) -> ToolScreen:
    """The tool of ``account`` (Redwood), Enter on its section ``key``."""
    app = pilot.app
    await settle(pilot)
    app.screen.post_message(ToolScreen.OpenTool(account))
    await settle(pilot)
    tool = app.screen
    assert isinstance(tool, ToolScreen)
    sections = tool.query_one("#sections", SectionList)
    sections.index = [item.section.key for item in sections.query(SectionItem)].index(key)
    await pilot.press("enter")
    await settle(pilot)
    return tool


async def test_the_owner_picker_finds_a_name_as_it_is_typed(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_redwood_section(pilot, "ownership")
        form = app.screen
        assert isinstance(form, ChoiceForm)
        options = form.query_one("#choices", OptionList)
        everyone = options.option_count
        assert everyone > 5
        await pilot.press(*"TESS")  # case does not matter
        assert options.option_count == 1
        assert options.highlighted == 0 and options.get_option_at_index(0).id == "tess"
        assert "1 of" in str(options.border_subtitle)
        await pilot.press("x")  # nothing matches: Enter chooses nothing, and says so
        assert options.option_count == 0 and options.highlighted is None
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form
        await pilot.press("backspace")  # a letter taken back
        assert options.option_count == 1
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is tool
        view = tool_view(REDWOOD)
        assert view.cancellation is not None and view.cancellation.new_owner_login == "tess"


async def test_the_reasons_and_the_state_pickers_find_as_you_type(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_redwood_section(pilot, "reasons")
        form = app.screen
        assert isinstance(form, ReasonsForm)
        reasons = form.query_one("#reasons", SelectionList)
        labels = [str(reasons.get_option_at_index(n).prompt) for n in range(reasons.option_count)]
        target = next(n for n, label in enumerate(labels) if label.startswith("Moved"))
        assert target > 0
        # Typing moves the highlight to the reason (every reason stays, with its tick);
        # Space still ticks it.
        await pilot.press(*"moved", "space")
        assert reasons.highlighted == target
        assert reasons.option_count == len(labels)
        assert reasons.get_option_at_index(target).value in reasons.selected
        await pilot.press("escape")
        await settle(pilot)

        # A state picker: typing finds the closed state.
        await pilot.press("escape")
        await settle(pilot)
        app.screen.post_message(ToolScreen.OpenManage(REDWOOD, "opportunities"))
        await settle(pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ChoiceForm)
        options = form.query_one("#choices", OptionList)
        assert options.highlighted is None  # several states: none is chosen for you
        await pilot.press(*"lo")
        assert [options.get_option_at_index(n).id for n in range(options.option_count)] == ["Lost"]
        assert options.highlighted == 0


async def test_a_manage_screen_cleared_here_returns_to_the_tool_on_enter(
    make_app: Callable[..., OffboardApp],
) -> None:
    cancellations.begin("lead", SMALL_LIVE, scenario="non-renewal")  # one case open
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_redwood_section(pilot, "cases", SMALL_LIVE)
        manage = app.screen
        assert isinstance(manage, ManageScreen)
        # Not cleared yet: Enter is the table's, the screen stays.
        assert "enter" not in footer_keys(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is manage
        await pilot.press("a", "enter")
        await settle(pilot)
        assert app.screen is manage
        assert line(app, "#manage-line") == (
            "The last blocking case is resolved: Cases is clear. Enter returns to the tool."
        )
        assert footer_keys(app)[0] == "enter"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is tool
        # The cursor is on the next red section, as after a form.
        assert highlighted_key(app) != "cases" and highlighted_key(app) in red_keys(app)


async def test_the_case_close_dialog_has_its_one_state_chosen(
    make_app: Callable[..., OffboardApp],
) -> None:
    cancellations.begin("lead", SMALL_LIVE, scenario="non-renewal")  # one case open
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.screen.post_message(ToolScreen.OpenManage(SMALL_LIVE, "cases"))
        await settle(pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ChoiceForm)
        options = form.query_one("#choices", OptionList)
        assert options.option_count == 1 and options.highlighted == 0
        assert "with the arrows first" not in form.explanation
        assert "to Closed: Enter does it." in form.explanation
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ManageScreen)
        assert not app.screen._section().is_red


async def test_a_step_form_stays_open_on_the_next_step_and_keeps_what_is_typed(
    make_app: Callable[..., OffboardApp],
) -> None:
    cancellations.set_scenario("lead", REDWOOD, "buyout")  # final amount: two steps
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_redwood_section(pilot, "final_amount")
        form = app.screen
        assert isinstance(form, StepForm)
        steps = form.query_one("#steps", OptionList)
        assert form.focused is steps
        # Text typed on the list goes to the note, none of it lost.
        await pilot.press(*"Kim from Finance")
        note = form.query_one("#note", Input)
        assert form.focused is note and note.value == "Kim from Finance"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form  # open, on the next step not confirmed
        assert steps.highlighted == 1 and note.value == ""
        assert form.steps[0][2] is not None and form.steps[1][2] is None
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is tool
        view = tool_view(REDWOOD)
        assert view.cancellation is not None
        done = [view.cancellation.step(step) for step, _, _ in form.steps]
        assert all(done) and done[0] is not None and done[0].note == "Kim from Finance"
        assert "final_amount" not in red_keys(app)


async def open_the_timeline(pilot: Pilot[None], size: tuple[int, int]) -> TimelineScreen:
    await settle(pilot)
    await pilot.press("o")  # Redwood, begun by lead
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    timeline = pilot.app.screen
    assert isinstance(timeline, TimelineScreen) and timeline.view is not None
    return timeline


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
async def test_after_a_tick_the_timeline_moves_on_and_keeps_its_for_column(
    make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        timeline = await open_the_timeline(pilot, size)
        assert timeline.view is not None
        table = timeline.query_one("#tasks", DataTable)
        tasks = timeline.view.timeline.tasks
        # A task ticked by hand and late.
        row = next(
            n
            for n, task in enumerate(tasks)
            if task.task.completed_by == "hand" and task.state is TaskState.OVERDUE
        )
        table.move_cursor(row=row)
        await pilot.pause()
        shown_before = timeline.query_one("#tasks", FittedTable).shown
        if size[0] >= 120:
            # For (Process or Close) gives way only after Due, which the When column and the
            # detail line already say: at 120 columns it is there, done tasks' times and all.
            assert "gates" in shown_before
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskForm)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is timeline
        tasks = timeline.view.timeline.tasks
        assert tasks[row].state is TaskState.DONE
        # The cursor is on the next task due, not on the one just done.
        highlighted = timeline.highlighted()
        assert highlighted is not None and highlighted.key != tasks[row].key
        assert highlighted.state in (TaskState.OVERDUE, TaskState.DUE)
        # The columns stay as they were.
        assert timeline.query_one("#tasks", FittedTable).shown == shown_before


async def test_g_goes_back_to_the_tool_already_open(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        tool = app.screen
        assert isinstance(tool, ToolScreen)
        depth = len(app.screen_stack)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        await pilot.press("g")
        await settle(pilot)
        assert app.screen is tool and len(app.screen_stack) == depth
        # From a customer's Timeline without its tool open, g opens the tool.
        await pilot.press("escape", "escape")
        await settle(pilot)
        app.screen.post_message(ToolScreen.OpenTimeline(REDWOOD))
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, ToolScreen) and app.screen is not tool


async def help_rows(pilot: Pilot[None]) -> HelpScreen:
    await pilot.press("question_mark")
    await settle(pilot)
    help_screen = pilot.app.screen
    assert isinstance(help_screen, HelpScreen)
    return help_screen


@pytest.mark.parametrize("where", ["timeline", "reports"])
async def test_help_lists_each_key_once_aligned_and_says_what_it_does(
    make_app: Callable[..., OffboardApp], where: str
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        if where == "timeline":
            screen = await open_the_timeline(pilot, (80, 24))
            own = TimelineScreen.BINDINGS
        else:
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            own = ReportsScreen.BINDINGS
        help_screen = await help_rows(pilot)
        keys = [key for key, _, _ in help_screen.keys]
        # "^p" is ctrl+p written short: the same key.
        every_key = [one.replace("^", "ctrl+") for key in keys for one in key.split()]
        assert len(every_key) == len(set(every_key)), keys
        assert "ctrl+p" in every_key
        descriptions = [description for _, description, _ in help_screen.keys]
        assert len(descriptions) == len(set(descriptions)), descriptions
        table = help_screen.query_one("#help-keys", DataTable)
        width = table.ordered_columns[0].width
        assert width >= max(len(key) for key in keys)
        # Every key of the screen itself says what it does.
        for binding in own:
            description = getattr(binding, "description", "")
            if description in descriptions:
                assert help_screen.tooltips.get(description), description
        assert screen is not None


async def test_the_palette_lists_the_screens_actions_first_each_once(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        provider = ScreenActions(screen)
        hits = [hit async for hit in provider.discover()]
        titles = [str(hit.display) for hit in hits]
        assert len(titles) == len(set(titles)), titles
        own = [b.description for b in ReportsScreen.BINDINGS if hasattr(b, "description")]
        assert titles[: len(own)] == own  # the screen's own, in its order, first
        assert "Theme" in titles and titles.index("Theme") > len(own)
        for hit in hits:
            assert hit.help != str(hit.display), hit.display  # not "Save rate / Save rate"
        save_rate = next(hit for hit in hits if hit.display == "Save rate")
        assert save_rate.help == "Save attempts and how many kept the customer"
