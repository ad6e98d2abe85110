"""What every form of offboard shares: a dialog that saves through the one data operation it was
given, in a worker, and closes with that operation's Outcome.

Any refusal (the input, a conflict with a colleague's change, a permission) is shown in the form,
which stays open with everything typed in it: nothing typed is lost. A conflict over the part
the form saves (``PartConflict``) also says that saving again puts this form's values over the
colleague's, and a second save does so (with the version read then). A failure that is not a
refusal (the database went away) goes up to the app as well; the form still stays open.
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
from data.cancellations.kernel import PartConflict
from data.errors import OffboardError
from screens.base import OffboardModal
from screens.plain import plain


@dataclass
class Expected:
    """The customer version a form saves with: the one the screen read, or the one a conflict
    over the form's part reported (saving again then puts the form's values over the change)."""

    version: int


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
        """The operation refused; nothing was saved (``version``: a conflict's version now)."""

        message: str
        version: int | None = None

    def __init__(self, title: str, explanation: str, *, save_label: str = "Save") -> None:
        super().__init__()
        self.title_text = title
        self.explanation = explanation
        self.save_label = save_label
        # The version the save callable reads, when it reads one (see ``Expected``).
        self.expected: Expected | None = None

    def compose_heading(self) -> ComposeResult:
        yield Label(plain(self.title_text), classes="dialog-title")
        if self.explanation:
            yield Static(plain(self.explanation), classes="dialog-body")

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
        except PartConflict as error:
            if self.expected is None:
                self.post_message(self.Invalid(str(error)))
            else:
                self.post_message(self.Invalid(error.changed, error.version))
            return
        except OffboardError as error:
            self.post_message(self.Invalid(str(error)))
            return
        self.post_message(self.Saved(outcome))

    def on_form_screen_saved(self, event: Saved) -> None:
        event.stop()
        self.dismiss(event.outcome)

    def on_form_screen_invalid(self, event: Invalid) -> None:
        event.stop()
        self.query_one("#save", Button).disabled = False
        message = event.message
        if event.version is not None and self.expected is not None:
            self.expected.version = event.version
            message += (
                f" Nothing was saved: press {self.save_label} (ctrl+s) again to save yours over "
                "it, or Esc to keep the change."
            )
        self.show_invalid(message)

    def show_invalid(self, message: str) -> None:
        """Show a refusal next to the field it is about."""
        self.query_one("#form-message", Static).update(plain(message))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.state is WorkerState.ERROR and event.worker.group == "save":
            # Not a refusal: the app says what failed; the form stays open with its input.
            self.query_one("#save", Button).disabled = False
            self.show_invalid("Nothing was saved (see the message); what you typed is still here.")

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        raise NotImplementedError
