"""Retention's forms (issue 15): a save attempt on a customer (``s`` on the customer screen) —
the outcome, the offers made (Space ticks one), the concern in the customer's words and a
note — and the comment an approver gives with a decision. Each saves through one data
operation in a worker (``FormScreen``) and stays open with what was typed when it is refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from data.cancellations import Outcome
from data.customers import CustomerDetail
from data.dates import when
from data.errors import OffboardError
from data.retention.attempts import (
    OUTCOME_LABELS,
    AttemptRow,
    attempts_of,
    note_no_attempt,
    record_attempt,
)
from data.retention.offers import OfferRow, list_offers
from data.retention.pause import pause_of, resume
from data.retention.sections import linked_request_id
from data.sections import SectionKey
from screens.dialogs import ConfirmDialog
from screens.find import FindOptionList, FindSelectionList
from screens.form_screen import FormScreen
from screens.plain import plain, shown


def retention_block(account: str) -> Text:
    """What the customer screen shows of retention: the pause (while Paused) and the save
    attempts. Reads the database: call it in a worker."""
    pause = pause_of(account)
    rows = attempts_of(account)
    text = Text()
    if pause is not None:
        until = f" until {pause.end}" if pause.end else ""
        text.append(f"\nPaused{until}", style="bold")
        text.append(
            f" (change request #{pause.request_id}, from {pause.start}; u resumes)\n", style="dim"
        )
    return text + attempts_text(rows)


NO_ATTEMPT = "none"  # the form's choice for "no save attempt was made"


def attempts_text(rows: Sequence[AttemptRow], limit: int = 5) -> Text:
    """The customer's save attempts, latest first, for the customer screen."""
    text = Text()
    text.append("\nSave attempts", style="bold")
    text.append("  (s records one)\n", style="dim")
    if not rows:
        text.append("None recorded.\n", style="dim")
        return text
    for row in rows[:limit]:
        offered = f" · offered {', '.join(row.offers)}" if row.offers else ""
        concern = f" · “{row.concern}”" if row.concern else ""
        text.append(f"{when(row.at)}  ")
        text.append(f"{shown(OUTCOME_LABELS.get(row.outcome, row.outcome)):<10}", style="bold")
        text.append(f" {shown(row.by + concern + offered)}\n")
    if len(rows) > limit:
        text.append(f"…and {len(rows) - limit} earlier\n", style="dim")
    return text


