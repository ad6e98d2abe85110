"""The command line's grammar for ``offboard serve``: the app in a web browser (textual-serve).
tui.cli.parser builds the rest and calls ``add_serve_command``; the handler is
tui/cli/commands/serve.py, imported only when the command runs."""

from __future__ import annotations

import argparse
from typing import Any

from tui.cli.case_grammar import Command

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535 (a usage error otherwise)."""
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text[:20]}' is not a port: give 1 to 65535")
    return int(value)


def add_serve_command(commands: Any, command: Command) -> None:
    """``offboard serve [--host HOST] [--port PORT]``."""
    sub = command(
        commands,
        "serve",
        "serve:cmd_serve",
        "serve the app to a web browser (anyone who can reach the port acts as you)",
    )
    sub.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"the address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    sub.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"the port to listen on (default {DEFAULT_PORT})",
    )
