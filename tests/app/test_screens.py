"""The screens one at a time: browsing without the role, form validation, paging, refusals of
stale writes, search and filter, help, and the command palette entries."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from data import cancellations
from data.cancellations import Outcome
from data.customer_search import index_accounts
from data.customers import customer_detail, tool_view
from data.db import connection
from data.errors import NotFound
from data.models import Customer, name_key
from screens.base import ScreenActions
from screens.customer import CustomerScreen
from screens.customer_list import CustomerListScreen
from screens.forms import DateForm
from screens.help import HelpScreen
from screens.manage import ManageScreen
from screens.tool import ToolScreen
from tests.app.conftest import settle, settle_until
from tui.app import OffboardApp


async def test_without_the_role_one_can_browse_but_not_act(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app("jordan")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not app.session.can_cancel
        app.screen.post_message(CustomerListScreen.OpenCustomer("100020"))
        await settle(pilot)
        customer = app.screen
        assert isinstance(customer, CustomerScreen)
        assert customer.check_action("begin", ()) is None
        reason = str(customer.query_one("#reason-line", Static).render())
        assert "Jordan Price has neither the customer-cancellation nor the crm-admin role" in reason
        await pilot.press("b")
        await settle(pilot)
        assert app.screen is customer  # no confirmation opened
        assert customer_detail("100020").status == "Live"

        customer.post_message(CustomerScreen.OpenTool("100012"))
        await settle(pilot)
        tool = app.screen
        assert isinstance(tool, ToolScreen)
        assert tool.check_action("process", ()) is None
        assert tool.check_action("remove", ()) is None
        assert "Jordan Price has neither" in str(tool.query_one("#process-line", Static).render())
        # The palette lists the actions, with the reason they are unavailable.
        provider = ScreenActions(tool)
        hits = [hit async for hit in provider.discover()]
        # Remove's short description (the Footer's room); the tooltip gives the full name.
        remove = next(hit for hit in hits if hit.display == "Remove")
        assert remove.help is not None and "Jordan Price has neither" in remove.help


async def test_a_date_form_refuses_bad_dates_next_to_the_field(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.post_message(CustomerListScreen.OpenManage("100012", "assets"))
        await settle(pilot)
        manage = app.screen
        assert isinstance(manage, ManageScreen)
        before = tool_view("100012").customer.version
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, DateForm)
        date = form.query_one("#date", Input)
        date.value = ""
        await pilot.press(*"next week")
        message = form.query_one("#form-message", Static)
        assert "'next week' is not a date" in str(message.render())
        assert message.has_class("-invalid")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form  # nothing saved from an invalid form
        # A well-formed date the data layer refuses: before an asset's start date.
        date.value = "2000-01-01"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form
        assert "is before the start date of" in str(message.render())
        assert tool_view("100012").customer.version == before
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is manage


async def test_a_date_form_whose_record_cannot_be_read_stays_open_and_says_why(
    make_app: Callable[..., OffboardApp],
) -> None:
    def save(_day: dt.date, _note: str) -> Outcome:
        raise AssertionError("nothing is saved")

    def unreadable() -> list[str]:
        raise NotFound("Customer 999999 does not exist.")

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        form = DateForm("Add a future expiry", "", time_zone="UTC", save=save, existing=unreadable)
        app.push_screen(form)
        await settle(pilot)
        # The one worker-error path: a notification; the failed read only leaves the list out.
        assert app.is_running and app.screen is form
        existing = str(form.query_one("#existing", Static).render())
        assert existing == "Could not read what is on record."
        assert any("Customer 999999 does not exist." in n.message for n in app._notifications)


async def test_a_stale_write_is_refused_with_a_notification(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        tool = app.screen
        assert isinstance(tool, ToolScreen)
        # Another team lead changes the customer meanwhile.
        cancellations.set_mood("sam", "100012", "Angry")
        await pilot.press("x", "y")
        await settle(pilot)
        assert customer_detail("100012").status == "Live (PC)"
        messages = [n.message for n in app._notifications]
        assert any("Refresh to see the change" in message for message in messages)
        # Refresh shows the other team lead's change and the removal then works.
        await pilot.press("r")
        await settle(pilot)
        assert tool.view is not None and tool.view.cancellation is not None
        assert tool.view.cancellation.mood == "Angry"


async def test_the_list_pages_as_the_cursor_moves(make_app: Callable[..., OffboardApp]) -> None:
    with connection():
        Customer.insert_many(
            [
                {
                    "account": f"9{n:05d}",
                    "name": f"Zeta {n:04d}",
                    "name_key": name_key(f"Zeta {n:04d}"),
                }
                for n in range(450)
            ]
        ).execute()
        # A raw insert: the words a search finds the names by are written apart.
        index_accounts(f"9{n:05d}" for n in range(450))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#customers", DataTable)
        assert table.row_count == 100
        assert "490 customers" in str(app.screen.query_one("#list-count", Static).render())
        table.move_cursor(row=90)
        await settle(pilot)
        assert table.row_count == 200
        # Search as you type narrows the list; the status filter cycles.
        await pilot.press("slash", "z", "e", "t", "a", " ", "0", "4", "4")
        await settle(pilot)
        assert table.row_count == 10
        await pilot.press("enter", "f", "f")
        await settle(pilot)
        assert table.row_count == 0
        assert (
            "No customer has a word of its name, or an account number, starting with 'zeta 044'"
            in str(app.screen.query_one("#list-count", Static).render())
        )


async def test_manage_loads_a_large_section_a_page_at_a_time(
    make_app: Callable[..., OffboardApp],
) -> None:
    cancellations.begin("lead", "100004")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.post_message(CustomerListScreen.OpenManage("100004", "assets"))
        await settle(pilot)
        manage = app.screen
        assert isinstance(manage, ManageScreen)
        table = manage.query_one("#records", DataTable)
        assert table.row_count == 100
        assert all(row.blocking for row in manage.rows.values())
        table.move_cursor(row=95)
        await settle(pilot)
        assert table.row_count == 200
        # Mark two and cease just those.
        table.move_cursor(row=0)
        await pilot.press("space", "space", "c")
        form = app.screen
        assert isinstance(form, DateForm)
        assert form.title_text == "Cease the 2 marked assets"
        await pilot.press("enter")
        await settle(pilot)
        assert manage._section().summary == "347 of 420 assets still live"


async def test_help_lists_the_bindings_of_the_screen(make_app: Callable[..., OffboardApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        described = {description: state for _key, description, state in help_screen.keys}
        assert described["Refresh"] == "available"
        # Sign-offs and Access & data (and the Timeline's late tasks) hold back Close, not Process
        assert described["Process"].startswith("unavailable: Process is unavailable: ")
        assert "Remove" in described  # Remove Cancellation, short for the Footer
        await pilot.press("escape")
        assert isinstance(app.screen, ToolScreen)


async def test_the_expiry_form_lists_the_expiries_on_record(
    make_app: Callable[..., OffboardApp],
) -> None:
    cancellations.add_expiry("lead", "100012", dt.date(2027, 6, 30), "Call back before renewal")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ToolScreen)
        await pilot.press("down", "down", "enter")  # Future expiry
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DateForm)
        listed = str(form.query_one("#existing", Static).render())
        assert "On record:" in listed
        assert "2027-06-30 (future): Call back before renewal" in listed


async def test_a_read_begun_before_a_newer_one_never_lands_after_it(
    make_app: Callable[..., OffboardApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reads of the tool, the first held until the second has been shown: the first (an
    older picture of the cancellation) must not replace what the second showed."""
    import screens.tool

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.post_message(CustomerListScreen.OpenTool("100012"))
        await settle(pilot)
        tool = app.screen
        assert isinstance(tool, ToolScreen)

        real = screens.tool.tool_screen
        second_shown = threading.Event()
        first_returned = threading.Event()
        calls: list[str] = []

        def held_read(account: str) -> Any:
            order = "first" if not calls else "second"
            calls.append(order)
            found = real(account)
            if order == "first":
                second_shown.wait(timeout=30)
                view = found[0]
                # The first read's picture, told apart from the second's by its title.
                stale = dataclasses.replace(
                    view, customer=dataclasses.replace(view.customer, name="Stale read")
                )
                first_returned.set()
                return (stale, *found[1:])
            return found

        monkeypatch.setattr(screens.tool, "tool_screen", held_read)
        first = tool.load()
        await pilot.pause()
        tool.load()
        await settle_until(
            pilot, lambda: "Stale" not in tool.sub_title and len(calls) == 2, "the second read"
        )
        second_shown.set()
        assert await asyncio.to_thread(first_returned.wait, 30)
        await asyncio.sleep(0.2)  # the held thread posts (or not) just after it returns
        await settle(pilot)
        assert first.is_cancelled
        assert calls == ["first", "second"]
        assert tool.sub_title == "Redwood Legal LLP (100012)"
