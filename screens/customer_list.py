"""The start screen: every customer, a page at a time, searchable as you type and filtered by
status; and, when the team lead has cancellations pending, a line that offers them first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import get_current_worker

from data.customer_search import LIST_COUNT_LIMIT, ready_to_process
from data.customers import CustomerRow, PendingCancellation, pending_cancellations
from data.models import CustomerStatus
from data.views import customer_list_page
from screens.base import TALL, OffboardScreen, Session
from screens.footer import KeyFooter
from screens.plain import plain, plain_text

PAGE = 100
# The pending cancellations the start screen lists by name (the rest are counted).
PENDING_SHOWN = 3
READY = "✓ ready to process"
STILL_READING = "Still reading your cancellations… o opens the most urgent once they are read."
# Load the next page when the cursor comes this close to the last row loaded.
LOOKAHEAD = 25
FILTERS: tuple[str | None, ...] = (None, *CustomerStatus)


@dataclass(frozen=True)
class Query:
    """What the list shows: the search text and the status filter."""

    search: str = ""
    status: str | None = None


class CustomerListScreen(OffboardScreen):
    """Customers sorted by name; Enter opens one."""

    # The list has the focus from the start, not the search box above it: focused once rather
    # than twice, the footer lays out its keys fewer times.
    AUTO_FOCUS = "#customers"
    HELP_TEXT = (
        "Every customer, sorted by name. Type / to search as you type: a word of the name, or "
        "its start (health finds Pinecrest Home Health), or an account number; f steps the "
        "status filter forward, F back. Enter opens the customer; from there b begins a "
        "cancellation. When you have cancellations pending (or processed with their termination "
        "case still open), o takes you straight back to the most urgent. i imports your "
        "customers from a CRM export (a Salesforce data export). r opens the Reports (churn "
        "reasons, voluntary vs non-payment, save rate, time to cancel, win-back); ctrl+r "
        "refreshes the list."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset({"resume"})
    # The Footer's keys, most important first: at 80 columns the first ones show.
    FOOTER_ORDER: ClassVar[tuple[str, ...]] = (
        "search",
        "resume",
        "today",
        "help",
        "quit",
        "approvals",
        "cycle_status(1)",
        "reports",
        "import_export",
        "refresh",
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "search",
            "Search",
            tooltip="Search as you type: a word of a name, its start, or an account number",
        ),
        Binding(
            "f",
            "cycle_status(1)",
            "Filter status",
            tooltip="Next status filter: All → Live → Live (PC) → Cancelled",
        ),
        Binding(
            "F",
            "cycle_status(-1)",
            "Filter back",
            show=False,
            tooltip="The status filter steps back (shift+f)",
        ),
        Binding(
            "o",
            "resume",
            "Resume pending",
            tooltip="Open the tool of your most urgent pending cancellation",
        ),
        Binding("t", "today", "Today", tooltip="Every task due today or overdue"),
        Binding("i", "import_export", "Import", tooltip="Import a CRM export"),
        Binding("r", "reports", "Reports"),
        Binding("a", "approvals", "Approvals", tooltip="Change requests waiting for your approval"),
        Binding("ctrl+r", "refresh", "Refresh"),
        Binding("escape", "back", "Clear search", show=False),
    ]

    @dataclass
    class PageLoaded(Message):
        """A page of customers for the query (and, for the first page, the count)."""

        query: Query
        rows: list[CustomerRow]
        first: bool
        total: int | None

    @dataclass
    class PendingLoaded(Message):
        """The cancellations the acting user has pending, and which of those listed are ready
        to Process."""

        pending: list[PendingCancellation]
        ready: set[str]

    # The acting user's pending cancellations, most urgent first; o is enabled by them. None
    # until the first read has answered: o then waits for it, never claiming there is none.
    pending: var[list[PendingCancellation] | None] = var(None, bindings=True)

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.query_state = Query()
        self.last_key: tuple[str, int] | None = None
        self.exhausted = False
        self.fetching = False
        # Whether the list has shown its first page since the screen opened.
        self.listed = False
        # The pending line's lines: the headline, then one a cancellation, most urgent first.
        self.pending_lines: list[str] = []
        # o was pressed before the pending cancellations were read: it acts once they are.
        self.resume_when_read = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="list-bar"):
            yield Input(
                placeholder="Search a word of a name, or an account number  ( / )", id="search"
            )
            yield Static("Status: All", id="status-filter")
        yield Static("", id="pending-line")
        yield DataTable(id="customers", cursor_type="row", zebra_stripes=True)
        yield Static("Loading customers…", id="list-count")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "offboard"
        self.sub_title = f"Customers · {self.session.display_name or self.session.login}"
        table = self.query_one("#customers", DataTable)
        table.add_column("Account", key="account", width=9)
        table.add_column("Name", key="name", width=33)
        table.add_column("Status", key="status", width=10)
        table.add_column("Owner", key="owner", width=18)
        if self.focused is None:  # no auto focus while the terminal has not the app's focus
            table.focus()

    def on_screen_resume(self) -> None:
        # Back from a customer: a status may have changed.
        self.reload()

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        self.last_key = None
        self.exhausted = False
        self.fetching = True
        self._load_page(self.query_state, None, True)
        if self.listed:
            self._load_pending()

    @work(thread=True, exclusive=True, exit_on_error=False, group="customers")
    def _load_page(self, query: Query, after: tuple[str, int] | None, first: bool) -> None:
        rows, total = customer_list_page(
            query.search, query.status, after=after, limit=PAGE, counted=first
        )
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(query, rows, first, total))

    @work(thread=True, exclusive=True, exit_on_error=False, group="pending")
    def _load_pending(self) -> None:
        pending = pending_cancellations(self.session.login)
        # Ready to Process: evaluated only for the ones the line lists (each reads its rules).
        shown = [row.account for row in pending[:PENDING_SHOWN] if not row.case_note]
        self.post_read(self.PendingLoaded(pending, ready_to_process(shown)))

    def on_customer_list_screen_page_loaded(self, event: PageLoaded) -> None:
        if event.query != self.query_state:
            return  # an answer to a search the team lead has typed past
        table = self.query_one("#customers", DataTable)
        if event.first:
            table.clear()
        for row in event.rows:
            if row.account in table.rows:
                continue
            table.add_row(
                plain_text(row.account),
                plain_text(row.name),
                plain_text(row.status),
                plain_text(row.owner or "—"),
                key=row.account,
            )
        if event.rows:
            last = event.rows[-1]
            self.last_key = (last.key, last.id)
        self.exhausted = len(event.rows) < PAGE
        self.fetching = False
        if event.total is not None:
            noun = "customer" if event.total == 1 else "customers"
            more = " or more" if self.query_state.search and event.total >= LIST_COUNT_LIMIT else ""
            self.query_one("#list-count", Static).update(
                plain(f"{event.total:,}{more} {noun}" if event.total else self._empty_message())
            )
        if not self.listed:
            self.listed = True
            # The customers first: the pending line's next tasks need the timeline (its modules
            # and the plan), which takes longer to load than the page, so it is read once the
            # first page has been drawn.
            self.call_after_refresh(self._load_pending)

    def _empty_message(self) -> str:
        query = self.query_state
        if query.search:
            return (
                f"No customer has a word of its name, or an account number, starting with "
                f"'{query.search}'."
            )
        if query.status:
            return f"No customer is {query.status}."
        return "There are no customers yet. Load the demo with: offboard demo"

    def on_customer_list_screen_pending_loaded(self, event: PendingLoaded) -> None:
        self.pending = event.pending
        line = self.query_one("#pending-line", Static)
        if self.resume_when_read:
            self.resume_when_read = False
            self.call_after_refresh(self._resume_or_say_why)
        if self.pending:
            from data.dates import when  # arrow: only needed when there is a line to write

            # Most urgent first: the one whose next timeline task is due soonest.
            count = len(self.pending)
            processed = sum(1 for row in self.pending if row.case_note)
            # Processed ones whose termination case is open are listed too, marked as such.
            kind = "pending" if not processed else "open"
            open_cases = f" ({processed} processed, case open)" if processed else ""
            # The headline names no customer (the line under it does, whole): at 80 columns
            # only its last words may give way.
            lines = [
                f"You have {count} {kind} cancellations{open_cases}, the most urgent first. "
                "o resumes it, t lists their tasks."
                if count > 1
                else (
                    "You have a processed cancellation whose termination case is open."
                    if processed
                    else "You have a pending cancellation."
                )
                + " o resumes it, t lists today's tasks."
            ]
            for row in self.pending[:PENDING_SHOWN]:
                nxt = f" — next: {row.next_task}" if row.next_task else ""
                state = row.case_note or f"begun {when(row.begun_at)}"
                ready = f" {READY}," if row.account in event.ready else ""
                lines.append(f"• {row.name} ({row.account}),{ready} {state}{nxt}")
            if count > PENDING_SHOWN:
                lines.append(f"… and {count - PENDING_SHOWN} more (t lists their tasks)")
            self.pending_lines = lines
        else:
            self.pending_lines = []
        self._show_pending()
        line.display = bool(self.pending)

    def _show_pending(self) -> None:
        """The pending line, each of its lines one row (ending in … when too long): on a short
        terminal (24 rows) only the headline and the most urgent, so the list keeps its room;
        every line on a taller one."""
        lines = self.pending_lines
        if self.app.size.height < TALL:
            lines = lines[:2]
        self.query_one("#pending-line", Static).update(plain_text("\n".join(lines)))

    def on_resize(self, _event: events.Resize) -> None:
        if self.pending_lines:
            self._show_pending()

    @on(DataTable.RowHighlighted, "#customers")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if (
            not self.fetching
            and not self.exhausted
            and self.last_key is not None
            and event.cursor_row >= table.row_count - LOOKAHEAD
        ):
            self.fetching = True
            self._load_page(self.query_state, self.last_key, False)

    @on(DataTable.RowSelected, "#customers")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.post_message(self.OpenCustomer(event.row_key.value))

    # ------------------------------------------------------------------ searching and filtering

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_state = Query(event.value.strip(), self.query_state.status)
        self.reload()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one("#customers", DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus and search.value:
            search.value = ""
        self.query_one("#customers", DataTable).focus()

    def action_cycle_status(self, step: int = 1) -> None:
        """The next status filter (``step`` 1), or the one before (-1)."""
        position = FILTERS.index(self.query_state.status)
        status = FILTERS[(position + step) % len(FILTERS)]
        self.query_state = Query(self.query_state.search, status)
        self.query_one("#status-filter", Static).update(plain(f"Status: {status or 'All'}"))
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def action_resume(self) -> None:
        if self.pending is None:
            # The read has not answered yet: o acts once it has (never "you have none").
            self.resume_when_read = True
            self.notify(STILL_READING, timeout=3)
            return
        self._resume_or_say_why()

    def _resume_or_say_why(self) -> None:
        if self.pending:
            self.post_message(self.OpenTool(self.pending[0].account))
        else:
            reason = self.unavailable_reason("resume")
            self.notify(reason, title="Unavailable", severity="warning")

    def action_back(self) -> None:
        self.action_clear_search()

    def action_today(self) -> None:
        self.post_message(self.OpenToday())

    def action_import_export(self) -> None:
        self.post_message(self.OpenImport())

    def action_approvals(self) -> None:
        from screens.approvals import ApprovalsScreen  # retention (issue 15)

        self.app.push_screen(ApprovalsScreen(self.session))

    def action_reports(self) -> None:
        from screens.reports import ReportsScreen  # plotext: loaded when Reports first opens

        self.app.push_screen(ReportsScreen(self.session))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resume":
            # Enabled while the read is under way (o then waits for it), hidden once it says
            # there is nothing to resume.
            return self.pending is None or bool(self.pending)
        return True

    def unavailable_reason(self, action: str) -> str:
        if action == "resume":
            if self.pending is None:
                return STILL_READING
            return "You have no pending cancellation, nor an open termination case."
        return ""