class SaveAttemptForm(FormScreen):
    """A save attempt: its outcome (one of the list), the offers made, the concern, a note."""

    DEFAULT_CSS = """
    SaveAttemptForm #attempt-choices { height: auto; }
    SaveAttemptForm #attempt-choices Vertical { width: 1fr; height: auto; }
    SaveAttemptForm #outcome, SaveAttemptForm #offers { height: auto; max-height: 8; }
    """

    def __init__(
        self,
        customer_name: str,
        *,
        offers: Sequence[OfferRow],
        save: Callable[[str, list[str], str, str], Outcome],
        allow_none: bool = False,
    ) -> None:
        super().__init__(
            f"Save attempt — {customer_name}",
            "The outcome (arrows), the offers made (Tab, then Space ticks), the concern and a "
            "note; ctrl+s saves.",
        )
        self.offers = list(offers)
        self.save_attempt = save
        # On a pending cancellation: "no attempt made", with the note why (Retention green).
        self.allow_none = allow_none

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            with Horizontal(id="attempt-choices"):
                with Vertical():
                    yield Label("Outcome", classes="field-label")
                    yield FindOptionList(
                        *[Option(label, id=key) for key, label in OUTCOME_LABELS.items()],
                        *(
                            [Option("No attempt made (note why)", id=NO_ATTEMPT)]
                            if self.allow_none
                            else []
                        ),
                        id="outcome",
                    )
                with Vertical():
                    yield Label("Offers made", classes="field-label")
                    yield FindSelectionList[str](
                        *[(plain(offer.name), offer.name, False) for offer in self.offers],
                        id="offers",
                    )
            yield Label("The concern, in the customer's words", classes="field-label")
            yield Input(id="concern")
            yield Label("Note", classes="field-label")
            yield Input(id="note")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        outcome = self.query_one("#outcome", OptionList)
        outcome.highlighted = list(OUTCOME_LABELS).index("open")
        outcome.focus()

    @on(OptionList.OptionSelected, "#outcome")
    def _outcome_chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter on an outcome moves on: to the note when no attempt was made (the note is the
        why), else to the offers made."""
        following = "#note" if event.option.id == NO_ATTEMPT else "#offers"
        self.query_one(following).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        outcome = self.query_one("#outcome", OptionList)
        if outcome.highlighted is None:
            self.show_invalid("Choose the outcome with the arrows.")
            outcome.focus()
            return
        chosen = outcome.get_option_at_index(outcome.highlighted).id or ""
        offers = list(self.query_one("#offers", SelectionList).selected)
        concern = self.query_one("#concern", Input).value
        note = self.query_one("#note", Input).value
        self.save_with(partial(self.save_attempt, chosen, offers, concern, note))


class CommentForm(FormScreen):
    """An approver's comment with a decision (required to reject)."""

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        save: Callable[[str], Outcome],
        save_label: str,
        required: bool = False,
    ) -> None:
        super().__init__(title, explanation, save_label=save_label)
        self.save_comment = save
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield Label("Comment" + (" (required)" if self.required else ""), classes="field-label")
            yield Input(id="comment")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        self.query_one("#comment", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        comment = self.query_one("#comment", Input).value
        if self.required and not comment.strip():
            self.show_invalid("Say why: the comment goes back to the submitter.")
            return
        self.save_with(partial(self.save_comment, comment))


def open_save_attempt(
    screen: Screen[None],
    login: str,
    customer: CustomerDetail,
    reload: Callable[[], object],
    *,
    pending: bool = False,
) -> None:
    """Open the save attempt form for ``customer`` (its offers read in a worker first);
    ``pending``: it may also say why no attempt was made on the pending cancellation."""
    account, version = customer.account, customer.version

    def save(outcome: str, offers: list[str], concern: str, note: str) -> Outcome:
        if outcome == NO_ATTEMPT:
            why = " ".join(part for part in (concern.strip(), note.strip()) if part)
            return note_no_attempt(login, account, why, expected_version=version)
        return record_attempt(
            login,
            account,
            outcome=outcome,
            concern=concern,
            offers=offers,
            note=note,
            expected_version=version,
        )

    def done(outcome: Outcome | None) -> None:
        if outcome is not None:
            screen.notify(outcome.message, title="Save attempt")
            reload()

    def opened(offers: list[OfferRow]) -> None:
        form = SaveAttemptForm(customer.name, offers=offers, save=save, allow_none=pending)
        screen.app.push_screen(form, done)

    read_offers(screen, opened)


def read_offers(screen: Screen[None], then: Callable[[list[OfferRow]], None]) -> None:
    """Read the offer list in a thread worker, then call ``then`` with it on the app's thread."""

    def read() -> None:
        rows = list_offers()
        screen.app.call_from_thread(then, rows)

    screen.run_worker(read, thread=True, exclusive=True, exit_on_error=False, group="offers")


def confirm_resume(
    screen: Screen[None],
    login: str,
    customer: CustomerDetail,
    reload: Callable[[], object],
) -> None:
    """Ask, then end the customer's pause (in a worker): it is Live again."""
    account, version = customer.account, customer.version

    def resume_now() -> None:
        try:
            outcome = resume(login, account, expected_version=version)
        except OffboardError as error:
            screen.app.call_from_thread(
                screen.notify, str(error), title="Not resumed", severity="error"
            )
            return
        screen.app.call_from_thread(screen.notify, outcome.message, title="Resumed")
        screen.app.call_from_thread(reload)

    def answered(yes: bool | None) -> None:
        if yes:
            screen.run_worker(
                resume_now, thread=True, exclusive=True, exit_on_error=False, group="resume"
            )

    screen.app.push_screen(
        ConfirmDialog(
            "Resume",
            [
                f"End the contract pause of {customer.name} ({customer.account}) now: its "
                "status becomes Live again.",
            ],
            "Resume",
        ),
        answered,
    )


def open_retention_section(
    screen: Screen[None],
    login: str,
    customer: CustomerDetail,
    key: str,
    reload: Callable[[], object],
) -> None:
    """Enter on the tool's Retention section: the save attempt form; on Approval: the linked
    change request with its chain and history."""
    if key == SectionKey.RETENTION:
        open_save_attempt(screen, login, customer, reload, pending=True)
        return
    account = customer.account

    def opened(request_id: int | None) -> None:
        if request_id is None:
            screen.notify("The cancellation has no cancel request.", title="Approval")
            return
        from screens.retention_request import RequestScreen

        session = getattr(screen, "session", None)
        if session is not None:
            screen.app.push_screen(RequestScreen(session, request_id))

    def read() -> None:
        found = linked_request_id(account)
        screen.app.call_from_thread(opened, found)

    screen.run_worker(read, thread=True, exclusive=True, exit_on_error=False, group="approval")
