"""Help (``?``): every binding of the screen it was opened from (what each does, and whether it
is available now), what that screen is for, every section a cancellation can have and how the
process goes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static

from data.rules import SECTION_NAMES, section_name
from data.scenario_rules import SCENARIO_SECTION_NAMES
from data.sections import SectionKey
from data.timeline import TERMINATION_SECTION_NAMES
from screens.base import OffboardModal
from screens.plain import plain, plain_text

# The Key column's widest: the rest of the row keeps room for what the key does.
KEY_MOST = 13

PROCESS = (
    "How a cancellation goes: open the customer and press b to Begin Cancellation; the "
    "customer becomes Live (PC) and the Cancellation Tool opens. Clear every red section "
    "(Enter on it opens what clears it); then p Processes it: the new owner takes the "
    "customer, its status becomes Cancelled and the chosen people are notified. You may stop "
    "at any time and come back: the start screen offers your pending cancellations (o). q "
    "quits offboard from any screen (every change is already saved); ? shows this help; "
    "ctrl+p the command palette."
)


def section_names() -> list[str]:
    """Every section a cancellation can show, in the tool's order (data/sections.py's keys):
    the playbook chooses which show, and which hold Process or Close back."""
    names: dict[str, str] = {}
    for named in (SECTION_NAMES, SCENARIO_SECTION_NAMES, TERMINATION_SECTION_NAMES):
        names.update((str(key), name) for key, name in named.items())
    # A key whose name lives elsewhere (the playbook's, a part's own module) is named by the
    # rules, else by its key.
    return [names.get(key) or _named(key) for key in SectionKey]


def _named(key: str) -> str:
    name = section_name(key)
    return name if name != key else key.replace("_", " ").capitalize()


def sections_text() -> str:
    return (
        "The sections a cancellation can have (the playbook chooses which show, and whether "
        "each holds back Process or only Close): " + ", ".join(section_names()) + "."
    )


class HelpScreen(OffboardModal[None]):
    """The keys of a screen and a short description of the process."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "cancel", "Close help"),
    ]

    def __init__(
        self,
        title: str,
        about: str,
        keys: Sequence[tuple[str, str, str]],
        tooltips: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.about = about
        self.keys = list(keys)
        # What each action does, by its description (the bindings' tooltips).
        self.tooltips = dict(tooltips or {})

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog"):
            yield Label(plain(f"Help — {self.title_text}"), classes="dialog-title")
            with VerticalScroll():
                yield DataTable(id="help-keys", cursor_type="none", show_cursor=False)
                if self.about:
                    yield Static(self.about, classes="dialog-body", markup=False)
                yield Static(plain(sections_text()), id="help-sections", classes="dialog-body")
                yield Static(PROCESS, classes="dialog-body help-process", markup=False)
            yield Static("Escape closes this help.", classes="field-message")

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        # Fixed widths, the last two wrapped: the whole table fits inside the dialog (and its
        # scroll bar) on an 80-column terminal; the Key column holds its longest key whole
        # ("shift+tab", "^c super+c"), so every row's key, action and text line up.
        longest = max((len(key) for key, _, _ in self.keys), default=0)
        key_width = min(KEY_MOST, max(9, longest))
        table.add_column("Key", key="key", width=key_width)
        table.add_column("Action", key="action", width=14)
        table.add_column("What it does", key="does", width=23 - (key_width - 9))
        table.add_column("Now", key="state", width=12)
        for key, description, state in self.keys:
            does = self.tooltips.get(description, "")
            table.add_row(Text(key), Text(description), Text(does), plain_text(state), height=None)
