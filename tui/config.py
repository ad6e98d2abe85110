"""offboard's configuration in one place: which database to open and who the user is.

Both come from the command line first, then the environment (``OFFBOARD_DATABASE``,
``OFFBOARD_USER``), then the defaults (the file in the user data directory, the login name).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass

from data.db import ENVIRONMENT_VARIABLE, default_database_path, describe

USER_VARIABLE = "OFFBOARD_USER"


@dataclass(frozen=True)
class Settings:
    """The database location (a path or a ``postgresql://`` URL) and the acting user's login."""

    location: str
    login: str

    @property
    def shown_location(self) -> str:
        """The location as it may be printed: a URL loses its password."""
        return describe(self.location)


def machine_login() -> str:
    """This machine's login name, or an empty string where there is none (some containers)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        # getpass raises when neither the environment nor the password database names the user.
        return ""


def resolve_login(login: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Who is acting: the login given, else ``OFFBOARD_USER``, else the machine's login name.

    Logins are lower case (the data layer only creates such), so ``Sam`` and ``sam`` are one user.
    """
    env = os.environ if environ is None else environ
    for candidate in (login, env.get(USER_VARIABLE)):
        if candidate and candidate.strip():
            return candidate.strip().lower()
    return machine_login().strip().lower()


def load_settings(
    location: str | None = None,
    login: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The settings for this run, from explicit values (``--db``, ``--user``) and the environment."""
    env = os.environ if environ is None else environ
    chosen = (location or "").strip() or env.get(ENVIRONMENT_VARIABLE, "").strip()
    return Settings(
        location=chosen or str(default_database_path()), login=resolve_login(login, env)
    )
