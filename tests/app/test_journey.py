"""The journeys of the issue, driven by keys through the Pilot: a whole cancellation from a Live
customer, Processed the day it is begun and, with the clock moved past its effective date, its
termination case Closed; resuming after a restart; and removing a cancellation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, OptionList, Static

from data import clock
from data.customers import customer_detail, pending_cancellations, tool_view
from data.models import CustomerStatus, CustomerType, DoneBy
from data.playbook.model import Milestone
from data.rules import SECTION_KEYS
from data.timeline import SIGN_OFFS, TaskState
from screens.customer import CustomerScreen
from screens.customer_list import CustomerListScreen
from screens.dialogs import ConfirmDialog
from screens.email import EmailScreen
from screens.form_confirmations import ActionForm, DecisionForm, ProcessForm, StepForm
from screens.forms import ChoiceForm, DateForm, GuidForm, ReasonsForm
from screens.manage import ManageScreen
from screens.retention_forms import NO_ATTEMPT, SaveAttemptForm
from screens.timeline import TimelineScreen
from screens.tool import SectionItem, SectionList, ToolScreen
from tests.app.conftest import FROZEN_NOW, FROZEN_TODAY, settle, settle_until
from tui.app import OffboardApp

SMALL_LIVE = "100020"  # Lighthouse Counseling: assets, cases, opportunities, sales orders open
EFFECTIVE = FROZEN_TODAY + dt.timedelta(days=40)  # the contract ends Tue 2026-02-24
# Two days past the effective date, in every customer's zone: the purge may be recorded.
LATER = FROZEN_NOW + dt.timedelta(days=42)
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def sections_of(app: OffboardApp) -> dict[str, SectionItem]:
    return {item.section.key: item for item in app.screen.query(SectionItem)}


def red_keys(app: OffboardApp) -> set[str]:
    return {key for key, item in sections_of(app).items() if item.section.is_red}


async def open_section(pilot: Pilot[None], key: str, *, enter: bool = True) -> None:
    """Move to the section with the arrows and press Enter, as a person would (``enter``
    False: only move there)."""
    app = pilot.app
    sections = app.screen.query_one("#sections", SectionList)
    sections.focus()
    # The tool lists the sections in the rules' own order, the scenario's before the mood.
    keys = [item.section.key for item in sections.query(SectionItem)]
    listed = [k for k in keys if k in SECTION_KEYS]
    assert listed == [k for k in SECTION_KEYS if k in listed]
    target = keys.index(key)
    while sections.index != target:
        await pilot.press("down" if (sections.index or 0) < target else "up")
    if enter:
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


async def open_timeline(pilot: Pilot[None]) -> TimelineScreen:
    """From the tool, open the Timeline section, as a person would."""
    await open_section(pilot, "timeline")
    timeline = pilot.app.screen
    assert isinstance(timeline, TimelineScreen)
    assert timeline.view is not None
    return timeline


async def set_the_effective_date(pilot: Pilot[None], effective: dt.date) -> None:
    """On the Timeline, set the effective date (f), a date to come: no confirmation asked."""
    app = pilot.app
    timeline = app.screen
    assert isinstance(timeline, TimelineScreen) and timeline.view is not None
    await pilot.press("f")
    assert isinstance(app.screen, DateForm)
    await pilot.press(*effective.isoformat(), "enter")
    await settle(pilot)
    assert app.screen is timeline
    assert timeline.view.timeline.effective_date == effective


async def do_the_tasks_gating(pilot: Pilot[None], milestone: Milestone) -> None:
    """On the Timeline, do every task that gates ``milestone``, each the way its plan says, as
    a person would: keys only."""
    app = pilot.app
    timeline = app.screen
    assert isinstance(timeline, TimelineScreen) and timeline.view is not None
    table = timeline.query_one("#tasks", DataTable)
    keys = [task.key for task in timeline.view.timeline.tasks]
    for row, key in enumerate(keys):
        table.move_cursor(row=row)
        await pilot.pause()
        task = timeline.view.timeline.tasks[row]
        assert task.key == key
        if task.task.gates is not milestone:
            continue
        assert task.state is not TaskState.DONE, key
        if task.task.completed_by == DoneBy.SIGN_OFFS:
            await pilot.press("enter")
            for _ in SIGN_OFFS:
                # The form stays open on the next one not yet signed, until all are.
                assert isinstance(app.screen, StepForm)
                await pilot.press("enter")
                await settle(pilot)
            assert app.screen is timeline
            assert timeline.view.timeline.tasks[row].state is TaskState.DONE, key
            continue
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        if isinstance(form, StepForm):  # a task ticked by hand, with a note
            form.query_one("#note", Input).value = "done in the journey"
            await pilot.press("ctrl+s")
        elif isinstance(form, GuidForm):
            await pilot.press(*GUID.upper())
            await pilot.press("ctrl+s")
        elif isinstance(form, DecisionForm):
            await pilot.press("enter")  # Approve deletion is offered first
        elif isinstance(form, ActionForm):  # Data Purge Done
            await pilot.press("enter")
        elif isinstance(form, EmailScreen):  # the final termination e-mail, to the team
            assert form.draft is not None and not form.draft.refusal
            # to the account team (the playbook's "to"; its cc parties are copied in)
            assert form.draft.recipients.startswith("account_team@example.com")
            await pilot.press("ctrl+s")
        else:
            raise AssertionError(f"{key} opened {form!r}")
        await settle(pilot)
        assert app.screen is timeline, key
        assert timeline.view.timeline.tasks[row].state is TaskState.DONE, key
    tasks = timeline.view.timeline.tasks
    assert [
        t.key for t in tasks if t.task.gates is milestone and t.state is not TaskState.DONE
    ] == []


async def open_customer_by_search(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash", *text, "enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def clear_the_tool(pilot: Pilot[None]) -> None:
    """In the tool of a non-renewal of Lighthouse Counseling just begun: every section of the
    tool itself cleared through its form or Manage screen, keys only."""
    app = pilot.app
    tool = app.screen
    assert isinstance(tool, ToolScreen)

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
    assert sections_of(app)["ownership"].section.summary == "New owner: Tess Okafor (applied now)"
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

    # Retention (when the playbook shows it): a note why no save attempt was made.
    if "retention" in sections_of(app):
        await open_section(pilot, "retention", enter=False)
        await clear_retention(CountingPilot(pilot))

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
        assert "(Lead, " in sections_of(app)[key].section.summary
    assert app.screen is tool


async def begin_a_non_renewal(pilot: Pilot[None]) -> ToolScreen:
    """From the start screen, find Lighthouse Counseling and Begin a non-renewal (b asks for
    the scenario first; Escape leaves the customer Live)."""
    app = pilot.app
    await settle(pilot)
    assert isinstance(app.screen, CustomerListScreen)
    await open_customer_by_search(pilot, "ligh")
    assert isinstance(app.screen, CustomerScreen)
    assert app.screen.account == SMALL_LIVE

    await pilot.press("b")
    assert isinstance(app.screen, ChoiceForm)
    await pilot.press("escape")
    await settle(pilot)
    assert customer_detail(SMALL_LIVE).status == CustomerStatus.LIVE

    await pilot.press("b")
    await choose(pilot, "non-renewal")
    tool = app.screen
    assert isinstance(tool, ToolScreen)
    assert customer_detail(SMALL_LIVE).status == CustomerStatus.PENDING_CANCELLATION
    banner = str(tool.query_one("#banner", Static).render())
    assert banner.startswith("Pending cancellation — since ")
    assert "by Lead" in banner
    return tool


def text_of(screen: ToolScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_whole_journey_from_live_to_cancelled(make_app: Callable[..., OffboardApp]) -> None:
    """Begun today, Processed today with only what is true today recorded; then, with the clock
    moved past the effective date, the rest of the termination case done and the case Closed."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tool = await begin_a_non_renewal(pilot)
        assert red_keys(app) == {
            "reasons",
            "ownership",
            "expiry",
            "assets",
            "cases",
            "opportunities",
            "sales_orders",
            "retention",
            "bill_till_payout",
            "auto_renewal",
            "admin_notified",
            "timeline",
            "sign_offs",
            "access_data",
        }
        # Process is shown, disabled, with the reason: Sign-offs and Access & data are red, but
        # they hold back Close (their tasks gate it), not Process. The line under the sections
        # names them while that fits in two lines, else points at the ✗ (p says which).
        assert tool.check_action("process", ()) is None
        assert tool.unavailable_reason("process").startswith(
            "Process is unavailable: 12 sections still red: Cancellation reasons"
        )
        assert text_of(tool, "#process-line") == (
            "Process is unavailable: 12 sections still red (the ✗ above)."
        )
        await pilot.press("p")
        assert isinstance(app.screen, ToolScreen)  # nothing opens: a notification says why
        assert any(
            n.message.startswith("Process is unavailable: 12 sections still red: Cancellation")
            for n in app._notifications
        )

        await clear_the_tool(pilot)
        assert red_keys(app) == {"timeline", "sign_offs", "access_data"}
        assert tool.check_action("process", ()) is None  # the Timeline's Process tasks wait

        # The Timeline: the effective date (a date to come), then the three tasks that gate
        # Process, ticked today because they are done today. Nothing else is recorded.
        timeline = await open_timeline(pilot)
        assert timeline.view is not None
        assert timeline.view.sections[0].summary.startswith("Set the effective date")
        await set_the_effective_date(pilot, EFFECTIVE)
        await do_the_tasks_gating(pilot, Milestone.PROCESS)
        left = [t for t in timeline.view.timeline.tasks if t.state is not TaskState.DONE]
        assert [t.task.gates for t in left] == [Milestone.CLOSE] * 9
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is tool
        assert "timeline" not in red_keys(app)
        assert tool.check_action("process", ()) is True
        assert "press p to Process" in text_of(tool, "#process-line")

        # Process: the confirmation says what will happen, and that the case stays open.
        await pilot.press("p")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ProcessForm)
        body = "\n".join(dialog.lines)
        assert "Status: Live (PC) → Cancelled" in body
        assert "Owner: Tess Okafor (already applied)" in body
        assert "Notified by e-mail: Lead, Sam Lee" in body
        assert "The termination case stays open: 9 tasks left on the Timeline" in body
        assert "Former Customer" not in body
        await pilot.press("y")
        await settle_until(
            pilot,
            lambda: text_of(tool, "#banner").startswith("Cancelled — termination case open: 9"),
            "the open case's banner",
        )
        assert app.screen is tool
        assert text_of(tool, "#banner") == (
            "Cancelled — termination case open: 9 tasks left, next: Legal confirms the "
            "termination terms and dates; case updated due Fri 2026-01-16"
        )
        customer = customer_detail(SMALL_LIVE)
        assert customer.status == CustomerStatus.CANCELLED
        assert customer.customer_type == CustomerType.CUSTOMER
        assert customer.owner == "Tess Okafor"
        assert tool_view(SMALL_LIVE).cancellation.case_open  # type: ignore[union-attr]
        assert tool.check_action("process", ()) is False  # hidden once done
        # Hidden once processed (x still says why): only what can be done is offered.
        assert tool.check_action("remove", ()) is False
        assert "a processed cancellation cannot be removed" in tool.unavailable_reason("remove")

        # Past the effective date: the rest of the termination case, on the Timeline.
        with clock.frozen(LATER):
            await open_timeline(pilot)
            await do_the_tasks_gating(pilot, Milestone.CLOSE)
            timeline = app.screen
            assert isinstance(timeline, TimelineScreen) and timeline.view is not None
            assert [t for t in timeline.view.timeline.tasks if t.state is not TaskState.DONE] == []
            assert timeline.view.purged and timeline.view.guids == (GUID,)
            await pilot.press("escape")
            await settle_until(
                pilot,
                lambda: (
                    text_of(tool, "#banner")
                    == "Cancelled — termination case open: every task is done, close it"
                ),
                "the banner of a case with every task done",
            )
            assert app.screen is tool
            assert tool.check_action("close_case", ()) is True
            # Back from the Timeline, the line says what is true now, not what Process said.
            assert "tasks left" not in text_of(tool, "#process-line")

            # Close, on c in the tool: the customer becomes a Former Customer.
            await pilot.press("c")
            dialog = app.screen
            assert isinstance(dialog, ConfirmDialog)
            assert "• Customer type: Customer → Former Customer" in dialog.lines
            await pilot.press("y")
            await settle_until(
                pilot,
                lambda: "termination case closed" in text_of(tool, "#banner"),
                "the closed case's banner",
            )
            customer = customer_detail(SMALL_LIVE)
            assert customer.status == CustomerStatus.CANCELLED
            assert customer.customer_type == CustomerType.FORMER_CUSTOMER
            assert "is a Former Customer" in text_of(tool, "#process-line")
            assert tool.check_action("close_case", ()) is False  # closed: nothing to close
            assert tool.check_action("remove", ()) is False

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
        assert "o resumes it" in line
        assert line.splitlines()[1].startswith("• Lighthouse Counseling (100020)")
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


