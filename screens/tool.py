"""The Cancellation Tool: the banner, one line per section (a red or green dot, ✗ or ✓, the name
and its summary), and Refresh, Remove Cancellation and Process.

Enter on a section with records opens its Manage table; on reasons, ownership, expiry or mood it
opens the form that clears it. Process stays disabled, with the reason on screen, until every
section is clear."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import Footer, Header, ListItem, ListView, Static

from data import cancellations
from data.cancellations import Outcome
from data.customers import ToolView, expiries
from data.models import (
    MOODS,
    SCENARIOS,
    STEPS,
    CancellationState,
    CustomerStatus,
    CustomerType,
    DoneBy,
)
from data.records import RECORD_KINDS
from data.rules import SECTION_STEPS, Section, describe_red, section_name
from data.timeline import (
    ACCESS_DATA,
    SIGN_OFFS_SECTION,
    TIMELINE,
)
from data.users import ReasonRow, UserRow
from data.views import tool_screen
from screens.base import OffboardScreen, Session
from screens.customer import banner_text
from screens.dialogs import ConfirmDialog
from screens.forms import ChoiceForm, DateForm, ReasonsForm, StepForm
from screens.timeline import sign_off_form
from screens.widgets import SectionLine

NOT_RECORDED = "(not recorded)"


def expiry_lines(account: str) -> list[str]:
    """The expiries already on record, as the expiry form lists them (runs in a worker)."""
    rows = expiries(account, limit=5)
    if not rows:
        return ["No expiry on record yet."]
    lines = ["On record:"]
    for row in rows:
        when = "future" if row.future else "past"
        note = f": {row.note}" if row.note else ""
        lines.append(f"  {row.date} ({when}){note}")
    return lines


class SectionItem(ListItem):
    """One section of the tool, selectable."""

    def __init__(self, section: Section) -> None:
        super().__init__(id=f"section-{section.key}")
        self.section = section

    def compose(self) -> ComposeResult:
        yield SectionLine(self.section)

    def show(self, section: Section) -> None:
        self.section = section
        for line in self.query(SectionLine):
            line.show(section)


class SectionList(ListView):
    """The sections; Enter manages the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Manage", show=True),
    ]


