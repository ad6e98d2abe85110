"""Help (``?``): every binding of the screen it was opened from, and what that screen is for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static

from screens.base import OffboardModal

PROCESS = (
    "How a cancellation goes: open the customer and press b to Begin Cancellation; the "
    "customer becomes Live (PC) and the Cancellation Tool opens. Clear every red section "
    "(reasons, new owner, a future expiry, assets ceased, cases closed, opportunities, "
    "quotations and sales orders closed); then p Processes it: the new owner takes the "
    "customer, its status becomes Cancelled and the chosen people are notified. You may stop "
    "at any time and come back: the start screen offers your pending cancellations (o)."
)


class HelpScreen(OffboardModal[None]):
    """The keys of a screen and a short description of the process."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "cancel", "Close help"),
    ]

    def __init__(self, title: str, about: str, keys: Sequence[tuple[str, str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.about = about
        self.keys = list(keys)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog"):
            yield Label(f"Help — {self.title_text}", classes="dialog-title", markup=False)
            with VerticalScroll():
                if self.about:
                    yield Static(self.about, classes="dialog-body", markup=False)
                yield DataTable(id="help-keys", cursor_type="none", show_cursor=False)
                yield Static(PROCESS, classes="dialog-body help-process", markup=False)
            yield Static("Escape closes this help.", classes="field-message")

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_column("Key", key="key", width=12)
        table.add_column("Action", key="action", width=26)
        table.add_column("Now", key="state")
        for key, description, state in self.keys:
            table.add_row(Text(key), Text(description), Text(state))