# ---------------------------------------------------------------------------- the key count
# Issue 14, "Fewer keys": a demo cancellation from Begin to Process with the default playbook in
# at most 60 keys, typed text not counted. The path is the shortest honest one a team lead
# would take: every section is cleared through its own form or Manage table, by keys only.
KEY_BUDGET = 60


class CountingPilot:
    """The Pilot, counting the keys pressed; ``type`` enters text, which is not counted."""

    def __init__(self, pilot: Pilot[None]) -> None:
        self.pilot = pilot
        self.app = pilot.app
        self.keys: list[str] = []

    async def press(self, *keys: str) -> None:
        self.keys.extend(keys)
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        await self.pilot.press(*text)

    async def pause(self, delay: float | None = None) -> None:
        await self.pilot.pause(delay)


async def settled(keys: CountingPilot) -> None:
    await settle(keys.pilot)


def highlighted_key(app: OffboardApp) -> str:
    sections = app.screen.query_one("#sections", SectionList)
    item = sections.highlighted_child
    assert isinstance(item, SectionItem)
    return item.section.key


async def clear_retention(keys: CountingPilot) -> None:
    """Retention (part E): a note on the cancellation why no save attempt was made, by keys.
    Enter on the section opens the save attempt form on the outcome list (at "Open"); Down
    reaches "No attempt made (note why)", the last choice; Enter picks it and moves to the
    note, where the why is typed; Enter saves it."""
    app = keys.app
    tool = app.screen
    assert isinstance(tool, ToolScreen)
    assert highlighted_key(app) == "retention"
    note = "The customer had already signed elsewhere"
    await keys.press("enter")
    await settled(keys)
    form = app.screen
    assert isinstance(form, SaveAttemptForm)
    outcome = form.query_one("#outcome", OptionList)
    assert form.focused is outcome
    await keys.press("down")
    assert outcome.highlighted is not None
    assert outcome.get_option_at_index(outcome.highlighted).id == NO_ATTEMPT
    await keys.press("enter")
    assert form.focused is form.query_one("#note", Input)
    await keys.type(note)
    await keys.press("enter")
    await settled(keys)
    assert app.screen is tool
    assert "retention" not in red_keys(app)
    assert sections_of(app)["retention"].section.summary == f"No save attempt: {note}"