class ToolScreen(OffboardScreen):
    """The Customer Cancellation Tool for one customer."""

    HELP_TEXT = (
        "A cancellation takes a customer from Live to Cancelled with nothing left loose. Each "
        "line is a section: a red dot and ✗ means it still needs work, green and ✓ means it is "
        "clear (Customer mood is optional and never blocks). Enter on a section opens Manage "
        "for it. r re-reads everything, so another team lead's changes show. x removes the "
        "cancellation (the customer returns to its earlier status). p processes it once every "
        "section is clear: the new owner takes the customer, its status becomes Cancelled and "
        "the chosen people are notified. s changes the scenario (buyout, non-renewal, sent to "
        "collections), e writes the offboarding notice to the customer's admin (never for "
        "collections), b shows the billing (invoices and Billing's notes), o the e-mails "
        "queued and sent for this customer, t the termination Timeline (dated tasks, sign-offs, "
        "access and data)."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"remove", "process", "scenario", "email"}
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh"),
        Binding("x", "remove", "Remove Cancellation"),
        Binding("p", "process", "Process"),
        Binding("s", "scenario", "Scenario"),
        Binding("e", "email", "E-mail admin"),
        Binding("b", "billing", "Billing"),
        Binding("o", "outbox", "Outbox"),
        Binding("t", "timeline", "Timeline"),
        Binding("m", "manage", "Manage section", show=False),
    ]

    @dataclass
    class Loaded(Message):
        view: ToolView
        reasons: list[ReasonRow]
        users: list[UserRow]

    @dataclass
    class Changed(Message):
        """An operation of this screen (Process, Remove) succeeded."""

        action: str
        outcome: Outcome

    # The cancellation as last read; the actions are enabled from it.
    view: var[ToolView | None] = var(None, bindings=True)

    def __init__(self, session: Session, account: str) -> None:
        super().__init__(session)
        self.account = account
        self.reasons: list[ReasonRow] = []
        self.users: list[UserRow] = []
        self.last_outcome = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="banner", classes="banner")
        yield Static(f"Loading the cancellation of {self.account}…", id="tool-customer")
        yield Static("", id="tool-scenario")
        yield SectionList(id="sections")
        yield Static("", id="process-line", classes="reason-line")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Cancellation Tool"
        self.sub_title = self.account
        self.query_one("#sections", SectionList).focus()

    def on_screen_resume(self) -> None:
        self.load()

    # ------------------------------------------------------------------ reading

    @work(thread=True, exclusive=True, exit_on_error=False, group="tool")
    def load(self) -> None:
        view, reasons, users = tool_screen(self.account)
        self.post_read(self.Loaded(view, reasons, users))

    async def on_tool_screen_loaded(self, event: Loaded) -> None:
        self.view, self.reasons, self.users = event.view, event.reasons, event.users
        customer = event.view.customer
        self.sub_title = f"{customer.name} ({customer.account})"
        banner = self.query_one("#banner", Static)
        text = banner_text(event.view)
        banner.update(Text(text))
        banner.display = bool(text)
        banner.set_class(self.pending is False and text != "", "-cancelled")
        self.query_one("#tool-customer", Static).update(
            Text.assemble(
                (customer.name, "bold"),
                f" · {customer.account} · {customer.status} · owner {customer.owner or 'nobody'}",
            )
        )
        self.query_one("#tool-scenario", Static).update(self._scenario_line(event.view))
        sections = self.query_one("#sections", SectionList)
        items = {item.section.key: item for item in sections.query(SectionItem)}
        if set(items) == {section.key for section in event.view.sections}:
            for section in event.view.sections:
                items[section.key].show(section)
        else:
            # A scenario change brings other sections: the old items must be gone before the
            # new ones (same ids) are mounted.
            await sections.clear()
            await sections.extend(SectionItem(section) for section in event.view.sections)
            sections.index = 0
        self._show_process_line()

    @staticmethod
    def _scenario_line(view: ToolView) -> Content:
        parts: list[str | tuple[str, str]] = []
        if view.cancellation is not None:
            parts += ["Scenario: ", (view.cancellation.scenario_label, "bold"), " · "]
        if view.billing is not None:
            style = "$text-error bold" if view.billing.past_due else ""
            parts.append((view.billing.line(), style))
        if view.no_contact:
            parts += [" · ", ("No contact with the admin", "$text-warning bold")]
        return Content.assemble(*parts)

    @property
    def pending(self) -> bool:
        return bool(
            self.view is not None
            and self.view.cancellation is not None
            and self.view.cancellation.state == CancellationState.PENDING
        )

    def _show_process_line(self) -> None:
        line = self.query_one("#process-line", Static)
        reason = self.unavailable_reason("process")
        if self.last_outcome and not self.pending:
            line.update(Text(self.last_outcome))
        elif reason:
            line.update(Text(reason))
        else:
            line.update("Every section is clear: press p to Process.")
        line.set_class(bool(reason) and self.pending, "-blocked")
        line.set_class(not reason, "-ready")

    # ------------------------------------------------------------------ availability

    def unavailable_reason(self, action: str) -> str:
        if self.view is None:
            return "The cancellation is still loading."
        if action in {"refresh", "manage", "billing", "outbox"}:
            return ""
        if not self.pending:
            customer = self.view.customer
            if self.view.cancellation is None:
                return f"{customer.name} has no cancellation in progress."
            return f"This cancellation is finished: {customer.name} is {customer.status}."
        if not self.session.can_cancel:
            return self.session.refusal
        if action == "process" and self.view.unfinished:
            return f"Process is unavailable: {describe_red(self.view.sections)}."
        if action == "email":
            if self.view.no_contact:
                return self.view.no_contact
            if not any(section.key == "admin_notified" for section in self.view.sections):
                return "This scenario sends no offboarding notice."
        return ""

    # ------------------------------------------------------------------ actions

    def action_refresh(self) -> None:
        self.last_outcome = ""
        self.load()
        self.notify("Re-read the cancellation.", timeout=2)

    @on(ListView.Selected, "#sections")
    def _selected(self) -> None:
        self.action_manage()

    def action_manage(self) -> None:
        sections = self.query_one("#sections", SectionList)
        item = sections.highlighted_child
        if self.view is None or not isinstance(item, SectionItem):
            return
        key = item.section.key
        if key in RECORD_KINDS:
            self.post_message(self.OpenManage(self.account, key))
            return
        if key == "no_contact":
            self.notify(item.section.summary, title="No contact (collections)", severity="warning")
            return
        if key in (TIMELINE, ACCESS_DATA):
            self.post_message(self.OpenTimeline(self.account, self._first_open_task(key)))
            return
        reason = self.unavailable_reason("change")
        if reason:
            self.notify(reason, title="Unavailable", severity="warning")
            return
        self.app.push_screen(self._form(key), self._form_closed)

    def _first_open_task(self, key: str) -> str | None:
        """The task the Timeline opens on: the first late one, or for Access & data the first
        of its steps not done."""
        if self.view is None or self.view.termination is None:
            return None
        tasks = self.view.termination.timeline.tasks
        if key == ACCESS_DATA:
            kinds = (DoneBy.DEACTIVATION, DoneBy.DECISION, DoneBy.PURGE)
            wanted = [t for t in tasks if t.task.completed_by in kinds and t.done is None]
        else:
            wanted = self.view.termination.timeline.late()
        return wanted[0].key if wanted else None

    def action_timeline(self) -> None:
        self.post_message(self.OpenTimeline(self.account, None))

    def _form(self, key: str) -> ChoiceForm | DateForm | ReasonsForm | StepForm:
        assert self.view is not None and self.view.cancellation is not None
        login, account = self.session.login, self.account
        version = self.view.customer.version
        cancellation = self.view.cancellation
        if key in SECTION_STEPS:
            return self._step_form(key)
        if key == SIGN_OFFS_SECTION and self.view.termination is not None:
            return sign_off_form(self.view.termination, login)
        if key == "reasons":

            def save_reasons(ids: list[int], text: str, extra: str) -> Outcome:
                return cancellations.set_reasons(
                    login, account, ids, text, extra, expected_version=version
                )

            return ReasonsForm(
                reasons=self.reasons,
                chosen=cancellation.reason_ids,
                reason_text=cancellation.reason_text,
                extra_information=cancellation.extra_information,
                save=save_reasons,
            )
        if key == "ownership":

            def save_owner(owner: str, now: bool) -> Outcome:
                return cancellations.choose_owner(
                    login, account, owner, apply_now=now, expected_version=version
                )

            return ChoiceForm(
                "Manage Ownership",
                "Who owns the customer once it is cancelled (often a telesales user who will "
                "call back). Enter chooses; tick Perform Now to reassign at once.",
                choices=[
                    (f"{user.display_name} ({user.login})", user.login) for user in self.users
                ],
                current=cancellation.new_owner_login,
                save=save_owner,
                toggle="Perform Now: reassign the customer at once (otherwise at Process)",
            )
        if key == "expiry":

            def save_expiry(date: dt.date, note: str) -> Outcome:
                return cancellations.add_expiry(
                    login, account, date, note, expected_version=version
                )

            return DateForm(
                "Manage Future expiry: add an expiry",
                "A future expiry is a reminder for future sales. The section is clear once one "
                f"is dated after today in {self.view.customer.time_zone}.",
                time_zone=self.view.customer.time_zone,
                save=save_expiry,
                with_note=True,
                existing=partial(expiry_lines, account),
            )

        def save_mood(mood: str, _ticked: bool) -> Outcome:
            return cancellations.set_mood(
                login, account, None if mood == NOT_RECORDED else mood, expected_version=version
            )

        return ChoiceForm(
            "Manage Customer mood",
            "The customer's general mood, for future conversations (optional).",
            choices=[(mood, mood) for mood in MOODS] + [("Not recorded", NOT_RECORDED)],
            current=cancellation.mood or NOT_RECORDED,
            save=save_mood,
        )

    def _step_form(self, key: str) -> StepForm:
        assert self.view is not None and self.view.cancellation is not None
        login, account = self.session.login, self.account
        version = self.view.customer.version
        cancellation = self.view.cancellation

        def confirm(step: str, note: str) -> Outcome:
            return cancellations.confirm_step(login, account, step, note, expected_version=version)

        def take_back(step: str) -> Outcome:
            return cancellations.unconfirm_step(login, account, step, expected_version=version)

        explanations = {
            "final_amount": "Finance sends the customer the final-amount e-mail; once the customer "
            "has paid, confirm the payment. Note who told you (e.g. Finance, Kim).",
            "bill_till_payout": "In the customer's case, set the account to Bill till Payout, "
            "then confirm it here.",
            "auto_renewal": "Ask Billing to disable the account's auto-renewal billing; confirm "
            "once Billing says it is done.",
            "admin_notified": "Green once the offboarding notice is sent (press e on the tool to "
            "write it), or once you record here that you told the admin in a call or meeting.",
        }
        return StepForm(
            f"Manage {section_name(key)}",
            explanations[key],
            steps=[(step, STEPS[step], cancellation.step(step)) for step in SECTION_STEPS[key]],
            confirm=confirm,
            take_back=take_back,
        )

    def action_scenario(self) -> None:
        if self.view is None or self.view.cancellation is None:
            return
        login, account = self.session.login, self.account
        version = self.view.customer.version

        def save(scenario: str, _ticked: bool) -> Outcome:
            return cancellations.set_scenario(login, account, scenario, expected_version=version)

        self.app.push_screen(
            ChoiceForm(
                "Change the scenario",
                "How the customer is leaving. The tool's sections follow the scenario; steps "
                "already confirmed stay on record. Sent to collections withdraws every unsent "
                "e-mail to the customer.",
                choices=[(label, key) for key, label in SCENARIOS.items()],
                current=self.view.cancellation.scenario,
                save=save,
            ),
            self._form_closed,
        )

    def action_email(self) -> None:
        if self.view is not None and not self.unavailable_reason("email"):
            self.post_message(self.OpenEmail(self.account, self.view.customer.version))

    def action_billing(self) -> None:
        self.post_message(self.OpenBilling(self.account))

    def action_outbox(self) -> None:
        self.post_message(self.OpenOutbox(self.account))

    def _form_closed(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.notify(outcome.message, title="Saved")
        # The screen re-reads as it resumes after the form.

    def action_remove(self) -> None:
        if self.view is None or self.view.cancellation is None:
            return
        customer = self.view.customer
        lines = [
            f"Remove the cancellation of {customer.name} ({customer.account})?",
            "",
            f"The customer returns to {self.view.cancellation.previous_status}. "
            "Work already done (ceased assets, closed cases, expiries) stays done.",
        ]
        self.app.push_screen(
            ConfirmDialog("Remove Cancellation", lines, "Remove"), self._remove_confirmed
        )

    def _remove_confirmed(self, confirmed: bool | None) -> None:
        if confirmed and self.view is not None:
            self._change("remove", self.view.customer.version)

    def process_lines(self) -> list[str]:
        """What Process will do, in the words of the confirmation."""
        assert self.view is not None and self.view.cancellation is not None
        customer, cancellation = self.view.customer, self.view.cancellation
        if cancellation.owner_applied_at is not None:
            owner = f"Owner: {cancellation.new_owner} (already applied)"
        else:
            owner = f"Owner: {customer.owner or 'nobody'} → {cancellation.new_owner}"
        notified = ", ".join(cancellation.notify) or "nobody"
        return [
            f"Process the cancellation of {customer.name} ({customer.account})?",
            "",
            f"• Status: {CustomerStatus.PENDING_CANCELLATION} → Cancelled",
            f"• Customer type: {customer.customer_type} → {CustomerType.FORMER_CUSTOMER}",
            f"• {owner}",
            f"• Notified by e-mail: {notified}",
            f"• Reasons: {', '.join(cancellation.reasons)}",
            "",
            "This cannot be undone.",
        ]

    def action_process(self) -> None:
        if self.unavailable_reason("process") or self.view is None:
            return
        self.app.push_screen(
            ConfirmDialog("Process cancellation", self.process_lines(), "Process"),
            self._process_confirmed,
        )

    def _process_confirmed(self, confirmed: bool | None) -> None:
        if confirmed and self.view is not None:
            self._change("process", self.view.customer.version)

    @work(thread=True, exclusive=True, exit_on_error=False, group="change")
    def _change(self, action: str, version: int) -> None:
        operation = cancellations.process if action == "process" else cancellations.remove
        outcome = operation(self.session.login, self.account, expected_version=version)
        self.post_message(self.Changed(action, outcome))

    def on_tool_screen_changed(self, event: Changed) -> None:
        title = "Cancellation processed" if event.action == "process" else "Cancellation removed"
        self.notify(event.outcome.message, title=title)
        if event.action == "remove":
            self.dismiss()
            return
        self.last_outcome = event.outcome.message
        self.load()
