"""The customer view: details, counts of its records, and the banner of a pending cancellation;
``b`` begins a cancellation (after a confirmation) and ``v`` opens the one in progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Header, Static

from data.cancellations import Outcome, begin
from data.customers import RecordCount, ToolView
from data.dates import when
from data.models import (
    BillingStatus,
    CancellationState,
    CustomerStatus,
)
from data.sections import SectionKey
from data.views import begin_scenario, customer_screen, scenario_choices
from screens.base import OffboardScreen, Session
from screens.footer import KeyFooter
from screens.forms import ChoiceForm
from screens.plain import plain, plain_text, shown


def banner_text(view: ToolView) -> str:
    """The banner over a customer with a cancellation: pending since when; processed with its
    termination case open, what is left ("Cancelled — termination case open: 5 tasks left,
    next: …"); or processed and closed."""
    cancellation = view.cancellation
    if cancellation is None:
        return ""
    if cancellation.state == CancellationState.PENDING:
        return (
            f"Pending cancellation — since {when(cancellation.begun_at)} by {cancellation.begun_by}"
        )
    if view.customer.status != CustomerStatus.CANCELLED or cancellation.processed_at is None:
        return ""
    if cancellation.case_open and cancellation.case_summary:
        return cancellation.case_summary
    processed = (
        f"Cancelled — processed {when(cancellation.processed_at)} "
        f"by {cancellation.processed_by or 'an unknown user'}"
    )
    if cancellation.closed_at is not None and cancellation.closed_at != cancellation.processed_at:
        return f"{processed}; termination case closed {when(cancellation.closed_at)}"
    return processed


class CustomerScreen(OffboardScreen):
    """One customer's details and records, and the way into its cancellation."""

    HELP_TEXT = (
        "The customer's details and how many records of each kind it has (and how many are "
        "still open). b begins a cancellation: choose the scenario (buyout, non-renewal or sent "
        "to collections) and the customer is Live (PC) and the Cancellation Tool opens. While "
        "a cancellation is pending the banner says since when and by whom, and v opens it "
        "again. Once processed, the customer is Cancelled and its termination case stays open "
        "until its tasks are done: the banner says how many are left and which is next, and v "
        "opens the tool (t there opens the Timeline, c closes the case). a shows the "
        "customer's audit trail: every change, who made it and when. s records a save "
        "attempt (listed under the records); u resumes a Paused customer (Live again)."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset({"begin", "resume"})
    # The Footer's keys, most important first: at 80 columns the first ones show.
    FOOTER_ORDER: ClassVar[tuple[str, ...]] = (
        "begin",
        "view_cancellation",
        "help",
        "quit",
        "save_attempt",
        "resume",
        "audit",
        "refresh",
        "back",
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "begin", "Begin Cancellation"),
        Binding("v", "view_cancellation", "View cancellation"),
        Binding("r", "refresh", "Refresh"),
        Binding("a", "audit", "Audit trail"),
        Binding("s", "save_attempt", "Save attempt", tooltip="Record a save attempt"),
        Binding("u", "resume", "Resume", tooltip="End the customer's contract pause"),
    ]

    @dataclass
    class Loaded(Message):
        view: ToolView
        totals: list[RecordCount]

    # What the screen shows; b and v are enabled from it.
    view: var[ToolView | None] = var(None, bindings=True)

    def __init__(self, session: Session, account: str) -> None:
        super().__init__(session)
        self.account = account

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="banner", classes="banner")
        with VerticalScroll(id="customer-body"):
            yield Static(plain(f"Loading customer {self.account}…"), id="details")
            yield DataTable(id="totals", cursor_type="none", show_cursor=False)
            yield Static("", id="save-attempts")
        yield Static("", id="reason-line", classes="reason-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "offboard"
        self.sub_title = f"Customer {self.account}"
        table = self.query_one("#totals", DataTable)
        table.add_column("Records", key="records", width=16)
        table.add_column("Total", key="total", width=8)
        table.add_column("Still open", key="open", width=10)
        self.query_one("#banner", Static).display = False

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer")
    def load(self) -> None:
        view, totals = customer_screen(self.account)
        self.post_read(self.Loaded(view, totals))
        # Retention (issue 15): the customer's save attempts, listed under the records.
        from screens.retention_forms import retention_block

        self.post_read(self.AttemptsRead(retention_block(self.account)))

    @dataclass
    class AttemptsRead(Message):
        text: Text

    def on_customer_screen_attempts_read(self, event: AttemptsRead) -> None:
        self.query_one("#save-attempts", Static).update(event.text)

    def action_resume(self) -> None:
        if self.view is not None:
            from screens.retention_forms import confirm_resume

            confirm_resume(self, self.session.login, self.view.customer, self.load)

    def action_save_attempt(self) -> None:
        if self.view is not None:
            from screens.retention_forms import open_save_attempt

            open_save_attempt(self, self.session.login, self.view.customer, self.load)

    def on_customer_screen_loaded(self, event: Loaded) -> None:
        self.view = event.view
        customer = event.view.customer
        self.sub_title = f"{customer.name} ({customer.account})"
        banner = self.query_one("#banner", Static)
        text = banner_text(event.view)
        banner.update(plain_text(f"{text}{'   v View cancellation' if text else ''}"))
        banner.display = bool(text)
        banner.set_class(customer.status == CustomerStatus.CANCELLED, "-cancelled")
        owner = customer.owner or "nobody"
        admin = f"{customer.admin_name} <{customer.admin_email}>" if customer.admin_email else "—"
        details = Text()
        details.append(f"{shown(customer.name)}\n", style="bold")
        for label, value in (
            ("Account", customer.account),
            ("Status", customer.status),
            ("Type", customer.customer_type),
            ("Owner", owner),
            ("Time zone", customer.time_zone),
            ("Admin", admin),
            ("Billing", customer.billing_status),
            ("Modules", ", ".join(customer.modules) or "—"),
            ("Customer since", f"{customer.created_at:%Y-%m-%d}"),
        ):
            details.append(f"{label:<15}", style="dim")
            details.append(f"{shown(value)}\n")
        self.query_one("#details", Static).update(details)
        table = self.query_one("#totals", DataTable)
        table.clear()
        for count in event.totals:
            still_open = str(count.blocking) if count.section != SectionKey.EXPIRY else "—"
            table.add_row(plain_text(count.title), str(count.total), still_open, key=count.section)
        self.query_one("#reason-line", Static).update(plain(self.unavailable_reason("begin")))

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "view_cancellation":
            return True if self.view is not None and self.view.cancellation else None
        return super().check_action(action, parameters)

    def unavailable_reason(self, action: str) -> str:
        if self.view is None:
            return "The customer is still loading."
        status = self.view.customer.status
        if action == "resume" and status != CustomerStatus.PAUSED:
            return f"Resume is unavailable: the customer is {status}, not Paused."
        if action == "begin":
            if status == CustomerStatus.PENDING_CANCELLATION:
                return "Begin Cancellation is unavailable: a cancellation is already pending (v views it)."
            if status != CustomerStatus.LIVE:
                return f"Begin Cancellation is unavailable: the customer is {status}."
            if not self.session.can_cancel:
                return f"Begin Cancellation is unavailable: {self.session.refusal}"
        if action == "view_cancellation" and self.view.cancellation is None:
            return "This customer has no cancellation to view."
        return ""

    def action_refresh(self) -> None:
        self.load()

    def action_view_cancellation(self) -> None:
        self.post_message(self.OpenTool(self.account))

    def action_audit(self) -> None:
        from screens.audit import AuditScreen

        self.app.push_screen(AuditScreen(self.session, self.account))

    def action_begin(self) -> None:
        if self.view is None:
            return
        customer = self.view.customer
        login, account, version = self.session.login, self.account, customer.version

        def save(scenario: str, _ticked: bool) -> Outcome:
            return begin(login, account, scenario=scenario, expected_version=version)

        explanation = (
            f"Begin the cancellation of {customer.name} ({customer.account}): its status "
            f"becomes {CustomerStatus.PENDING_CANCELLATION} until the cancellation is processed or removed. "
            "Choose how the customer is leaving (you can change it while it is pending); "
            "Enter begins."
        )
        if customer.billing_status == BillingStatus.COLLECTIONS:
            explanation += (
                " Billing has sent this account to collections: nobody may contact its admin."
            )
        self.app.push_screen(
            ChoiceForm(
                "Begin Cancellation",
                explanation,
                choices=scenario_choices(),
                current=begin_scenario(
                    collections=customer.billing_status == BillingStatus.COLLECTIONS
                ),
                save=save,
                save_label="Begin",
            ),
            self._begun,
        )

    def _begun(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.notify(outcome.message, title="Cancellation begun")
            self.post_message(self.OpenTool(self.account))