async def test_a_demo_cancellation_from_begin_to_process_in_at_most_60_keys(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        keys = CountingPilot(pilot)
        await settled(keys)
        # Find Lighthouse Counseling and open it.
        await keys.press("slash")
        await keys.type("ligh")
        await keys.press("enter", "enter")
        await settled(keys)
        assert isinstance(app.screen, CustomerScreen)

        # Begin: the scenario form opens on the playbook's default (a buyout); Enter takes it.
        await keys.press("b")
        assert isinstance(app.screen, ChoiceForm)
        await keys.press("enter")
        await settled(keys)
        tool = app.screen
        assert isinstance(tool, ToolScreen)
        assert customer_detail(SMALL_LIVE).status == CustomerStatus.PENDING_CANCELLATION

        # Each form that clears a section leaves the cursor on the next red one: Enter again.
        assert highlighted_key(app) == "reasons"
        await keys.press("enter")
        assert isinstance(app.screen, ReasonsForm)
        await keys.press("space", "ctrl+s")  # the first reason on the list
        await settled(keys)
        assert app.screen is tool and "reasons" not in red_keys(app)

        assert highlighted_key(app) == "ownership"
        await keys.press("enter")
        assert isinstance(app.screen, ChoiceForm)
        await keys.press("down", "enter")  # no owner is preselected: the first one offered
        await settled(keys)
        assert app.screen is tool and "ownership" not in red_keys(app)

        assert highlighted_key(app) == "expiry"
        await keys.press("enter")
        assert isinstance(app.screen, DateForm)
        await keys.type("+1y")
        await keys.press("enter")
        await settled(keys)
        assert app.screen is tool and "expiry" not in red_keys(app)

        # The record sections: Manage, then cease or close every open one (a = all).
        for key, state in (
            ("assets", None),
            ("cases", "Closed"),
            ("opportunities", "Lost"),
            ("sales_orders", "Cancelled"),
        ):
            assert highlighted_key(app) == key
            await keys.press("enter")
            await settled(keys)
            manage = app.screen
            assert isinstance(manage, ManageScreen)
            await keys.press("a")
            form = app.screen
            if state is None:
                assert isinstance(form, DateForm)
                await keys.press("enter")  # as of today
            else:
                assert isinstance(form, ChoiceForm)
                await choose(keys, state)  # type: ignore[arg-type]
            await settled(keys)
            assert app.screen is manage and not manage._section().is_red
            await keys.press("escape")
            await settled(keys)
            assert app.screen is tool and key not in red_keys(app)

        # Retention: the note why no save attempt was made, in the save attempt form.
        assert "retention" in red_keys(app)
        await clear_retention(keys)

        # The scenario's steps, each confirmed in turn: the form opens on the first one not yet
        # confirmed, Enter confirms it (the note is optional) and the form stays open on the
        # next one, until none is left.
        for key, steps in (("final_amount", 2), ("admin_notified", 1)):
            assert highlighted_key(app) == key
            await keys.press("enter")
            for _ in range(steps):
                assert isinstance(app.screen, StepForm)
                await keys.press("enter")
                await settled(keys)
            assert app.screen is tool
            assert key not in red_keys(app)

        # The Timeline: the effective date, then the tasks that gate Process.
        assert highlighted_key(app) == "timeline"
        await keys.press("enter")
        await settled(keys)
        timeline = app.screen
        assert isinstance(timeline, TimelineScreen) and timeline.view is not None
        await keys.press("f")
        assert isinstance(app.screen, DateForm)
        await keys.type(EFFECTIVE.isoformat())
        await keys.press("enter")
        await settled(keys)
        assert app.screen is timeline
        gating = [
            t.key
            for t in timeline.view.timeline.tasks
            if t.task.gates is Milestone.PROCESS and t.state is not TaskState.DONE
        ]
        table = timeline.query_one("#tasks", DataTable)
        for task in gating:
            row = [t.key for t in timeline.view.timeline.tasks].index(task)
            while table.cursor_row != row:
                await keys.press("down" if table.cursor_row < row else "up")
            await keys.press("enter")
            await settled(keys)
            form = app.screen
            assert isinstance(form, StepForm), task
            await keys.press("ctrl+s")
            await settled(keys)
            assert app.screen is timeline
        await keys.press("escape")
        await settled(keys)
        assert app.screen is tool
        assert tool.check_action("process", ()) is True, tool.unavailable_reason("process")

        # Process: the confirmation says what happens; y does it.
        await keys.press("p")
        await settled(keys)
        await keys.press("ctrl+s")
        await settle_until(
            pilot,
            lambda: text_of(tool, "#banner").startswith("Cancelled — termination case open"),
            "the processed cancellation's banner",
        )
        assert app.screen is tool
        assert customer_detail(SMALL_LIVE).status == CustomerStatus.CANCELLED
        print(f"{len(keys.keys)} keys: {' '.join(keys.keys)}")
        assert len(keys.keys) <= KEY_BUDGET, keys.keys
