"""What every offboard screen shares: who is acting (the Session), the messages a screen sends up
to the app (open a customer, a tool, a Manage table; a data error), and the command palette
entries made from a screen's own bindings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import on
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.events import Key, Resize
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, ListView, OptionList
from textual.worker import Worker, WorkerState, get_current_worker

from data.audit import CANCELLATION_ROLES

if TYPE_CHECKING:
    from data.users import UserRow

ResultType = TypeVar("ResultType")

# A terminal with fewer rows than this is short (80x24): a screen has the ``-short`` class and
# drops its extra lines and margins there (app.tcss), so its essential content fits.
TALL = 30


@dataclass
class Session:
    """Who is using the app and whether they may change cancellations.

    The app fills it in from a worker once the database is open; screens read it to enable or
    disable their actions (the data layer checks the role again on every operation)."""

    login: str
    location: str = ""
    display_name: str = ""
    can_cancel: bool = False
    loaded: bool = False
    refusal: str = "Checking your roles…"
    notice_days: int = 3
    # Where the running app sends the outbox ("host:port"); empty: no SMTP configured, mail
    # stays queued (the Outbox exports it as .eml files).
    mail_server: str = ""

    def learn(self, user: UserRow | None) -> None:
        """Take what the database says about the acting user."""
        self.loaded = True
        if user is None:
            self.display_name = self.login
            self.can_cancel = False
            self.refusal = (
                f"There is no offboard user '{self.login}', so you can only browse. "
                "Ask a CRM admin to add you with the customer-cancellation role."
            )
            return
        self.display_name = user.display_name
        self.can_cancel = user.active and bool(set(user.roles) & set(CANCELLATION_ROLES))
        if not user.active:
            self.refusal = f"{user.display_name} is deactivated, so you can only browse."
        elif not self.can_cancel:
            self.refusal = (
                f"{user.display_name} has neither the customer-cancellation nor the crm-admin "
                "role, so you can only browse."
            )
            # Retention (issue 15): save attempts and approvals are theirs all the same.
            yours = []
            if "retention" in user.roles:
                yours.append("save attempts (s on a customer)")
            if set(user.roles) & {"approver", "finance", "accounting"}:
                yours.append("Approvals (a on the start screen)")
            if yours:
                self.refusal = (
                    f"{user.display_name} has neither the customer-cancellation nor the "
                    f"crm-admin role: cancellations are read-only to you; {' and '.join(yours)} "
                    "are open."
                )
        else:
            self.refusal = ""


def generic_actions() -> frozenset[str]:
    """The actions every screen has (Textual's focus and copy keys, Back, Cancel, j and k):
    the palette lists them after the screen's own."""
    bindings = [*Screen.BINDINGS, *OffboardScreen.BINDINGS, *OffboardModal.BINDINGS]
    return frozenset(b.action for b in bindings if isinstance(b, Binding))


class ScreenActions(Provider):
    """The command palette entries: the current screen's own actions first (its bindings, by
    description, each once), then the ones every screen has, then the app's commands (theme,
    quit, import…). The app uses this provider in place of Textual's system commands, so the
    screen's actions lead the list.

    An action that is unavailable still shows, with its reason, so the palette explains."""

    def _entries(self) -> list[tuple[str, str, bool]]:
        screen = self.screen
        entries: dict[str, tuple[str, str, bool]] = {}
        self._tooltips: dict[str, str] = {}
        for active in screen.active_bindings.values():
            binding = active.binding
            if active.node is not screen or not binding.description:
                continue
            entries.setdefault(
                binding.action, (binding.description, binding.action, active.enabled)
            )
            self._tooltips.setdefault(binding.action, binding.tooltip)
        generic = generic_actions()
        own = [entry for action, entry in entries.items() if action not in generic]
        return own + [entry for action, entry in entries.items() if action in generic]

    def _system(self) -> list[tuple[str, str, Callable[[], object]]]:
        """The app's commands (Textual's and offboard's), by title, each once: none named as
        one of the screen's actions."""
        titles = {title for title, _, _ in self._entries()}
        commands = sorted(self.app.get_system_commands(self.screen), key=lambda c: c.title)
        return [(c.title, c.help, c.callback) for c in commands if c.title not in titles]

    def _run(self, action: str, enabled: bool) -> None:
        screen = self.screen
        if enabled:
            self.app.call_later(screen.run_action, action)
            return
        reason = getattr(screen, "unavailable_reason", lambda _action: "")(action)
        self.app.notify(reason or "That action is not available here.", title="Unavailable")

    def _help(self, action: str, enabled: bool) -> str:
        if enabled:
            # What the action does: its binding's tooltip (every action should have one); the
            # description is not said twice ("Save rate / Save rate").
            tooltips: dict[str, str] = getattr(self, "_tooltips", {})
            return tooltips.get(action) or ""
        reason = getattr(self.screen, "unavailable_reason", lambda _action: "")(action)
        return f"Unavailable: {reason}" if reason else "Unavailable here"

    async def discover(self) -> Hits:
        for title, action, enabled in self._entries():
            yield DiscoveryHit(
                title,
                partial(self._run, action, enabled),
                help=self._help(action, enabled) or None,
            )
        for title, help_text, callback in self._system():
            yield DiscoveryHit(title, callback, help=help_text or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, enabled in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self._run, action, enabled),
                    help=self._help(action, enabled) or None,
                )
        for title, help_text, callback in self._system():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text or None)


