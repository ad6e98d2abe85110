"""What every form of offboard shares: a dialog that saves through the one data operation it was
given, in a worker, and closes with that operation's Outcome.

A refusal about the input (``InvalidInput``) is shown next to the field and the form stays open;
nothing is saved from an invalid form. Any other refusal goes up to the app and closes the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Label, Static
from textual.worker import Worker, WorkerState

from data.cancellations import Outcome
from data.errors import InvalidInput
from screens.base import OffboardModal


class FormScreen(OffboardModal[Outcome]):
    """A form that saves through one data operation and closes with its Outcome."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    @dataclass
    class Saved(Message):
        """The operation succeeded."""

        outcome: Outcome

    @dataclass
    class Invalid(Message):
        """The operation refused the input; nothing was saved."""

        message: str

    def __init__(self, title: str, explanation: str, *, save_label: str = "Save") -> None:
        super().__init__()
        self.title_text = title
        self.explanation = explanation
        self.save_label = save_label

    def compose_heading(self) -> ComposeResult:
        yield Label(self.title_text, classes="dialog-title", markup=False)
        if self.explanation:
            yield Static(self.explanation, classes="dialog-body", markup=False)

    def compose_buttons(self) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button(f"{self.save_label} (ctrl+s)", variant="primary", id="save")
            yield Button("Cancel (esc)", id="cancel")

    def save_with(self, call: Callable[[], Outcome]) -> None:
        self.query_one("#save", Button).disabled = True
        self._save(call)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def _save(self, call: Callable[[], Outcome]) -> None:
        try:
            outcome = call()
        except InvalidInput as error:
            self.post_message(self.Invalid(str(error)))
            return
        self.post_message(self.Saved(outcome))

    def on_form_screen_saved(self, event: Saved) -> None:
        event.stop()
        self.dismiss(event.outcome)

    def on_form_screen_invalid(self, event: Invalid) -> None:
        event.stop()
        self.query_one("#save", Button).disabled = False
        self.show_invalid(event.message)

    def show_invalid(self, message: str) -> None:
        """Show a refusal next to the field it is about."""
        self.query_one("#form-message", Static).update(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.state is WorkerState.ERROR and event.worker.group == "save":
            # Not about the input (a conflict, a permission): the app says why; close the form.
            self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        raise NotImplementedError
