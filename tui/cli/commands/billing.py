"""The billing command: what the app's Billing screen (b) shows of one customer — the account's
billing status, its latest invoices (past-due ones marked) and Billing's notes on its cases with
the phrases that matter — read by the same data function, as text or JSON."""

from __future__ import annotations

import argparse

from data.billing import Billing, billing
from data.models import InvoiceStatus
from tui.cli.output import emit_json, local_time, out
from tui.cli.shapes import billing_json
from tui.config import Settings

NO_NOTES = "Billing has written no note on this customer's cases: touch base with Billing."


def invoice_status(status: str, days_overdue: int, paid_on: str | None) -> str:
    """The invoice's status as the screen's column says it (without its ✗ mark)."""
    if status == InvoiceStatus.PAST_DUE:
        return f"past due {days_overdue} d"
    if paid_on is not None:
        return f"paid {paid_on}"
    return status


def billing_lines(data: Billing) -> list[str]:
    """The Billing screen as lines: the summary, the invoices table, the notes."""
    summary = data.summary
    unpaid = f" · {summary.open_amount:,.2f} unpaid" if summary.open_amount else ""
    lines = [f"{data.name} ({data.account})", f"  {summary.line()}{unpaid}", "", "Invoices"]
    if data.invoices:
        lines.append(f"  {'INVOICE':<16}  {'ISSUED':<10}  {'DUE':<10}  {'AMOUNT':>12}  STATUS")
    else:
        lines.append("  No invoices on record.")
    for invoice in data.invoices:
        paid_on = str(invoice.paid_on) if invoice.paid_on is not None else None
        status = invoice_status(invoice.status, invoice.days_overdue, paid_on)
        lines.append(
            f"  {invoice.number:<16}  {invoice.issued_on!s:<10}  {invoice.due_date!s:<10}  "
            f"{invoice.amount:>12,.2f}  {status}"
        )
    lines += ["", "Billing notes on cases"]
    if not data.notes:
        lines.append(f"  {NO_NOTES}")
    for note in data.notes:
        flags = f"  [{', '.join(note.phrases)}]" if note.phrases else ""
        lines.append(
            f"  Case {note.case_id} · {note.subject} · {note.status} · "
            f"{local_time(note.opened_at)}{flags}"
        )
        lines += [f"    {line}" for line in note.note.splitlines() or [""]]
    return lines


def cmd_billing(args: argparse.Namespace, settings: Settings) -> int:
    data = billing(args.account)
    if args.json:
        emit_json(billing_json(data))
        return 0
    for line in billing_lines(data):
        out(line)
    return 0
