"""A customer's billing, as the team lead checks it before deactivating: the account's billing
status, its invoices (past-due ones stand out) and Billing's notes on its cases, with the words
that matter highlighted (collections, paid in full, bill till payout, terms and conditions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Header, Label, Static

from data.billing import Billing, BillingNote, billing
from data.dates import when
from data.models import InvoiceStatus
from screens.base import OffboardScreen, Session
from screens.footer import KeyFooter
from screens.plain import plain


def note_content(note: BillingNote) -> Content:
    """A note with its flagged phrases marked, so they catch the eye (and read without colour)."""
    text = note.note
    parts: list[Content] = []
    cursor = 0
    for highlight in note.highlights:
        parts.append(plain(text[cursor : highlight.start]))
        parts.append(plain(text[highlight.start : highlight.end], "$text-warning bold underline"))
        cursor = highlight.end
    parts.append(plain(text[cursor:]))
    return Content.assemble(*parts)


class BillingScreen(OffboardScreen):
    """Invoices and Billing's notes of one customer."""

    HELP_TEXT = (
        "Before deactivating, check the billing: how many invoices are past due, the account's "
        "overall status (Current, Past due, Sent to collections), and what Billing wrote on the "
        "cases. Notes that mention collections, terms and conditions, paid in full or bill till "
        "payout are highlighted. If there is no note, touch base with Billing."
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "refresh", "Refresh")]

    @dataclass
    class Loaded(Message):
        billing: Billing

    def __init__(self, session: Session, account: str) -> None:
        super().__init__(session)
        self.account = account

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(plain(f"Reading the billing of {self.account}…"), id="billing-summary")
        with VerticalScroll(id="billing-body"):
            yield Label("Invoices", classes="heading")
            yield DataTable(id="invoices", cursor_type="row", zebra_stripes=True)
            yield Label("Billing notes on cases", classes="heading")
            yield Static("", id="billing-notes")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Billing"
        self.sub_title = self.account
        table = self.query_one("#invoices", DataTable)
        table.add_column("Invoice", key="number", width=16)
        table.add_column("Issued", key="issued", width=10)
        table.add_column("Due", key="due", width=10)
        table.add_column("Amount", key="amount", width=12)
        table.add_column("Status", key="status", width=22)
        table.focus()
        self.load()

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="billing")
    def load(self) -> None:
        self.post_read(self.Loaded(billing(self.account)))

    def on_billing_screen_loaded(self, event: Loaded) -> None:
        data = event.billing
        self.sub_title = f"{data.name} ({data.account})"
        summary = data.summary
        style = "$text-error bold" if summary.past_due else "$text-success bold"
        open_amount = f" · {summary.open_amount:,.2f} unpaid" if summary.open_amount else ""
        self.query_one("#billing-summary", Static).update(
            Content.assemble(plain(summary.line(), style), open_amount)
        )
        table = self.query_one("#invoices", DataTable)
        table.clear()
        for invoice in data.invoices:
            if invoice.status == InvoiceStatus.PAST_DUE:
                status = Content.styled(f"✗ past due {invoice.days_overdue} d", "$text-error bold")
            elif invoice.paid_on is not None:
                status = Content(f"paid {invoice.paid_on}")
            else:
                status = plain(invoice.status)
            table.add_row(
                plain(invoice.number),
                str(invoice.issued_on),
                str(invoice.due_date),
                Content(f"{invoice.amount:>12,.2f}"),
                status,
            )
        notes = self.query_one("#billing-notes", Static)
        if not data.notes:
            notes.update(
                "Billing has written no note on this customer's cases: touch base with Billing."
            )
            return
        lines: list[Content] = []
        for note in data.notes:
            flags = f"  [{', '.join(note.phrases)}]" if note.phrases else ""
            lines.append(
                Content.assemble(
                    plain(f"Case {note.case_id} · {note.subject} · {note.status}", "bold"),
                    plain(f" · {when(note.opened_at)}{flags}", "$text-muted"),
                )
            )
            lines.append(Content.assemble("  ", note_content(note)))
            lines.append(Content(""))
        notes.update(Content("\n").join(lines))
