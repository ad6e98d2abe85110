"""SVG snapshots of the Outbox screen with an uncertain message: its status, what happened, the
resend and mark-sent keys in the footer, and the warning before a resend (80x24 and 120x36)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.app.test_email_billing_outbox import NOTICE_SENT, make_uncertain
from tests.app.test_snapshots import SnapCompare, open_tool
from tui.app import OffboardApp


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_outbox_with_an_uncertain_message(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    make_uncertain(NOTICE_SENT)
    assert snap_compare(make_app(), terminal_size=size, run_before=open_tool(NOTICE_SENT, "o"))


def test_outbox_resend_warns_that_it_may_arrive_twice(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    make_uncertain(NOTICE_SENT)
    assert snap_compare(
        make_app(), terminal_size=(100, 30), run_before=open_tool(NOTICE_SENT, "o", "s")
    )
