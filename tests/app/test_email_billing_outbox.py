"""The screens of issue 4, driven by keys: the scenario chosen at Begin, the offboarding notice
previewed, edited and queued (refused for collections), the billing view, and the outbox."""

from __future__ import annotations

from collections.abc import Callable

from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Markdown, Static, TabbedContent, TextArea

from data.customers import tool_view
from data.db import connection
from data.models import (
    Customer,
    OutboxMessage,
    OutboxStatus,
)
from data.outbox_review import outbox_page
from screens.billing import BillingScreen
from screens.customer_list import CustomerListScreen
from screens.dialogs import ConfirmDialog
from screens.email import EmailScreen
from screens.outbox import OutboxScreen
from screens.tool import ToolScreen
from tests.app.conftest import settle
from tui.app import OffboardApp

NON_RENEWAL = "100012"
COLLECTIONS = "100015"
NOTICE_SENT = "100011"


async def open_tool(pilot: Pilot[None], account: str) -> ToolScreen:
    await settle(pilot)
    pilot.app.screen.post_message(CustomerListScreen.OpenTool(account))
    await settle(pilot)
    tool = pilot.app.screen
    assert isinstance(tool, ToolScreen)
    return tool


async def test_the_notice_is_previewed_edited_and_queued(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        tool = await open_tool(pilot, NON_RENEWAL)
        assert tool.check_action("email", ()) is True
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EmailScreen)
        assert screen.query_one("#email-to", Input).value == "admin@redwoodlegalllp.example"
        subject = screen.query_one("#email-subject", Input).value
        assert subject == "Redwood Legal LLP: your account closes on Sunday 18 January 2026"
        body = screen.query_one("#email-body", TextArea).text
        assert "Hello Morgan Redwood," in body and "${" not in body
        assert "### Safety Data Sheets" in body
        # Edit: F2 opens the text; what is typed shows in the preview too.
        await pilot.press("f2")
        assert screen.query_one("#email-tabs", TabbedContent).active == "edit"
        area = screen.query_one("#email-body", TextArea)
        area.text = area.text.replace("Hello Morgan Redwood,", "Dear Morgan,")
        await settle(pilot)
        preview = screen.query_one("#email-preview", Markdown)
        assert "Dear Morgan," in preview.source
        # A bad address is refused next to nothing lost: the screen stays, the text too.
        screen.query_one("#email-to", Input).value = "morgan at redwood"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "'morgan at redwood' is not an e-mail address" in str(
            screen.query_one("#email-status", Static).render()
        )
        assert "Dear Morgan," in screen.query_one("#email-body", TextArea).text
        screen.query_one("#email-to", Input).value = "morgan@redwoodlegal.example"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is tool
        queued = outbox_page(NON_RENEWAL)
        assert [(m.kind, m.status, m.recipients) for m in queued] == [
            ("offboarding-notice", OutboxStatus.QUEUED, ("morgan@redwoodlegal.example",))
        ]
        assert queued[0].body.startswith("Dear Morgan,")
        summary = tool_view(NON_RENEWAL).sections
        admin = next(section for section in summary if section.key == "admin_notified")
        assert admin.is_red and "queued, not sent yet" in admin.summary


async def test_no_notice_is_offered_for_collections(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        tool = await open_tool(pilot, COLLECTIONS)
        assert tool.check_action("email", ()) is None
        assert "sent to collections" in tool.unavailable_reason("email")
        await pilot.press("e")
        await settle(pilot)
        assert app.screen is tool  # nothing opened
        keys = [section.key for section in tool.view.sections] if tool.view else []
        assert "admin_notified" not in keys and "no_contact" in keys
        # Even opened directly, the screen offers no draft and cannot queue.
        tool.post_message(ToolScreen.OpenEmail(COLLECTIONS, 1))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EmailScreen)
        assert "sent to collections" in str(screen.query_one("#email-status", Static).render())
        assert screen.check_action("queue", ()) is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert outbox_page(COLLECTIONS) == []


async def test_billing_shows_past_due_invoices_and_flagged_notes(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await open_tool(pilot, COLLECTIONS)
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BillingScreen)
        summary = str(screen.query_one("#billing-summary", Static).render())
        assert summary.startswith("Billing: Sent to collections · 3 of 12 invoices past due")
        table = screen.query_one("#invoices", DataTable)
        statuses = [str(table.get_row_at(n)[4]) for n in range(table.row_count)]
        assert statuses[:4] == ["open", "✗ past due 30 d", "✗ past due 60 d", "✗ past due 90 d"]
        notes = str(screen.query_one("#billing-notes", Static).render())
        assert "[collections]" in notes
        assert "Sent to collections. No further contact with the admin." in notes


def first_status(screen: OutboxScreen) -> str:
    """The Status cell of the newest message (the columns that fit depend on the width)."""
    table = screen.query_one("#messages", DataTable)
    return str(table.get_cell_at(Coordinate(0, table.get_column_index("status"))))


