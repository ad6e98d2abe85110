"""The offboard Textual app: opens the database in a worker, learns who is acting, shows the
customer list, moves between screens when they ask, and turns every data error into a
notification in plain words.

``create_app`` builds the app for the command line and the tests alike; ``run_app`` runs it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.filter import LineFilter
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from data.audit import acting_login
from data.database_errors import explain, is_database_error
from data.db import default_database_path, describe, open_database
from data.errors import OffboardError
from data.users import UserRow, list_users
from screens.base import DataWork, OffboardScreen, ScreenActions, Session
from screens.plain import ControlFilter, plain, shown
from tui.config import (
    USER_VARIABLE,
    Settings,
    load_settings,
    machine_login,
    read_theme,
    save_theme,
)

if TYPE_CHECKING:
    from data.mail_transport import SmtpSettings
    from screens.outbox import Courier, MailQueued

# How Help lists ctrl+p (once, whichever binding brings it).
PALETTE = "Command palette (every action here)"


class OffboardApp(App[None]):
    """Customer cancellations, by keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "offboard"
    # The palette: the screen's own actions first, then the app's commands (screens/base.py).
    COMMANDS: ClassVar = {ScreenActions}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "q", "quit", "Quit", tooltip="Leave offboard (nothing is lost: every change is saved)"
        ),
        Binding(
            "question_mark", "help", "Help", tooltip="Every key of this screen and what it does"
        ),
    ]

    @dataclass
    class Started(Message):
        """The database is open and the acting user is known (or known to be missing)."""

        user: UserRow | None

    def __init__(
        self,
        location: str,
        login: str,
        *,
        notice_days: int = 3,
        login_chosen: bool = True,
        smtp: SmtpSettings | None = None,
    ) -> None:
        super().__init__()
        self.session = Session(login=login, location=location, notice_days=notice_days)
        # With a mail server, the app sends the outbox itself (screens/outbox.py's Courier).
        self.smtp = smtp
        self.session.mail_server = smtp.address if smtp is not None else ""
        self.courier: Courier | None = None
        # Named by the person (not just their machine's login name): on PostgreSQL a login
        # that differs from the connection's role is then refused (data.audit.acting_login).
        self.login_chosen = login_chosen
        self.control_filter = ControlFilter()

    # ------------------------------------------------------------------ text is text
    # What the app draws of stored text is never markup and drives no terminal (screens/plain).

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text: a message names customers, reasons and notes, so
        it is never read as markup (``markup`` is ignored), and its control characters are
        written out."""
        super().notify(
            shown(message), title=shown(title), severity=severity, timeout=timeout, markup=False
        )

    def action_help_quit(self) -> None:
        # Textual's own hint is markup ("Press [b]q[/b]"); notifications here are plain.
        self.notify("Press q to quit offboard.", title="Do you want to quit?")

    def format_title(self, title: str, sub_title: str) -> Content:
        return super().format_title(shown(title), shown(sub_title))

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), self.control_filter]

    def compose(self) -> ComposeResult:
        yield Static(plain(f"Opening {describe(self.session.location)}…"), id="startup")

    def on_mount(self) -> None:
        self.sub_title = self.session.login
        # The theme chosen in an earlier run (ctrl+p, "Change theme"), remembered when changed.
        remembered = read_theme()
        if remembered in self.available_themes:
            self.theme = remembered
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._start()

    def _remember_theme(self, theme: Theme) -> None:
        problem = save_theme(theme.name)
        if problem:
            self.notify(problem, title="Theme not remembered", severity="warning")

    @work(thread=True, exclusive=True, exit_on_error=False, group="start")
    def _start(self) -> None:
        # Pooled: every screen's worker reads in a connection of its own, handed on warm.
        # Only the default location is created on a first run; a --db that names nothing is
        # refused rather than filled with an empty database.
        first_run = self.session.location == str(default_database_path())
        open_database(self.session.location, pooled=True, create=first_run)
        # Who acts: on PostgreSQL the connection's role, as for the command line. Set before
        # any screen reads the session (the first one is pushed once Started arrives).
        self.session.login = acting_login(self.session.login, chosen=self.login_chosen)
        user = next((u for u in list_users() if u.login == self.session.login), None)
        self.post_message(self.Started(user))

    def on_offboard_app_started(self, event: Started) -> None:
        self.session.learn(event.user)
        self.sub_title = self.session.display_name or self.session.login
        if not self.session.can_cancel:
            self.notify(self.session.refusal, title="Browsing only", severity="warning")
        from screens.customer_list import CustomerListScreen

        self.push_screen(CustomerListScreen(self.session))
        if self.smtp is not None:
            from screens.outbox import Courier

            self.courier = Courier(self, self.smtp)
            self.courier.start()

    def on_mail_queued(self, _event: MailQueued) -> None:
        # Something was queued: send it now, when the app sends mail (else it stays queued).
        if self.courier is not None:
            self.courier.send()

    # ------------------------------------------------------------------ errors

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The app's own worker (opening the database); screens route theirs as DataWork.Failed.
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.show_error(error)
            if event.worker.group == "start":
                self.query_one("#startup", Static).update(
                    plain(
                        f"offboard could not start: {self.describe_error(error)}\n\nPress q to quit."
                    )
                )

    def on_data_work_failed(self, event: DataWork.Failed) -> None:
        self.show_error(event.error)

    def show_error(self, error: BaseException) -> None:
        """One place where a refusal or a failure becomes words for the team lead."""
        if isinstance(error, OffboardError):
            self.notify(str(error), title=error.title, severity="error", timeout=8)
            return
        self.log.error(repr(error))
        if is_database_error(error):
            self.notify(
                f"{explain(error, self.session.location)} Nothing more was changed.",
                title="Database problem",
                severity="error",
                timeout=10,
            )
            return
        self.notify(
            f"{error.__class__.__name__}: {error}. Nothing more was changed; press r to refresh.",
            title="Something went wrong",
            severity="error",
            timeout=10,
        )

    def describe_error(self, error: BaseException) -> str:
        if isinstance(error, OffboardError) or not is_database_error(error):
            return str(error)
        return explain(error, self.session.location)

    # ------------------------------------------------------------------ navigation
    # Each screen's module is imported when it is first opened, so the app starts without them.

    def on_offboard_screen_open_customer(self, event: OffboardScreen.OpenCustomer) -> None:
        from screens.customer import CustomerScreen

        self.push_screen(CustomerScreen(self.session, event.account))

    def on_offboard_screen_open_tool(self, event: OffboardScreen.OpenTool) -> None:
        from screens.tool import ToolScreen

        # The account's tool is open already (g on its Timeline): back to it, not a second one
        # on top (which would take an Escape more per screen to leave).
        opened = [s for s in self.screen_stack if isinstance(s, ToolScreen)]
        already = next((s for s in opened if s.account == event.account), None)
        if already is not None:
            while self.screen is not already:
                self.pop_screen()
            return
        self.push_screen(ToolScreen(self.session, event.account))

    def on_offboard_screen_open_manage(self, event: OffboardScreen.OpenManage) -> None:
        from screens.manage import manage_screen

        self.push_screen(manage_screen(self.session, event.account, event.section))

    def on_offboard_screen_open_billing(self, event: OffboardScreen.OpenBilling) -> None:
        from screens.billing import BillingScreen

        self.push_screen(BillingScreen(self.session, event.account))

    def on_offboard_screen_open_outbox(self, event: OffboardScreen.OpenOutbox) -> None:
        from screens.outbox import OutboxScreen

        self.push_screen(OutboxScreen(self.session, event.account))

    def on_offboard_screen_open_email(self, event: OffboardScreen.OpenEmail) -> None:
        from screens.email import EmailScreen

        self.push_screen(EmailScreen(self.session, event.account, event.version, event.task))

    def on_offboard_screen_open_timeline(self, event: OffboardScreen.OpenTimeline) -> None:
        from screens.timeline import TimelineScreen

        self.push_screen(TimelineScreen(self.session, event.account, event.task))

    def on_offboard_screen_open_today(self, _event: OffboardScreen.OpenToday) -> None:
        from screens.today import TodayScreen

        if not isinstance(self.screen, TodayScreen):
            self.push_screen(TodayScreen(self.session))

    def on_offboard_screen_open_import(self, _event: OffboardScreen.OpenImport) -> None:
        from screens.crm_import import ImportScreen

        if not isinstance(self.screen, ImportScreen):
            self.push_screen(ImportScreen(self.session))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        # From any screen once the customers are shown (the session is known by then).
        if isinstance(screen, OffboardScreen):
            yield SystemCommand(
                "Import a CRM export",
                "Read a Salesforce data export into offboard: checked first, then imported",
                lambda: screen.post_message(OffboardScreen.OpenImport()),
            )

    def action_help(self) -> None:
        from screens.help import HelpScreen

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        keys: list[tuple[str, str, str]] = []
        seen: dict[str, int] = {}
        # What each action does, for Help's last column (the bindings' tooltips).
        tooltips: dict[str, str] = {}
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description:
                continue
            if binding.action in seen:
                # Another key for the same action (q and Textual's ctrl+q): listed together.
                index = seen[binding.action]
                key, description, state = keys[index]
                more = binding.key_display or self.get_key_display(binding)
                keys[index] = (f"{key} {more}", description, state)
                continue
            # A widget's own keys (scrolling, focus) are Textual's; list the ones offboard adds.
            if not binding.show and active.node not in (screen, self):
                continue
            description = binding.description
            if binding.action == "command_palette":
                description = PALETTE  # Textual's own ctrl+p: listed once, by what it opens
            seen[binding.action] = len(keys)
            tooltips[description] = active.tooltip or binding.tooltip
            reason = ""
            if not active.enabled and isinstance(screen, OffboardScreen):
                reason = screen.unavailable_reason(binding.action)
            state = "available" if active.enabled else f"unavailable: {reason}".strip(": ")
            keys.append((binding.key_display or self.get_key_display(binding), description, state))
        keys.sort(key=lambda entry: bool({"q", "?", "^p"} & set(entry[0].split())))
        if "command_palette" not in seen:
            keys.append(("ctrl+p", PALETTE, "available"))
        title = screen.sub_title or screen.title or "offboard"
        about = getattr(screen, "HELP_TEXT", "")
        self.push_screen(HelpScreen(shown(title), str(about), keys, tooltips))


def create_app(
    location: str | None = None, login: str | None = None, *, configured: bool = False
) -> OffboardApp:
    """The app for a database location (path or URL; default as ``--db`` resolves it) and a
    login (given, else ``OFFBOARD_USER``, else this machine's login name). ``configured``: the
    caller (the command line) has already put the organisation's files in use and checked them."""
    settings = load_settings(location, login)
    if not configured:
        use_organisation_files(settings)
    # The command line passes the login it resolved: one that is only the machine's login name
    # was not chosen by the person.
    chosen = bool(os.environ.get(USER_VARIABLE, "").strip()) or bool(
        login and login.strip().lower() != machine_login().strip().lower()
    )
    return OffboardApp(
        settings.location,
        settings.login,
        notice_days=settings.notice_days,
        login_chosen=chosen,
        smtp=settings.smtp,
    )


def use_organisation_files(settings: Settings) -> None:
    """Point the data layer at the organisation's e-mail templates and plan, or back at the
    shipped ones. A module not imported yet is left so: it starts on the shipped ones (the plan
    is read when first needed), and the customer list needs neither."""
    if settings.templates or "data.outbox" in sys.modules:
        from data import outbox

        outbox.use_templates(settings.templates or None)
    if settings.plan or "data.timeline.plan" in sys.modules:
        from data import timeline

        timeline.use_plan(settings.plan or None)
    # The organisation's playbook is checked at start (a bad one is refused with its line); the
    # shipped default is read when first needed.
    if settings.playbook or "data.playbook.load" in sys.modules:
        from data.playbook import use_playbook

        use_playbook(settings.playbook or None)


def run_app(location: str | None, login: str | None, *, configured: bool = False) -> None:
    """Run the app in the terminal until the team lead quits."""
    create_app(location, login, configured=configured).run()
