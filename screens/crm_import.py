"""The Import screen: a Salesforce data export read into offboard. The team lead names the export's
folder (and, if the organisation has one, a mapping file), checks it with a dry run that shows
what would change and every error with its file and line, then imports it in a worker, with a
progress bar, and sees what was done.

Reads and writes only through data.crm; every worker error goes up the app's one path
(screens.base.DataWork) and a refused import's errors are listed here as well."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.validation import ValidationResult, Validator
from textual.widgets import (
    Button,
    DataTable,
    Header,
    Input,
    Label,
    OptionList,
    ProgressBar,
    Static,
)
from textual.worker import Worker, WorkerState

from data.crm.importing import import_salesforce
from data.crm.mapping import load_mapping
from data.crm.summary import ImportSummary, ObjectSummary
from data.errors import OffboardError
from screens.base import OffboardScreen, Session
from screens.footer import KeyFooter
from screens.plain import plain_text, shown

ACCOUNTS_FILE = "Account.csv"
FOLDER_HINT = f"The folder the export was unpacked to: it holds {ACCOUNTS_FILE}."
MAPPING_HINT = "Optional: a TOML file that changes the default mapping."
# The progress bar is redrawn at most this often (seconds), so the import is not slowed by it.
REDRAW = 0.1
COLUMNS = (
    ("Object", "object"),
    ("Read", "read"),
    ("Added", "added"),
    ("Updated", "updated"),
    ("Unchanged", "unchanged"),
    ("Skipped", "skipped_deleted"),
    ("Resolved here", "resolved_here"),
    ("Gone", "gone_from_crm"),
)


def chosen_path(text: str) -> Path:
    return Path(os.path.expanduser(text.strip()))


def folder_problem(text: str) -> str:
    """Why ``text`` is not an export's folder, in one line; empty when it is one."""
    if not text.strip():
        return "Type the folder the export was unpacked to."
    path = chosen_path(text)
    if not path.exists():
        return f"There is no folder {path}."
    if not path.is_dir():
        return f"{path} is a file: give the folder the export was unpacked to."
    if not (path / ACCOUNTS_FILE).is_file():
        return f"{path} has no {ACCOUNTS_FILE}: is it the folder the export was unpacked to?"
    return ""


def mapping_problem(text: str) -> str:
    """Why ``text`` does not name a mapping file, in one line; empty when it does or is empty."""
    if not text.strip():
        return ""
    path = chosen_path(text)
    if not path.exists():
        return f"There is no file {path}."
    if not path.is_file():
        return f"{path} is a folder: give the mapping file (.toml)."
    return ""


class PathCheck(Validator):
    """An Input's path, checked as it is typed: a one-line problem, or none."""

    def __init__(self, problem: Callable[[str], str]) -> None:
        super().__init__()
        self.problem = problem

    def validate(self, value: str) -> ValidationResult:
        problem = self.problem(value)
        return self.failure(problem) if problem else self.success()


@dataclass(frozen=True)
class Choice:
    """What a run reads: the export's folder and the mapping file (None: the default)."""

    folder: Path
    mapping: str | None


def number(value: int) -> Text:
    return Text(f"{value:,}", justify="right")


def totals(summary: ImportSummary) -> ObjectSummary:
    """Every object's counts added up, as the summary's last row."""
    objects = summary.objects
    return ObjectSummary(
        object="Total",
        read=sum(item.read for item in objects),
        added=sum(item.added for item in objects),
        updated=sum(item.updated for item in objects),
        unchanged=sum(item.unchanged for item in objects),
        skipped_deleted=sum(item.skipped_deleted for item in objects),
        resolved_here=sum(item.resolved_here for item in objects),
        gone_from_crm=sum(item.gone_from_crm for item in objects),
    )


def outcome_line(summary: ImportSummary) -> str:
    """What the run did (or, dry, would do), in one line."""
    changed = summary.changed
    rows = "1 row" if changed == 1 else f"{changed:,} rows"
    if summary.dry_run:
        if not changed:
            return "Dry run: nothing was written. Nothing would change."
        return f"Dry run: nothing was written. {rows} would change; ctrl+s imports them."
    return f"Imported: {rows} changed. Escape goes back to the customers."


def located(error: str) -> Text:
    """An error with its place (``Case.csv:17``) in bold, so each stands out in the list."""
    place, found, what = shown(error).partition(": ")
    if not found or " " in place:
        return Text(shown(error))
    return Text.assemble((place, "bold"), f": {what}")


