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
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text[:20]}' is not a port: give 1 to 65535")
    return int(value)


def add_serve_command(commands: Any, command: Command) -> None:
    """``offboard serve [--host HOST] [--port PORT] [--token-file FILE]``."""
    sub = command(
        commands,
        "serve",
        "serve:cmd_serve",
        "serve the app to a web browser (anyone with the URL it prints acts as you)",
    )
    sub.description = (
        "Serve the app to a web browser. The URL printed carries a secret token made anew for "
        "each run: anyone who has it and can reach the port acts in offboard as you. Without "
        "the token, at another address than the one served (the Host header), or from a page "
        "of another origin, every request is refused (HTTP 403)."
    )
    sub.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=(
            f"the address to listen on (default {DEFAULT_HOST}: this machine only); browsers "
            "must open it by this very address (not another name of the machine)"
        ),
    )
    sub.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"the port to listen on (default {DEFAULT_PORT})",
    )
    sub.add_argument(
        "--token-file",
        metavar="FILE",
        help=(
            "for scripts: write this run's token to FILE (a new file of mode 0600, put in place "
            "in one step; an existing regular file is replaced, anything else refused) instead "
            "of printing it; give it as ?token= in the URL"
        ),
    )
