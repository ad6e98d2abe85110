"""The users and reasons commands: list, add and change users; list, add, retire and restore
cancellation reasons."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from data import users
from data.users import UserRow
from tui.cli.commands import acting_login
from tui.cli.commands.pick_lists import show_added, show_list, show_state
from tui.cli.output import PROG, emit_json, out
from tui.cli.shapes import user_json
from tui.config import Settings


def roles_given(values: Sequence[str] | None) -> list[str]:
    """``--role a --role b`` and ``--role a,b`` both name two roles."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def describe_user(user: UserRow) -> str:
    roles = ", ".join(user.roles) or "no roles"
    state = "active" if user.active else "inactive"
    return f"{user.login} ({user.display_name}): {roles}; {state}"


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    # No acting user is needed for the first user of an empty database (the data layer decides).
    user = users.add_user(
        settings.login or None, args.login, args.name, args.email or "", roles_given(args.role)
    )
    out(f"Added user {describe_user(user)}.")
    return 0


def user_line(login: str, name: str, roles: str, active: str, email: str) -> str:
    return f"{login:<14}  {name:<24}  {roles:<38}  {active:<8}  {email}".rstrip()


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = users.list_users()
    if args.json:
        emit_json([user_json(user) for user in rows])
        return 0
    if not rows:
        out(f"No users yet. Add the first (a CRM admin): {PROG} users add LOGIN --name 'Your Name'")
        return 0
    out(user_line("LOGIN", "NAME", "ROLES", "ACTIVE", "EMAIL"))
    for user in rows:
        out(
            user_line(
                user.login,
                user.display_name,
                ",".join(user.roles) or "-",
                "yes" if user.active else "no",
                user.email,
            )
        )
    return 0


def cmd_users_set(args: argparse.Namespace, settings: Settings) -> int:
    roles = [] if args.no_roles else (roles_given(args.role) if args.role is not None else None)
    user = users.update_user(
        acting_login(settings), args.login, roles=roles, active=args.active, email=args.email
    )
    out(f"Updated user {describe_user(user)}.")
    return 0


def cmd_reasons_list(args: argparse.Namespace, settings: Settings) -> int:
    return show_list(args, users.list_reasons(include_retired=args.all), "reason")


def cmd_reasons_add(args: argparse.Namespace, settings: Settings) -> int:
    return show_added(users.add_reason(acting_login(settings), args.name), "reason")


def cmd_reasons_retire(args: argparse.Namespace, settings: Settings) -> int:
    return show_state(users.retire_reason(acting_login(settings), args.id), "reason")


def cmd_reasons_restore(args: argparse.Namespace, settings: Settings) -> int:
    reason = users.retire_reason(acting_login(settings), args.id, active=True)
    return show_state(reason, "reason")
