"""The forms that confirm work done or decide: the steps of a scenario's section or a timeline
(one confirmation at a time, each can be taken back), a change that needs only a yes (approve
deletion, Data Purge Done), and the account team's decision on the data (hold or approve its
deletion).

Each saves through ``FormScreen`` (screens/form_screen.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from data.cancellations import Outcome
from data.dates import when
from data.rules import StepDone
from screens.form_screen import FormScreen


class StepForm(FormScreen):
    """The steps of a scenario's section (Finance's e-mail, the payment, Billing's confirmation…):
    Enter confirms the highlighted step with the note typed; ctrl+u takes a confirmation back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *FormScreen.BINDINGS,
        Binding("ctrl+u", "take_back", "Take back"),
    ]

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        steps: Sequence[tuple[str, str, StepDone | None]],
        confirm: Callable[[str, str], Outcome],
        take_back: Callable[[str], Outcome],
    ) -> None:
        super().__init__(title, explanation, save_label="Confirm")
        self.steps = list(steps)
        self.confirm = confirm
        self.take_back = take_back

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield OptionList(
                *[Option(self._label(title, done), id=key) for key, title, done in self.steps],
                id="steps",
            )
            yield Input(placeholder="Note (optional): who confirmed it, and how", id="note")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    @staticmethod
    def _label(title: str, done: StepDone | None) -> Content:
        if done is None:
            return Content.assemble(("✗ ", "$error bold"), title, ("  not yet", "$text-muted"))
        note = f": {done.note}" if done.note else ""
        return Content.assemble(
            ("✓ ", "$success bold"),
            title,
            (f"  {done.by}, {when(done.at)}{note}", "$text-muted"),
        )

    def on_mount(self) -> None:
        options = self.query_one("#steps", OptionList)
        pending = [n for n, (_, _, done) in enumerate(self.steps) if done is None]
        options.highlighted = pending[0] if pending else 0
        options.focus()

    def _highlighted(self) -> tuple[str, str, StepDone | None] | None:
        index = self.query_one("#steps", OptionList).highlighted
        return self.steps[index] if index is not None else None

    @on(OptionList.OptionSelected, "#steps")
    @on(Input.Submitted, "#note")
    def _chosen(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        chosen = self._highlighted()
        if chosen is None:
            self.show_invalid("Choose a step with the arrows, then press Enter.")
            return
        key, title, done = chosen
        if done is not None:
            self.show_invalid(
                f"'{title}' was confirmed by {done.by} on {when(done.at)}. "
                "ctrl+u takes it back if that was a mistake."
            )
            return
        note = self.query_one("#note", Input).value
        self.save_with(partial(self.confirm, key, note))

    def action_take_back(self) -> None:
        chosen = self._highlighted()
        if chosen is None:
            return
        key, title, done = chosen
        if done is None:
            self.show_invalid(f"'{title}' is not confirmed, so there is nothing to take back.")
            return
        self.save_with(partial(self.take_back, key))


class ActionForm(FormScreen):
    """A change that needs no input, only a confirmation (approve deletion, Data Purge Done):
    Enter or ctrl+s does it, Escape does not."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *FormScreen.BINDINGS,
        Binding("enter", "save", "Confirm", show=False),
    ]

    def __init__(
        self, title: str, explanation: str, *, save: Callable[[], Outcome], save_label: str
    ) -> None:
        super().__init__(title, explanation, save_label=save_label)
        self.save_action = save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def action_save(self) -> None:
        self.save_with(self.save_action)


class DecisionForm(FormScreen):
    """The account team's decision: hold the data (a reason and a review date) or approve its
    deletion."""

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        time_zone: str,
        save: Callable[[str, str, str], Outcome],
        current: str | None = None,
    ) -> None:
        super().__init__(title, explanation)
        self.time_zone = time_zone
        self.save_decision = save
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield OptionList(
                Option("Approve deletion: the data may be purged", id="approve"),
                Option("Hold: keep the data until a review date", id="hold"),
                id="decision",
            )
            yield Label("Reason for the hold", classes="field-label")
            yield Input(placeholder="e.g. Legal hold while the contract dispute runs", id="reason")
            yield Label("Review date", classes="field-label")
            yield Input(placeholder="2026-12-31 or +30d", id="review")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        options = self.query_one("#decision", OptionList)
        options.highlighted = 1 if self.current == "hold" else 0
        options.focus()

    @on(OptionList.OptionSelected, "#decision")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "hold":
            self.query_one("#reason", Input).focus()
        else:
            self.action_save()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        index = self.query_one("#decision", OptionList).highlighted
        decision = "hold" if index == 1 else "approve"
        reason = self.query_one("#reason", Input).value
        review = self.query_one("#review", Input).value
        if decision == "approve" and (reason.strip() or review.strip()):
            self.show_invalid(
                "A reason and a review date belong to a hold: choose Hold, or clear them."
            )
            return
        self.save_with(partial(self.save_decision, decision, reason, review))
