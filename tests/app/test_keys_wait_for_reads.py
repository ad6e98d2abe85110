"""What a screen says is what is true now. A key that depends on a read waits for that read: o
on the start screen, pressed while the team lead's pending cancellations are still being read,
says so and then opens the most urgent once they arrive (or, when there are none, says that
then) — it never claims there is nothing while the read is under way (the read is held back by
an event; the real query runs after). The Process confirmation re-reads when it opens and when
y is pressed: a colleague's Process meanwhile is said, and nothing is done."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import SelectionList, Static

import screens.customer_list
from data import cancellations
from data.customers import PendingCancellation, pending_cancellations, tool_view
from data.db import connection
from data.models import Customer, OutboxMessage
from screens.customer_list import STILL_READING, CustomerListScreen
from screens.form_confirmations import ProcessForm
from screens.outbox import OutboxScreen
from screens.tool import ToolScreen
from tests.app.conftest import settle
from tests.app.test_milestones_app import SMALL, open_tool, ready_for_process
from tui.app import OffboardApp

NONE_PENDING = "You have no pending cancellation, nor an open termination case."


@pytest.fixture
def held_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The start screen's read of pending cancellations waits until the event is set."""
    release = threading.Event()

    def slow(login: str) -> list[PendingCancellation]:
        release.wait(30)
        return pending_cancellations(login)

    monkeypatch.setattr(screens.customer_list, "pending_cancellations", slow)
    yield release
    release.set()


def notified(app: OffboardApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def list_drawn(pilot: Pilot[None]) -> CustomerListScreen:
    """Wait until the first page of customers is on screen (the pending read is held)."""
    for _ in range(200):
        await pilot.pause()
        screen = pilot.app.screen
        if isinstance(screen, CustomerListScreen) and screen.listed:
            return screen
    raise AssertionError("The customer list never drew its first page.")


async def test_o_before_the_pending_read_answers_waits_and_then_resumes(
    make_app: Callable[..., OffboardApp], held_read: threading.Event
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        start = await list_drawn(pilot)
        assert start.pending is None
        assert start.check_action("resume", ()) is True

        await pilot.press("o")
        await pilot.pause()

        assert app.screen is start
        assert STILL_READING in notified(app)
        assert not any(NONE_PENDING in message for message in notified(app))
        held_read.set()
        await settle(pilot)
        assert isinstance(app.screen, ToolScreen)
        assert app.screen.account == "100012"  # the demo's team lead's pending cancellation


async def test_o_before_the_read_with_nothing_pending_says_so_only_once_it_is_read(
    make_app: Callable[..., OffboardApp], held_read: threading.Event
) -> None:
    app = make_app("tess")  # telesales: nothing pending
    async with app.run_test(size=(80, 24)) as pilot:
        start = await list_drawn(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert STILL_READING in notified(app)
        assert not any(NONE_PENDING in message for message in notified(app))

        held_read.set()
        await settle(pilot)

        assert app.screen is start
        assert start.pending == []
        assert NONE_PENDING in notified(app)[-1]
        assert start.check_action("resume", ()) is False


# ----------------------------------------------------------------------------- Process, re-read


async def test_the_process_confirmation_opened_after_a_colleague_processed_says_so(
    make_app: Callable[..., OffboardApp], db_path: str
) -> None:
    ready_for_process(SMALL)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tool = await open_tool(pilot, SMALL)
        assert tool.check_action("process", ()) is True
        # Riley processes it from the command line while the tool shows it pending.
        cancellations.process("riley", SMALL)
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ProcessForm)

        said = str(form.query_one("#notify-summary", Static).render())
        assert said == (
            "Lighthouse Counseling was processed by Riley Chen at 2026-01-15 09:30 while this "
            "was open; nothing was done."
        )
        assert "Nobody is notified" not in said
        assert not form.query_one("#notify", SelectionList).display
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is form
        assert "nothing was done" in str(form.query_one("#form-message", Static).render())
    assert notifications(SMALL) == ["Riley Chen"]  # processed once, by Riley


async def test_processed_by_a_colleague_while_the_confirmation_is_open_y_says_what_changed(
    make_app: Callable[..., OffboardApp], db_path: str
) -> None:
    ready_for_process(SMALL)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tool(pilot, SMALL)
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ProcessForm)
        assert form.query_one("#notify", SelectionList).option_count > 0
        cancellations.process("riley", SMALL)

        await pilot.press("y")
        await settle(pilot)

        assert app.screen is form
        assert str(form.query_one("#form-message", Static).render()) == (
            "Lighthouse Counseling was processed by Riley Chen at 2026-01-15 09:30 while this "
            "was open; nothing was done."
        )
    assert notifications(SMALL) == ["Riley Chen"]


def notifications(account: str) -> list[str]:
    """Who processed the account's cancellation, once per Process notification queued."""
    cancellation = tool_view(account).cancellation
    assert cancellation is not None
    with connection():
        customer = Customer.get(Customer.account == account)
        count = (
            OutboxMessage.select()
            .where(
                (OutboxMessage.customer == customer)
                & (OutboxMessage.kind == "cancellation-notification")
            )
            .count()
        )
    return [str(cancellation.processed_by)] * count


async def test_an_outbox_key_pressed_before_the_outbox_is_read_says_it_is_being_read(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        outbox = OutboxScreen(app.session, "100011")
        outbox.load = lambda after_id=None: None  # type: ignore[method-assign,assignment,misc]
        await app.push_screen(outbox)
        await pilot.pause()
        assert outbox.unavailable_reason("withdraw") == "The outbox is still being read."
        await pilot.press("w")
        await pilot.pause()
        said = notified(app)
        assert "The outbox is still being read." in said
        assert not any("There is no e-mail here." in message for message in said)
