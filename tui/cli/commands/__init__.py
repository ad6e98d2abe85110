"""The commands' handlers, one module per kind of work, and what every handler shares: its
signature, how the parser names it (and how that name is loaded), who is acting, and how many
records are read at a time."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from data.errors import InvalidInput
from tui.cli.output import PROG
from tui.config import USER_VARIABLE, Settings

Handler = Callable[[argparse.Namespace, Settings], int]

# Customers are read this many at a time, so `list` starts printing at once and never holds
# the whole table in memory.
PAGE = 200


def acting_login(settings: Settings) -> str:
    """The acting user's login; refuses (rather than guessing) when none can be found."""
    if not settings.login:
        raise InvalidInput(
            f"{PROG} cannot tell who you are. Pass --user LOGIN or set {USER_VARIABLE}."
        )
    return settings.login


def handler_named(reference: str) -> Handler:
    """The handler the parser names as "module:function", a module of this package, imported
    only now: a command loads its own module and its data, and the app (no command) loads none."""
    module_name, _, name = reference.partition(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    handler: Handler = getattr(module, name)
    return handler
