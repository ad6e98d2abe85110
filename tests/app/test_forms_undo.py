"""Forms that lose nothing, and Undo (issue 14), driven by keys through the Pilot: a refused form
stays open with what was typed and says why (a conflict, a text over the limit); saving no
reason says the section stays red; the Ownership form chooses nobody for you and never offers
the current owner; Manage's "close all" makes the closed state an explicit choice; z undoes a
closed record in Manage and a confirmed step in its form."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, SelectionList, Static

from data import cancellations
from data.cancellations import Outcome
from data.customers import tool_view
from data.errors import NotAllowed
from data.models import Opportunity
from screens.customer_list import CustomerListScreen
from screens.form_confirmations import StepForm
from screens.forms import ChoiceForm, ReasonsForm
from screens.manage import ManageScreen
from screens.tool import SectionItem, SectionList, ToolScreen
from tests.app.conftest import settle
from tui.app import OffboardApp

REDWOOD = "100012"  # pending, many sections red (reasons, ownership, opportunities…)


def message(pilot: Pilot[None]) -> str:
    return str(pilot.app.screen.query_one("#form-message", Static).render())


async def open_tool(pilot: Pilot[None], account: str = REDWOOD) -> ToolScreen:
    await settle(pilot)
    pilot.app.screen.post_message(CustomerListScreen.OpenTool(account))
    await settle(pilot)
    tool = pilot.app.screen
    assert isinstance(tool, ToolScreen)
    return tool


async def open_section(pilot: Pilot[None], key: str) -> None:
    sections = pilot.app.screen.query_one("#sections", SectionList)
    sections.focus()
    keys = [item.section.key for item in sections.query(SectionItem)]
    target = keys.index(key)
    while sections.index != target:
        await pilot.press("down" if (sections.index or 0) < target else "up")
    await pilot.press("enter")
    await settle(pilot)


async def test_a_conflicting_reasons_save_keeps_the_form_and_what_was_typed(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot)
        await open_section(pilot, "reasons")
        form = app.screen
        assert isinstance(form, ReasonsForm)
        await pilot.press("space", "tab", *"Moving to a rival")
        # Meanwhile a colleague changes the scenario (another part): no conflict with that…
        cancellations.set_scenario("alex", REDWOOD, "non-renewal")
        # …but also saves the reasons: that is a conflict over the same part.
        cancellations.set_reasons("alex", REDWOOD, [], "Budget")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert app.screen is form  # still open, with what was typed
        assert form.query_one("#reason-text", Input).value == "Moving to a rival"
        assert len(form.query_one("#reasons", SelectionList).selected) == 1
        said = message(pilot)
        assert said.startswith("The reasons were changed by Alex Morgan at ")
        assert said.endswith(
            "after you read them. Nothing was saved: press Save (ctrl+s) again to save yours "
            "over it, or Esc to keep the change."
        )

        await pilot.press("ctrl+s")  # save over the colleague's reasons
        await settle(pilot)
        assert app.screen is tool
        view = tool_view(REDWOOD)
        assert view.cancellation is not None
        assert view.cancellation.reason_text == "Moving to a rival"
        assert view.cancellation.scenario == "non-renewal"  # the colleague's scenario stays


async def test_a_reason_over_the_limit_is_refused_not_cut_and_no_reason_says_red(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot)
        await open_section(pilot, "reasons")
        form = app.screen
        assert isinstance(form, ReasonsForm)
        text = form.query_one("#reason-text", Input)
        text.value = "x" * 5000
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Nothing ticked: asked first, the section would stay red.
        assert app.screen is form
        assert "No reason is ticked, so the Reasons section stays red" in message(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert message(pilot).startswith("The reason text is 5,000 characters; the limit is 4,000.")
        assert len(text.value) == 5000  # nothing was cut
        text.value = "Too dear"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is tool
        view = tool_view(REDWOOD)
        assert view.cancellation is not None and view.cancellation.reason_text == "Too dear"
        reasons = next(s for s in view.sections if s.key == "reasons")
        assert reasons.is_red


async def test_the_ownership_form_chooses_nobody_and_not_the_current_owner(
    make_app: Callable[..., OffboardApp],
) -> None:
    owner = tool_view(REDWOOD).customer.owner_login
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot)
        await open_section(pilot, "ownership")
        form = app.screen
        assert isinstance(form, ChoiceForm)
        options = form.query_one("#choices", OptionList)
        assert options.highlighted is None
        offered = [options.get_option_at_index(n).id for n in range(options.option_count)]
        assert owner is not None and owner not in offered
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert (
            message(pilot) == "Choose the new owner (type a name, or the arrows), then press Enter."
        )
        form.query_one("#form-message", Static).update("")
        await pilot.press("enter")  # Enter with nothing highlighted chooses nothing either
        await settle(pilot)
        assert app.screen is form
        assert (
            message(pilot) == "Choose the new owner (type a name, or the arrows), then press Enter."
        )
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is tool
        view = tool_view(REDWOOD)
        assert view.cancellation is not None
        assert view.cancellation.new_owner_login == offered[0]


async def test_close_all_asks_for_the_state_and_z_undoes_a_closed_record(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.screen.post_message(CustomerListScreen.OpenManage(REDWOOD, "opportunities"))
        await settle(pilot)
        manage = app.screen
        assert isinstance(manage, ManageScreen)
        open_before = {row.id: row.status for row in manage.rows.values() if row.blocking}
        assert open_before
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ChoiceForm)
        assert form.query_one("#choices", OptionList).highlighted is None
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form  # Enter alone picks nothing, and says so
        assert message(pilot) == (
            "Choose the closed state first (type to find it, or the arrows), then press Enter."
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert all(Opportunity.get_by_id(pk).stage == s for pk, s in open_before.items())
        await pilot.press("down", "down", "enter")  # Lost
        await settle(pilot)
        assert app.screen is manage
        assert {Opportunity.get_by_id(pk).stage for pk in open_before} == {"Lost"}

        # z on the highlighted (first) record: back to the stage it had.
        table = manage.query_one("#records", DataTable)
        table.move_cursor(row=0)
        await pilot.pause()
        first = manage._highlighted()
        assert first is not None and first.id in open_before
        await pilot.press("z")
        await settle(pilot)
        assert Opportunity.get_by_id(first.id).stage == open_before[first.id]
        assert manage.rows[first.id].blocking


async def test_z_undoes_a_confirmed_step(make_app: Callable[..., OffboardApp]) -> None:
    cancellations.set_scenario("lead", REDWOOD, "non-renewal")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot)
        await open_section(pilot, "auto_renewal")
        assert isinstance(app.screen, StepForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is tool
        step = next(s for s in tool_view(REDWOOD).sections if s.key == "auto_renewal")
        assert not step.is_red
        await open_section(pilot, "auto_renewal")
        assert isinstance(app.screen, StepForm)
        await pilot.press("z")
        await settle(pilot)
        assert app.screen is tool
        step = next(s for s in tool_view(REDWOOD).sections if s.key == "auto_renewal")
        assert step.is_red


async def test_a_form_refused_for_a_permission_stays_open_with_its_choice(
    make_app: Callable[..., OffboardApp],
) -> None:
    def refuse(value: str, ticked: bool) -> Outcome:
        raise NotAllowed("Vic Viewer cannot set the customer mood: that needs a role.")

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = ChoiceForm(
            "Manage Customer mood",
            "",
            choices=[("Happy", "Happy"), ("Angry", "Angry")],
            save=refuse,
        )
        app.push_screen(form)
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is form
        assert message(pilot) == "Vic Viewer cannot set the customer mood: that needs a role."
        assert form.query_one("#choices", OptionList).highlighted == 1