class DataWork(MessagePump):
    """Routes the errors of a screen's thread workers up to the app as one message."""

    @dataclass
    class Failed(Message):
        """A worker of this screen raised: the app shows it as a notification."""

        error: BaseException

    def post_read(self, message: Message) -> None:
        """Post what a read worker found, unless a newer read of the same group has replaced it
        (``exclusive`` cancels the older worker, but its thread runs on): a read that began
        before a change committed must not land after the read that followed the change."""
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.post_message(DataWork.Failed(event.worker.error))


class OffboardScreen(DataWork, Screen[None]):
    """A full screen of offboard: moves with arrows or j/k, goes back with Escape."""

    COMMANDS: ClassVar = {ScreenActions}
    HELP_TEXT: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the screen before"),
        Binding("j", "move(1)", "Down", show=False, tooltip="Move down (as ↓)"),
        Binding("k", "move(-1)", "Up", show=False, tooltip="Move up (as ↑)"),
    ]

    @dataclass
    class OpenCustomer(Message):
        """Show the customer view of an account."""

        account: str

    @dataclass
    class OpenTool(Message):
        """Show the Cancellation Tool of an account."""

        account: str

    @dataclass
    class OpenManage(Message):
        """Show the Manage table of one section of an account's cancellation."""

        account: str
        section: str

    @dataclass
    class OpenBilling(Message):
        """Show the billing of an account: invoices and Billing's notes."""

        account: str

    @dataclass
    class OpenOutbox(Message):
        """Show the e-mails queued and sent for an account."""

        account: str

    @dataclass
    class OpenEmail(Message):
        """Write the offboarding notice to an account's admin, or the e-mail a timeline task
        sends (``task``)."""

        account: str
        version: int
        task: str | None = None

    @dataclass
    class OpenTimeline(Message):
        """Show the Timeline of an account's cancellation, on one task if ``task`` is given."""

        account: str
        task: str | None = None

    @dataclass
    class OpenToday(Message):
        """Show the tasks due today or overdue across every pending cancellation."""

    @dataclass
    class OpenImport(Message):
        """Show the Import screen: a CRM export read into offboard."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    # Actions shown greyed out (and refused) while ``unavailable_reason`` gives a reason.
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    def unavailable_reason(self, action: str) -> str:
        """Why an action of this screen is unavailable now (empty when it is available)."""
        return ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.GUARDED_ACTIONS:
            return None if self.unavailable_reason(action) else True
        return True

    def on_key(self, event: Key) -> None:
        # A key whose action is unavailable says why, rather than doing nothing (the bindings
        # are checked after the screen has seen the key, and skip a disabled action).
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            action = binding.action
            if action not in self.GUARDED_ACTIONS or self.check_action(action, ()) is True:
                continue
            reason = self.unavailable_reason(action)
            if reason:
                event.stop()
                event.prevent_default()
                self.notify(reason, title="Unavailable", severity="warning")
                return

    @on(Resize)
    def _short_or_tall(self) -> None:
        self.set_class(self.app.size.height < TALL, "-short")

    def action_back(self) -> None:
        self.dismiss()

    def action_move(self, step: int) -> None:
        focused = self.focused
        if isinstance(focused, DataTable | ListView | OptionList):
            if step > 0:
                focused.action_cursor_down()
            else:
                focused.action_cursor_up()


class OffboardModal(DataWork, ModalScreen[ResultType | None]):
    """A dialog over a screen: Escape closes it without doing anything."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)
