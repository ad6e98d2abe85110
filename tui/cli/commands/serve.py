"""``offboard serve``: the app in a web browser, served with textual-serve. Each browser tab
runs the app in a process of its own (``python -m tui.cli``), on the same database and
configuration, acting as the user the command acts as; the page shows it through xterm.js over a
websocket.

Whoever has the URL it prints (it carries a per-run secret token) and can reach the port acts
as that user: the server listens on loopback unless told otherwise, and says so when it starts.
tui/cli/serve_guard.py refuses every request without the token, to another address, or from a
page of another origin."""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import socket
import sys

from data.db import ENVIRONMENT_VARIABLE
from data.users import list_users
from tui.cli.output import PROG, out
from tui.cli.serve_guard import TOKEN_PARAMETER, Gate, GuardedServer, new_token, write_token_file
from tui.config import USER_VARIABLE, Settings


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def bind_problem(host: str, port: int) -> str:
    """Why the server could not listen on ``host``:``port`` (empty when it can)."""
    try:
        found = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        why = error.strerror if isinstance(error, socket.gaierror) else "not a host name"
        return f"'{host[:60]}' is not an address of this machine ({why})"
    family, _, _, _, address = found[0]
    try:
        with socket.create_server(address[:2], family=family):
            return ""
    except OSError as error:
        return f"cannot listen on {url_of(host, port)}: {error.strerror or error}"


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    host, port = str(args.host).strip(), int(args.port)
    problem = bind_problem(host, port) if host else "--host is empty"
    if problem:
        print(
            f"{PROG}: {problem}. Give --host an address of this machine (default 127.0.0.1) "
            "and --port a free port (default 8000).",
            file=sys.stderr,
        )
        return 2
    token = new_token()
    token_file = getattr(args, "token_file", None)
    if token_file:
        problem = write_token_file(str(token_file), token)
        if problem:
            print(f"{PROG}: {problem}.", file=sys.stderr)
            return 2
    user = next((u for u in list_users() if u.login == settings.login), None)
    who = f"{user.display_name} ({settings.login})" if user is not None else settings.login
    origin = url_of(host, port)
    reach = "this machine" if is_loopback(host) else "the network"
    if token_file:
        # A script asked for the token in a file: it is not printed (stdout may go to a log).
        out(
            f"Serving offboard on {origin}/?{TOKEN_PARAMETER}=… with the token in "
            f"{token_file} — open it in a web browser; Ctrl+C stops."
        )
        holder = f"the token in {token_file}"
    else:
        out(
            f"Serving offboard on {origin}/?{TOKEN_PARAMETER}={token} — open it in a web "
            "browser; Ctrl+C stops."
        )
        holder = "this URL"
    out(
        f"Warning: anyone with {holder} who can reach {origin} (from {reach}) acts in "
        f"offboard as {who}, with that user's roles."
    )
    sys.stdout.flush()
    # The app's processes find the database and the user in their environment (a URL's
    # password never shows in a process list), and the configuration as this command did.
    # The token is in neither: it stays in this process.
    location = settings.location
    if "://" not in location:
        location = os.path.abspath(location)
    os.environ[ENVIRONMENT_VARIABLE] = location
    os.environ[USER_VARIABLE] = settings.login
    command = shlex.join([sys.executable, "-m", "tui.cli"])
    server = GuardedServer(
        command, host=host, port=port, title="offboard", gate=Gate(origin=origin, token=token)
    )
    server.serve()
    return 0