async def test_the_outbox_lists_and_withdraws(make_app: Callable[..., OffboardApp]) -> None:
    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        tool = await open_tool(pilot, NOTICE_SENT)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboxScreen)
        # Newest first: the approval chain's three e-mails of its cancel request (two asking
        # for an approval, then the approval), the final termination e-mail of its timeline,
        # then the sent notice.
        assert screen.query_one("#messages", DataTable).row_count == 5
        assert screen.current is not None and screen.current.status == "queued"
        assert screen.current.subject.startswith("Approved: Cancel Pinecrest Home Health")
        await pilot.press("down", "down", "down")
        await settle(pilot)
        assert screen.current is not None and screen.current.status == "queued"
        assert screen.current.subject.startswith("Final termination: Pinecrest Home Health")
        await pilot.press("down")
        await settle(pilot)
        assert screen.current is not None and screen.current.status == "sent"
        # A sent message can be neither retried nor withdrawn, and the reason says why.
        assert screen.check_action("withdraw", ()) is None
        assert "only a queued or failed one" in screen.unavailable_reason("withdraw")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is tool

        # Queue a notice on another customer, then withdraw it from its outbox.
        other = await open_tool(pilot, NON_RENEWAL)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is other
        await pilot.press("o")
        await settle(pilot)
        outbox = app.screen
        assert isinstance(outbox, OutboxScreen)
        assert outbox.check_action("withdraw", ()) is True
        await pilot.press("w")
        await settle(pilot)
        assert [m.status for m in outbox_page(NON_RENEWAL)] == [OutboxStatus.WITHDRAWN]
        assert "withdrawn" in first_status(outbox)


UNCERTAIN_NOTE = (
    "Handed to the mail server at 2026-01-15 09:30, but no answer came: The mail server "
    "smtp.example.com:587 did not answer in time. It may have arrived, so it is not sent again "
    "by itself: resend it (it may arrive twice) or mark it sent."
)


def make_uncertain(account: str) -> int:
    """Leave the customer's newest message as a sender that got no answer after DATA would."""
    with connection():
        customer = Customer.get(Customer.account == account)
        newest = (
            OutboxMessage.select()
            .where(OutboxMessage.customer == customer)
            .order_by(OutboxMessage.id.desc())
            .get()
        )
        OutboxMessage.update(
            status=OutboxStatus.UNCERTAIN, attempts=1, last_error=UNCERTAIN_NOTE
        ).where(OutboxMessage.id == newest.id).execute()
        return int(newest.id)


async def test_an_uncertain_message_shows_what_happened_and_is_resent_after_a_warning(
    make_app: Callable[..., OffboardApp],
) -> None:
    pk = make_uncertain(NOTICE_SENT)
    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        await open_tool(pilot, NOTICE_SENT)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboxScreen)
        assert screen.current is not None and screen.current.id == pk
        summary = str(screen.query_one("#outbox-summary", Static).render())
        assert "1 uncertain" in summary
        status = first_status(screen)
        # The table's narrow column says it in a word; the pane below says it in full.
        assert status == "uncertain"
        head = str(screen.query_one("#message-head", Static).render())
        assert "Status: uncertain: maybe sent" in head
        assert "What happened:" in head and "no answer came" in head
        assert screen.check_action("retry", ()) is None
        assert screen.check_action("withdraw", ()) is None
        assert screen.check_action("resend", ()) is True
        assert screen.check_action("mark_sent", ()) is True

        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "may deliver it twice" in "\n".join(dialog.lines)
        await pilot.press("n")
        await settle(pilot)
        assert outbox_page(NOTICE_SENT)[0].status == OutboxStatus.UNCERTAIN

        await pilot.press("s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert outbox_page(NOTICE_SENT)[0].status == OutboxStatus.QUEUED
        assert screen.check_action("resend", ()) is None


async def test_an_uncertain_message_can_be_marked_sent(
    make_app: Callable[..., OffboardApp],
) -> None:
    make_uncertain(NOTICE_SENT)
    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        await open_tool(pilot, NOTICE_SENT)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        # The newest of its five messages (the approval of its cancel request) was uncertain.
        newest = outbox_page(NOTICE_SENT)[0]
        assert len(outbox_page(NOTICE_SENT)) == 5
        assert newest.status == OutboxStatus.SENT
        assert newest.last_error.startswith("Marked sent by ")


async def test_begin_asks_for_the_scenario(make_app: Callable[..., OffboardApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.post_message(CustomerListScreen.OpenCustomer("100020"))
        await settle(pilot)
        await pilot.press("b", "down", "down", "enter")
        await settle(pilot)
        tool = app.screen
        assert isinstance(tool, ToolScreen)
        assert tool.view is not None and tool.view.cancellation is not None
        assert tool.view.cancellation.scenario == "collections"
        # s changes it; the sections follow.
        await pilot.press("s", "up", "enter")
        await settle(pilot)
        assert tool.view.cancellation.scenario == "non-renewal"
        keys = {section.key for section in tool.view.sections}
        assert {"bill_till_payout", "auto_renewal", "admin_notified"} <= keys
        assert "no_contact" not in keys
