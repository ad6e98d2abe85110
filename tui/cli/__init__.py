"""The ``offboard`` command: alone it opens the app; its subcommands do the same work without a
screen, for scripts and support (list, show, begin, remove, process, users, reasons, outbox, demo,
db, audit).

This module runs one command: it reads the command line (tui.cli.parser), the configuration and
the plan, opens the database and hands over to the command's handler (tui.cli.commands, whose
module is imported only then), turning refusals into exit codes.

Exit codes: 0 done, 1 refused (the reason is on stderr), 2 the command line itself is wrong.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sqlite3
import sys
from collections.abc import Sequence

from peewee import PeeweeException

from data import audit, outbox, timeline
from data.database_errors import explain
from data.dates import counts_back
from data.db import database, open_database
from data.errors import OffboardError
from data.playbook import use_playbook
from data.playbook.load import PlaybookError
from tui.cli.commands import handler_named
from tui.cli.output import PROG, fail, one_line
from tui.cli.parser import build_parser
from tui.config import USER_VARIABLE, ConfigError, Settings, load_settings

__all__ = ["main"]


def parse(argv: Sequence[str] | None) -> argparse.Namespace | int:
    """The parsed command line, or the exit code argparse chose (2 for a usage error)."""
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    # A date counted back (-7d) is a value, not an option: a leading space tells argparse so,
    # and the date is read with its spaces trimmed.
    words = [f" {word}" if counts_back(word) else word for word in words]
    try:
        args = parser.parse_args(words)
        check = getattr(args, "check", None)
        if check is not None:
            check(args)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    return args


def open_app(settings: Settings) -> int:
    # Imported here: the subcommands must not pay for (or depend on) loading Textual.
    try:
        from tui.app import run_app
    except ModuleNotFoundError as error:
        if error.name != "textual":
            raise
        return fail(
            f"The app cannot start: {error}. The subcommands still work; see {PROG} --help."
        )
    # main() has put the templates, plan and playbook in use (and refused a bad one).
    run_app(location=settings.location, login=settings.login, configured=True)
    return 0


def open_chosen_database(settings: Settings, *, create: bool = False) -> int:
    """Open and migrate the database; 0, or 1 with the reason on stderr. Only ``create``
    (demo) makes a new database; any other command refuses a location without one."""
    try:
        open_database(settings.location, create=create)
    except OffboardError as error:
        return fail(one_line(str(error)))
    except (PeeweeException, ValueError, OSError, sqlite3.Error) as error:
        return fail(explain(error, settings.location))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parsed = parse(argv)
    if isinstance(parsed, int):
        return parsed
    args = parsed
    try:
        settings = load_settings(args.db, args.user)
    except ConfigError as error:
        fail(f"{error.title}: {error}")
        return 2
    try:
        # The organisation's own e-mail templates and termination plan, named in the
        # configuration; a plan that cannot be used stops here, naming its line.
        outbox.use_templates(settings.templates or None)
        try:
            timeline.use_plan(settings.plan or None)
        except timeline.PlanError as error:
            problem = f"Configuration error: the termination plan cannot be used: {error}"
            # Checking a corrected plan file must work while the configured one is broken.
            if not (args.command == "plan" and args.file):
                fail(problem)
                return 2
            fail(problem)
        # The organisation's playbook ([playbook] file), checked whole at start like the plan;
        # `playbook check FILE` still runs while the configured one is broken.
        try:
            use_playbook(settings.playbook or None)
        except PlaybookError as error:
            fail(f"Configuration error: the playbook cannot be used: {error}")
            if not (args.command == "playbook" and getattr(args, "file", None)):
                return 2
        if args.command is None:
            return open_app(settings)
        # "existing": an offboard database must be there; "create": demo may make one;
        # "handler": the command opens one itself (db init) or reads none (plan).
        opens = getattr(args, "opens", "existing")
        creates = opens == "create"
        opened = 0 if opens == "handler" else open_chosen_database(settings, create=creates)
        if opened:
            return opened
        if opens != "handler":
            # On PostgreSQL the connection's role is who acts (data.audit.acting_login).
            chosen = bool(args.user or os.environ.get(USER_VARIABLE, "").strip())
            login = audit.acting_login(settings.login, chosen=chosen)
            settings = dataclasses.replace(settings, login=login)
        return handler_named(args.handler)(args, settings)
    except OffboardError as error:
        return fail(f"{error.title}: {error}")
    except (PeeweeException, sqlite3.Error) as error:
        return fail(explain(error, settings.location))
    except BrokenPipeError:
        # The reader (`| head`) stopped early: not an error. Point stdout at devnull so Python's
        # own flush at exit does not complain a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    finally:
        if database.obj is not None and not database.is_closed():
            database.close()
