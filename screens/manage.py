"""Manage <section>: the records of one section in a table, blocking ones first and marked ✗,
and the actions that clear them (cease assets, close records to one of their allowed states).

The table loads a page at a time (blocking records first, then the resolved ones) as the
cursor nears the end, so a customer with thousands of assets opens at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Footer, Header, Static

from data import cancellations
from data.cancellations import Outcome, allowed_states
from data.customers import ToolView
from data.models import CancellationState
from data.records import RecordRow, record_kind
from data.rules import Section, SectionKey
from data.views import Cursor, section_records
from screens.base import OffboardScreen, Session
from screens.forms import ChoiceForm, DateForm
from screens.widgets import GLYPH_GREEN, GLYPH_RED, SectionLine

PAGE = 100
LOOKAHEAD = 25


class ManageScreen(OffboardScreen):
    """The records of one section and the actions that clear them."""

    HELP_TEXT = (
        "The section's records, the ones that keep it red first (marked ✗). Space marks "
        "records; c acts on the marked records (or the highlighted one), a on every record still "
        "open. Assets are ceased with a date (Live is unticked); cases are closed; "
        "opportunities, quotations and sales orders are set to one of their closed states. The "
        "section's dot and summary at the top update after each change."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset({"close_chosen", "close_all"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark"),
        Binding("c", "close_chosen", "Close chosen"),
        Binding("a", "close_all", "Close all open"),
        Binding("r", "refresh", "Refresh"),
    ]

    @dataclass
    class Loaded(Message):
        view: ToolView | None
        rows: list[RecordRow]
        cursor: Cursor
        reset: bool

    # The customer's cancellation as last read; the actions are enabled from it.
    view: var[ToolView | None] = var(None, bindings=True)

    def __init__(self, session: Session, account: str, section: str) -> None:
        super().__init__(session)
        self.account = account
        self.section = section
        self.kind = record_kind(section)
        self.cursor = Cursor()
        self.fetching = False
        self.rows: dict[int, RecordRow] = {}
        self.marked: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        yield SectionLine(id="manage-section")
        yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
        yield Static("", id="manage-line", classes="reason-line")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Manage {self.kind.title}"
        self.sub_title = self.account
        table = self.query_one("#records", DataTable)
        table.add_column(" ", key="mark", width=1)
        table.add_column("State", key="state", width=10)
        table.add_column(self.kind.noun.capitalize(), key="label", width=28)
        table.add_column("Status", key="status", width=12)
        # A fixed width, like every other column: an auto-sized last column is laid out again
        # as later pages arrive, so the table's width would depend on when it was drawn.
        table.add_column("Detail", key="detail", width=38)
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    # ------------------------------------------------------------------ reading

    def reload(self) -> None:
        self.fetching = True
        self._load(Cursor(), True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="records")
    def _load(self, cursor: Cursor, reset: bool) -> None:
        customer_id = None if reset else self._customer_id()
        view, rows, cursor = section_records(
            self.account, self.section, cursor, customer_id=customer_id, limit=PAGE
        )
        self.post_read(self.Loaded(view, rows, cursor, reset))

    def _customer_id(self) -> int:
        assert self.view is not None
        return self.view.customer.id

    def on_manage_screen_loaded(self, event: Loaded) -> None:
        table = self.query_one("#records", DataTable)
        if event.reset:
            self.view = event.view
            self.rows.clear()
            self.marked.clear()
            table.clear()
            if self.view is not None:
                self.sub_title = f"{self.view.customer.name} ({self.account})"
                self.query_one("#manage-section", SectionLine).show(self._section())
        for row in event.rows:
            if row.id in self.rows:
                continue
            self.rows[row.id] = row
            table.add_row(
                "",
                self._state_cell(row),
                Text(row.label),
                Text(row.status),
                Text(row.detail),
                key=str(row.id),
            )
        self.cursor = event.cursor
        self.fetching = False
        self._show_line()

    def _section(self) -> Section:
        assert self.view is not None
        return next(s for s in self.view.sections if s.key == self.section)

    @staticmethod
    def _state_cell(row: RecordRow) -> Content:
        if row.blocking:
            return Content.styled(f"{GLYPH_RED} blocking", "bold $error")
        return Content.styled(f"{GLYPH_GREEN} done", "$success")

    def _show_line(self) -> None:
        line = self.query_one("#manage-line", Static)
        reason = self.unavailable_reason("close_all")
        if reason:
            line.update(Text(reason))
        elif self.marked:
            line.update(f"{len(self.marked)} marked: c acts on them.")
        elif not self.rows:
            line.update(f"This customer has no {self.kind.nouns}.")
        else:
            line.update("Space marks records; c acts on the marked (or highlighted) ones.")

    @on(DataTable.RowHighlighted, "#records")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if (
            not self.fetching
            and not self.cursor.done
            and event.cursor_row >= event.data_table.row_count - LOOKAHEAD
        ):
            self.fetching = True
            self._load(self.cursor, False)

    # ------------------------------------------------------------------ availability

    @property
    def pending(self) -> bool:
        return bool(
            self.view is not None
            and self.view.cancellation is not None
            and self.view.cancellation.state == CancellationState.PENDING
        )

    def unavailable_reason(self, action: str) -> str:
        if action in {"refresh", "mark"}:
            return ""
        if self.view is None:
            return "The records are still loading."
        if not self.pending:
            return (
                f"{self.view.customer.name} has no pending cancellation, so its records are "
                "shown but not changed here."
            )
        if not self.session.can_cancel:
            return self.session.refusal
        if not self._section().is_red:
            return f"Nothing to do: {self._section().summary}."
        return ""

    # ------------------------------------------------------------------ actions

    def action_refresh(self) -> None:
        self.reload()

    def _highlighted(self) -> RecordRow | None:
        table = self.query_one("#records", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(int(key)) if key is not None else None

    def action_mark(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        self.marked.symmetric_difference_update({row.id})
        table = self.query_one("#records", DataTable)
        table.update_cell(str(row.id), "mark", "●" if row.id in self.marked else "")
        table.action_cursor_down()
        self._show_line()

    def action_close_chosen(self) -> None:
        if self.marked:
            chosen = [self.rows[pk] for pk in sorted(self.marked)]
        else:
            row = self._highlighted()
            chosen = [row] if row is not None else []
        if not chosen:
            return
        done = [row for row in chosen if not row.blocking]
        if done:
            self.notify(
                f"'{done[0].label}' is already {self.kind.done_words}; "
                "choose a record marked ✗ blocking.",
                title="Nothing to do",
                severity="warning",
            )
            return
        self._open_form([row.id for row in chosen], chosen)

    def action_close_all(self) -> None:
        self._open_form(None, [])

    def _open_form(self, ids: list[int] | None, chosen: list[RecordRow]) -> None:
        if self.view is None:
            return
        login, account, version = self.session.login, self.account, self.view.customer.version
        section = self.section
        if ids is None:
            which = f"every {self.kind.noun} still open ({self._section().summary})"
        elif len(chosen) == 1:
            which = f"'{chosen[0].label}'"
        else:
            which = f"the {len(chosen)} marked {self.kind.nouns}"
        if section == SectionKey.ASSETS:

            def cease(date: dt.date, _note: str) -> Outcome:
                return cancellations.cease_assets(
                    login, account, date, ids, expected_version=version
                )

            form: DateForm | ChoiceForm = DateForm(
                f"Cease {which}",
                "The cease date is written and Live is unticked. The date may not be before "
                "an asset's start date.",
                time_zone=self.view.customer.time_zone,
                save=cease,
                initial="today",
            )
        else:

            def close(state: str, _ticked: bool) -> Outcome:
                return cancellations.close_records(
                    login, account, section, state, ids, expected_version=version
                )

            states = allowed_states(section)
            form = ChoiceForm(
                f"Close {which}",
                f"Choose the closed state for {which}; Enter sets it.",
                choices=[(state, state) for state in states],
                save=close,
            )
        self.app.push_screen(form, self._form_closed)

    def _form_closed(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.notify(outcome.message, title="Saved")
        # The screen re-reads as it resumes after the form.


class ManageAssetsScreen(ManageScreen):
    """Manage Assets: the keys say cease rather than close."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "close_chosen", "Cease chosen"),
        Binding("a", "close_all", "Cease all live"),
    ]


def manage_screen(session: Session, account: str, section: str) -> ManageScreen:
    """The Manage screen for a section with records."""
    if section == SectionKey.ASSETS:
        return ManageAssetsScreen(session, account, section)
    return ManageScreen(session, account, section)
