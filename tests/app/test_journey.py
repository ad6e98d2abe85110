"""The journeys of the issue, driven by keys through the Pilot: a whole cancellation from a Live
customer to Cancelled, resuming after a restart, and removing a cancellation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, OptionList, Static

from data.customers import customer_detail, pending_cancellations, tool_view
from data.models import CustomerStatus, CustomerType
from data.rules import SECTION_KEYS
from data.timeline import SIGN_OFFS, TaskState
from screens.customer import CustomerScreen
from screens.customer_list import CustomerListScreen
from screens.dialogs import ConfirmDialog
from screens.email import EmailScreen
from screens.form_confirmations import ActionForm, DecisionForm, StepForm
from screens.forms import ChoiceForm, DateForm, GuidForm, ReasonsForm
from screens.manage import ManageScreen
from screens.timeline import TimelineScreen
from screens.tool import SectionItem, SectionList, ToolScreen
from tests.app.conftest import FROZEN_TODAY, settle, settle_until
from tui.app import OffboardApp

SMALL_LIVE = "100020"  # Lighthouse Counseling: assets, cases, opportunities, sales orders open


def sections_of(app: OffboardApp) -> dict[str, SectionItem]:
    return {item.section.key: item for item in app.screen.query(SectionItem)}


def red_keys(app: OffboardApp) -> set[str]:
    return {key for key, item in sections_of(app).items() if item.section.is_red}


async def open_section(pilot: Pilot[None], key: str) -> None:
    """Move to the section with the arrows and press Enter, as a person would."""
    app = pilot.app
    sections = app.screen.query_one("#sections", SectionList)
    sections.focus()
    # The tool lists the sections in the rules' own order, the scenario's before the mood.
    keys = [item.section.key for item in sections.query(SectionItem)]
    assert [k for k in keys if k in SECTION_KEYS] == list(SECTION_KEYS)
    target = keys.index(key)
    while sections.index != target:
        await pilot.press("down" if (sections.index or 0) < target else "up")
    await pilot.press("enter")
    await settle(pilot)


async def choose(pilot: Pilot[None], value: str) -> None:
    """In a ChoiceForm, move to the option and press Enter."""
    options = pilot.app.screen.query_one("#choices", OptionList)
    for _ in range(options.option_count):
        highlighted = options.highlighted
        if highlighted is not None and options.get_option_at_index(highlighted).id == value:
            break
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)


async def walk_the_timeline(pilot: Pilot[None]) -> None:
    """From the tool, do the whole termination plan on the Timeline screen, each task the way
    its plan says, as a person would: keys only."""
    app = pilot.app
    await open_section(pilot, "timeline")
    timeline = app.screen
    assert isinstance(timeline, TimelineScreen)
    assert timeline.view is not None
    assert timeline.view.sections[0].summary.startswith("Set the effective date")
    await pilot.press("f")
    assert isinstance(app.screen, DateForm)
    effective = FROZEN_TODAY + dt.timedelta(days=40)
    await pilot.press(*effective.isoformat(), "enter")
    await settle(pilot)
    assert app.screen is timeline
    assert timeline.view.timeline.effective_date == effective
    table = timeline.query_one("#tasks", DataTable)
    keys = [task.key for task in timeline.view.timeline.tasks]
    for row, key in enumerate(keys):
        table.move_cursor(row=row)
        await pilot.pause()
        task = timeline.view.timeline.tasks[row]
        assert task.key == key
        if task.task.completed_by == "process":
            continue
        if task.task.completed_by == "sign-offs":
            for _ in SIGN_OFFS:
                await pilot.press("enter")
                assert isinstance(app.screen, StepForm)
                await pilot.press("enter")  # the first one not yet signed
                await settle(pilot)
            continue
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        if isinstance(form, StepForm):  # a task ticked by hand, with a note
            form.query_one("#note", Input).value = "done in the journey"
            await pilot.press("ctrl+s")
        elif isinstance(form, GuidForm):
            await pilot.press(*"3F2504E0-4F89-11D3-9A0C-0305E82C3301")
            await pilot.press("ctrl+s")
        elif isinstance(form, DecisionForm):
            await pilot.press("enter")  # Approve deletion is offered first
        elif isinstance(form, ActionForm):  # Data Purge Done
            await pilot.press("enter")
        elif isinstance(form, EmailScreen):  # the final termination e-mail, to the team
            assert form.draft is not None and not form.draft.refusal
            # to the account team, cc CS Ops, Sales Ops, Sec Ops and Legal (the playbook)
            assert form.draft.recipients.startswith("account_team@example.com, ")
            await pilot.press("ctrl+s")
        else:
            raise AssertionError(f"{key} opened {form!r}")
        await settle(pilot)
        assert app.screen is timeline, key
        assert timeline.view.timeline.tasks[row].state is TaskState.DONE, key
    # every task of the case's plan (its playbook's) is done: Close is a milestone, not a task
    assert [t.key for t in timeline.view.timeline.tasks if t.state is not TaskState.DONE] == []
    assert timeline.view.purged and timeline.view.guids == ("3f2504e0-4f89-11d3-9a0c-0305e82c3301",)
    await pilot.press("escape")
    await settle(pilot)


async def open_customer_by_search(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash", *text, "enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_whole_journey_from_live_to_cancelled(make_app: Callable[..., OffboardApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CustomerListScreen)
        await open_customer_by_search(pilot, "ligh")
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.account == SMALL_LIVE

        # Begin asks for the scenario first; Escape leaves the customer Live.
        await pilot.press("b")
        assert isinstance(app.screen, ChoiceForm)
        await pilot.press("escape")
        await settle(pilot)
        assert customer_detail(SMALL_LIVE).status == CustomerStatus.LIVE

        await pilot.press("b")
        await choose(pilot, "non-renewal")
        assert isinstance(app.screen, ToolScreen)
        assert customer_detail(SMALL_LIVE).status == CustomerStatus.PENDING_CANCELLATION
        banner = str(app.screen.query_one("#banner", Static).render())
        assert banner.startswith("Pending cancellation — since ")
        assert "by Lead (you)" in banner
        tool = app.screen
        assert red_keys(app) == {
            "reasons",
            "ownership",
            "expiry",
            "assets",
            "cases",
            "opportunities",
            "sales_orders",
            "bill_till_payout",
            "auto_renewal",
            "admin_notified",
            "timeline",
            "sign_offs",
            "access_data",
        }
        # Process is shown, disabled, with the reason: Sign-offs and Access & data are red, but
        # they hold back Close (their tasks gate it), not Process.
        assert tool.check_action("process", ()) is None
        line = str(tool.query_one("#process-line", Static).render())
        assert line.startswith(
            "Process is unavailable: 11 sections still red: Cancellation reasons"
        )

        # Reasons: tick two from the list, write a sentence.
        await open_section(pilot, "reasons")
        assert isinstance(app.screen, ReasonsForm)
        await pilot.press("space", "down", "space", "tab")
        await pilot.press(*"Budget moved to the new EHR")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is tool
        assert "reasons" not in red_keys(app)
        assert sections_of(app)["reasons"].section.summary == "Price, Moved to a competitor"

        # Ownership: Tess, applied now ("Perform Now").
        await open_section(pilot, "ownership")
        assert isinstance(app.screen, ChoiceForm)
        app.screen.query_one("#toggle", Checkbox).value = True
        app.screen.query_one("#choices", OptionList).focus()
        await choose(pilot, "tess")
        assert app.screen is tool
        assert sections_of(app)["ownership"].section.summary == (
            "New owner: Tess Okafor (applied now)"
        )
        assert customer_detail(SMALL_LIVE).owner == "Tess Okafor"

        # Future expiry, typed the short way.
        await open_section(pilot, "expiry")
        assert isinstance(app.screen, DateForm)
        await pilot.press(*"+400d", "enter")
        await settle(pilot)
        assert "expiry" not in red_keys(app)

        # Assets: Manage, cease all live as of today.
        await open_section(pilot, "assets")
        manage = app.screen
        assert isinstance(manage, ManageScreen)
        table = manage.query_one("#records", DataTable)
        assert table.row_count == 2
        assert [row.blocking for row in manage.rows.values()] == [True, True]
        await pilot.press("a")
        assert isinstance(app.screen, DateForm)
        await pilot.press("enter")  # the form starts at "today"
        await settle(pilot)
        assert app.screen is manage
        assert [row.blocking for row in manage.rows.values()] == [False, False]
        assert not manage._section().is_red
        await pilot.press("escape")
        await settle(pilot)

        # Cases: close the one open case (it is listed first, marked).
        await open_section(pilot, "cases")
        manage = app.screen
        assert isinstance(manage, ManageScreen)
        first = next(iter(manage.rows.values()))
        assert first.blocking
        await pilot.press("c")
        assert isinstance(app.screen, ChoiceForm)
        await choose(pilot, "Closed")
        assert app.screen is manage
        assert not manage._section().is_red
        await pilot.press("escape")
        await settle(pilot)

        # Opportunities and sales orders: every open one to a closed state.
        for key, state in (("opportunities", "Lost"), ("sales_orders", "Cancelled")):
            await open_section(pilot, key)
            assert isinstance(app.screen, ManageScreen)
            await pilot.press("a")
            await choose(pilot, state)
            assert isinstance(app.screen, ManageScreen)
            assert not app.screen._section().is_red
            await pilot.press("escape")
            await settle(pilot)

        # The scenario's steps: each confirmed with a note, who and when recorded.
        for key, note in (
            ("bill_till_payout", "Set in the escalation case"),
            ("auto_renewal", "Billing (Kim) disabled it"),
            ("admin_notified", "Told the admin in today's call"),
        ):
            await open_section(pilot, key)
            assert isinstance(app.screen, StepForm)
            app.screen.query_one("#note", Input).value = note
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is tool
            assert key not in red_keys(app)
            assert "(Lead (you), " in sections_of(app)[key].section.summary

        assert app.screen is tool
        assert red_keys(app) == {"timeline", "sign_offs", "access_data"}
        await walk_the_timeline(pilot)
        assert app.screen is tool
        assert red_keys(app) == set()
        assert tool.check_action("process", ()) is True
        assert "press p to Process" in str(tool.query_one("#process-line", Static).render())

        # Process: the confirmation says what will happen.
        await pilot.press("p")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        body = "\n".join(dialog.lines)
        assert "Status: Live (PC) → Cancelled" in body
        assert "Customer type: Customer → Former Customer" in body
        assert "Owner: Tess Okafor (already applied)" in body
        assert "Notified by e-mail: Lead (you), Sam Lee" in body
        await pilot.press("y")

        def banner_now() -> str:
            return str(tool.query_one("#banner", Static).render())

        await settle_until(
            pilot, lambda: banner_now().startswith("Cancelled — processed "), "the Cancelled banner"
        )
        assert app.screen is tool
        assert customer_detail(SMALL_LIVE).status == CustomerStatus.CANCELLED
        assert customer_detail(SMALL_LIVE).customer_type == CustomerType.FORMER_CUSTOMER
        assert "is Cancelled, a Former Customer, now owned by Tess Okafor" in str(
            tool.query_one("#process-line", Static).render()
        )
        assert tool.check_action("process", ()) is None
        assert tool.check_action("remove", ()) is None

        # Back on the customer view the status reads Cancelled and Begin is unavailable.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.check_action("begin", ()) is None
        assert "Cancelled" in str(app.screen.query_one("#reason-line", Static).render())


async def test_resume_after_quitting_is_one_key(make_app: Callable[..., OffboardApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_customer_by_search(pilot, "ligh")
        await pilot.press("b", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ToolScreen)
        await pilot.press("q")
    assert app.return_code == 0
    # Just begun, it has no effective date yet: that makes it the most urgent.
    pending = pending_cancellations("lead")
    assert [p.account for p in pending] == [SMALL_LIVE, "100012"]
    assert pending[0].next_task.endswith("(no effective date)")

    again = make_app()
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        start = again.screen
        assert isinstance(start, CustomerListScreen)
        line = str(start.query_one("#pending-line", Static).render())
        assert "You have 2 pending cancellations, the most urgent first." in line
        assert "Press o to resume Lighthouse Counseling" in line
        assert line.index("Lighthouse Counseling (100020)") < line.index("Redwood Legal LLP")
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(again.screen, ToolScreen)
        assert again.screen.account == SMALL_LIVE
        assert "Pending cancellation" in str(again.screen.query_one("#banner", Static).render())


async def test_remove_cancellation_returns_the_customer_to_live(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")  # the demo's 100012 was begun by lead
        await settle(pilot)
        tool = app.screen
        assert isinstance(tool, ToolScreen)
        assert tool.account == "100012"
        assert tool.check_action("remove", ()) is True
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        assert "returns to Live" in "\n".join(app.screen.lines)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, CustomerListScreen)
        assert customer_detail("100012").status == CustomerStatus.LIVE
        assert tool_view("100012").cancellation is None
        assert pending_cancellations("lead") == []
        assert not app.screen.query_one("#pending-line", Static).display