class ImportScreen(OffboardScreen):
    """A Salesforce export, checked, then imported."""

    CSS_PATH = "crm_import.tcss"
    AUTO_FOCUS = "#import-folder"
    HELP_TEXT = (
        "Import a Salesforce data export (Setup → Data Export, or Data Loader): the folder of "
        "object CSVs, Account.csv and any of User, Asset, Case, Opportunity, Quote and Order. "
        "Type the folder (and a mapping file if your organisation has one), then check it with "
        "a dry run (Enter or d): it shows what would be added, updated and left as it is, and "
        "every error with its file and line; nothing is written. ctrl+s then imports it, all "
        "or nothing. Importing a newer export again updates what changed; what you resolved "
        "here stays resolved. The same from the command line: offboard import salesforce DIR."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset({"check", "import_export"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "check", "Check (dry run)"),
        Binding("ctrl+s", "import_export", "Import"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        # What is running ("check" or "import"), and the choice the last clean dry run read:
        # Import is offered only for what was checked.
        self.running: str | None = None
        self.checked: Choice | None = None
        self.progress_name = ""
        self.progress_drawn = 0.0
        self.progress_started = 0.0
        self.rows_before = 0
        self.rows_current = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="import-body"):
            with Horizontal(classes="import-field"):
                yield Label("Export folder", classes="import-label")
                yield Input(
                    placeholder="the export's folder, such as ~/Downloads/export",
                    id="import-folder",
                    validators=[PathCheck(folder_problem)],
                    validate_on=["changed", "submitted"],
                )
            yield Static(FOLDER_HINT, id="import-folder-message", classes="field-message")
            with Horizontal(classes="import-field"):
                yield Label("Mapping file", classes="import-label")
                yield Input(
                    placeholder="none: the default mapping",
                    id="import-mapping",
                    validators=[PathCheck(mapping_problem)],
                    validate_on=["changed", "submitted"],
                )
            yield Static(MAPPING_HINT, id="import-mapping-message", classes="field-message")
            with Horizontal(id="import-buttons"):
                yield Button("Check (dry run)", id="import-check", variant="primary")
                yield Button("Import (ctrl+s)", id="import-run", disabled=True)
                yield ProgressBar(id="import-progress", show_eta=False)
            # While a run goes: its progress; then what it did, or why it was refused.
            yield Static("", id="import-outcome")
            yield DataTable(id="import-summary", cursor_type="row", zebra_stripes=True)
            yield OptionList(id="import-errors")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Import a CRM export"
        self.sub_title = "Salesforce"
        table = self.query_one("#import-summary", DataTable)
        for label, key in COLUMNS:
            table.add_column(label if key == "object" else Text(label, justify="right"), key=key)
        table.display = False
        self.query_one("#import-errors", OptionList).display = False
        self.query_one("#import-progress", ProgressBar).display = False

    # ------------------------------------------------------------------ the inputs

    @on(Input.Changed)
    def _path_changed(self, event: Input.Changed) -> None:
        hint = FOLDER_HINT if event.input.id == "import-folder" else MAPPING_HINT
        message = self.query_one(f"#{event.input.id}-message", Static)
        result = event.validation_result
        problem = result.failure_descriptions[0] if result and not result.is_valid else ""
        # An empty folder is not yet a mistake: the hint says what to type.
        shown = problem if problem and event.value.strip() else hint
        message.update(Text(shown))
        message.set_class(bool(problem and event.value.strip()), "-invalid")
        self._update_buttons()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_check()

    def choice(self) -> Choice | None:
        """What the inputs name, when both can be read; None otherwise."""
        folder = self.query_one("#import-folder", Input).value
        mapping = self.query_one("#import-mapping", Input).value
        if folder_problem(folder) or mapping_problem(mapping):
            return None
        return Choice(chosen_path(folder), str(chosen_path(mapping)) if mapping.strip() else None)

    def _update_buttons(self) -> None:
        self.query_one("#import-check", Button).disabled = bool(self.unavailable_reason("check"))
        self.query_one("#import-run", Button).disabled = bool(
            self.unavailable_reason("import_export")
        )
        self.refresh_bindings()

    def unavailable_reason(self, action: str) -> str:
        if not self.is_mounted:
            return ""
        if self.running == "import":
            return "The import is running: wait for it to finish."
        if self.running == "check":
            return "The dry run is running: wait for it to finish."
        folder = self.query_one("#import-folder", Input).value
        problem = folder_problem(folder) or mapping_problem(
            self.query_one("#import-mapping", Input).value
        )
        if problem:
            return problem
        if action == "import_export" and (self.checked is None or self.checked != self.choice()):
            return "Check the export first (d): the dry run shows what would change."
        return ""

    # ------------------------------------------------------------------ running

    @on(Button.Pressed, "#import-check")
    def _check_pressed(self) -> None:
        self.action_check()

    @on(Button.Pressed, "#import-run")
    def _import_pressed(self) -> None:
        self.action_import_export()

    def action_check(self) -> None:
        reason = self.unavailable_reason("check")
        choice = self.choice()
        if reason or choice is None:
            self.notify(reason or "Name the export's folder.", title="Not yet")
            return
        self._start("check", choice)

    def action_import_export(self) -> None:
        reason = self.unavailable_reason("import_export")
        choice = self.choice()
        if reason or choice is None:
            self.notify(reason or "Name the export's folder.", title="Not yet")
            return
        self._start("import", choice)

    def action_back(self) -> None:
        if self.running == "import":
            self.notify(
                "The import is running: wait for it to finish (it is all or nothing).",
                title="Not yet",
            )
            return
        self.dismiss()

    def _start(self, kind: str, choice: Choice) -> None:
        self.running = kind
        self.checked = None if kind == "check" else self.checked
        self.progress_name = ""
        self.progress_started = time.monotonic()
        self.rows_before = self.rows_current = 0
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        verb = "Checking" if kind == "check" else "Importing"
        outcome = self.query_one("#import-outcome", Static)
        outcome.update(plain_text(f"{verb} {choice.folder}…"))
        outcome.add_class("-running")
        self._update_buttons()
        self._run(choice, kind == "check")

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def _run(self, choice: Choice, dry_run: bool) -> tuple[Choice, ImportSummary]:
        mapping = load_mapping(choice.mapping) if choice.mapping else None
        summary = import_salesforce(
            choice.folder,
            self.session.login,
            mapping=mapping,
            dry_run=dry_run,
            progress=self._progress_in_thread,
        )
        return choice, summary

    def _progress_in_thread(self, name: str, done: int, total: int | None) -> None:
        """The import's progress callback, in the worker's thread: hands the figures to the
        screen, at most every REDRAW seconds (and always at a file's end)."""
        now = time.monotonic()
        finished = total is not None and done >= total
        if name == self.progress_name and now - self.progress_drawn < REDRAW and not finished:
            return
        self.progress_drawn = now
        self.app.call_from_thread(self._show_progress, name, done, total)

    def _show_progress(self, name: str, done: int, total: int | None) -> None:
        if not self.is_attached:
            return  # the screen was left; the worker runs on to its end
        if name != self.progress_name:
            self.rows_before += self.rows_current
            self.progress_name = name
        self.rows_current = done
        elapsed = max(time.monotonic() - self.progress_started, 1e-6)
        rate = (self.rows_before + done) / elapsed
        self.query_one("#import-progress", ProgressBar).update(total=total, progress=done)
        rows = f"{done:,} of {total:,} rows" if total else f"{done:,} rows"
        verb = "Checking" if self.running == "check" else "Importing"
        self.query_one("#import-outcome", Static).update(
            plain_text(f"{verb} {name}: {rows} · {rate:,.0f} rows/s")
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # DataWork's handler (screens.base) runs too: it sends every error up to the app.
        if event.worker.group != "import" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        kind = self.running
        self.running = None
        self.query_one("#import-outcome", Static).remove_class("-running")
        bar = self.query_one("#import-progress", ProgressBar)
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, tuple):
            choice, summary = event.worker.result
            self.checked = choice if kind == "check" and not summary.errors else None
            if bar.total is None:
                bar.update(total=1, progress=1)
            self.show_summary(summary)
        else:
            bar.display = False
            self.show_refusal(event.worker.error)
        self._update_buttons()

    # ------------------------------------------------------------------ showing

    def show_summary(self, summary: ImportSummary) -> None:
        table = self.query_one("#import-summary", DataTable)
        table.clear()
        for item in [*summary.objects, totals(summary)]:
            table.add_row(
                Text(item.object, style="bold" if item.object == "Total" else ""),
                number(item.read),
                number(item.added),
                number(item.updated),
                number(item.unchanged),
                number(item.skipped_deleted),
                number(item.resolved_here),
                number(item.gone_from_crm),
                key=item.object,
            )
        table.display = True
        self.query_one("#import-outcome", Static).update(Text(outcome_line(summary)))
        self.show_errors(summary.errors)

    def show_refusal(self, error: BaseException | None) -> None:
        """A refused run: its errors listed (the app has shown the notification)."""
        self.query_one("#import-summary", DataTable).display = False
        errors: list[str] = list(getattr(error, "errors", None) or [])
        if not errors and isinstance(error, OffboardError):
            errors = [str(error)]
        count = "1 error" if len(errors) == 1 else f"{len(errors):,} errors"
        self.query_one("#import-outcome", Static).update(
            Text(
                f"Refused: {count}; nothing was written. Correct the export and check again."
                if errors
                else "The run failed; nothing was written."
            )
        )
        self.show_errors(errors)

    def show_errors(self, errors: list[str]) -> None:
        listing = self.query_one("#import-errors", OptionList)
        listing.clear_options()
        listing.add_options([located(error) for error in errors])
        listing.display = bool(errors)
