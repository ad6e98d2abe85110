"""Without SMTP, the offboarding notice queued (and exported) is sent by hand: h in the Outbox
records it, after a confirmation, and back on the tool Admin notified is green."""

from __future__ import annotations

from collections.abc import Callable

from data.customers import tool_view
from data.models import OutboxStatus
from data.outbox_review import outbox_page
from screens.dialogs import ConfirmDialog
from screens.outbox import OutboxScreen
from tests.app.conftest import settle
from tests.app.test_email_billing_outbox import NON_RENEWAL, open_tool
from tui.app import OffboardApp


def admin_notified_red(account: str) -> bool:
    sections = {section.key: section for section in tool_view(account).sections}
    return sections["admin_notified"].is_red


async def test_h_records_a_queued_notice_sent_by_hand_and_admin_notified_turns_green(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(110, 30)) as pilot:
        tool = await open_tool(pilot, NON_RENEWAL)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is tool
        assert admin_notified_red(NON_RENEWAL)
        await pilot.press("o")
        await settle(pilot)
        outbox = app.screen
        assert isinstance(outbox, OutboxScreen)
        assert outbox.current is not None and outbox.current.status == OutboxStatus.QUEUED
        assert outbox.check_action("sent_by_hand", ()) is True

        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)

        assert app.screen is outbox
        [notice] = outbox_page(NON_RENEWAL)
        assert notice.status == OutboxStatus.SENT
        assert notice.last_error.startswith("Sent by hand, recorded by ")
        # Once sent, h is refused with its reason.
        assert outbox.check_action("sent_by_hand", ()) is None
        assert "only a queued or failed one" in outbox.unavailable_reason("sent_by_hand")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is tool
        assert not admin_notified_red(NON_RENEWAL)
        section = tool.query_one("#section-admin_notified")
        assert "Offboarding notice sent to" in str(section.query_one("SectionLine").render())
