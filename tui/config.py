"""offboard's configuration in one place: the database, the user, e-mail delivery and templates.

The database and user come from the command line first, then the environment
(``OFFBOARD_DATABASE``, ``OFFBOARD_USER``), then the defaults. E-mail settings come from the
environment, then the configuration file (TOML, at ``OFFBOARD_CONFIG`` or ``config.toml`` in the
user config folder); the SMTP password only ever from ``OFFBOARD_SMTP_PASSWORD``.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from data.db import ENVIRONMENT_VARIABLE, default_database_path, describe
from data.errors import InvalidInput

if TYPE_CHECKING:
    from data.mail_transport import SmtpSettings

USER_VARIABLE = "OFFBOARD_USER"
CONFIG_VARIABLE = "OFFBOARD_CONFIG"
PASSWORD_VARIABLE = "OFFBOARD_SMTP_PASSWORD"
DEFAULT_NOTICE_DAYS = 3
NOTICE_DAYS_RANGE = (0, 60)

# Each setting: its section and key in the file, and the environment variable that overrides it.
SMTP_KEYS = {
    "host": "OFFBOARD_SMTP_HOST",
    "port": "OFFBOARD_SMTP_PORT",
    "security": "OFFBOARD_SMTP_SECURITY",
    "user": "OFFBOARD_SMTP_USER",
    "from": "OFFBOARD_SMTP_FROM",
    "timeout": "OFFBOARD_SMTP_TIMEOUT",
}
EMAIL_KEYS = {"templates": "OFFBOARD_TEMPLATES", "notice_days": "OFFBOARD_NOTICE_DAYS"}
TIMELINE_KEYS = {"plan": "OFFBOARD_PLAN"}
PLAYBOOK_KEYS = {"file": "OFFBOARD_PLAYBOOK"}
SECTIONS = {
    "smtp": SMTP_KEYS,
    "email": EMAIL_KEYS,
    "timeline": TIMELINE_KEYS,
    "playbook": PLAYBOOK_KEYS,
}


class ConfigError(InvalidInput):
    """The configuration file or an OFFBOARD_* variable holds something offboard cannot use."""

    title = "Configuration error"


@dataclass(frozen=True)
class Settings:
    """The database location (a path or a ``postgresql://`` URL), the acting user's login, and
    how e-mail goes out (``smtp`` is None when no mail server is configured)."""

    location: str
    login: str
    smtp: SmtpSettings | None = None
    templates: str = ""
    # The organisation's termination plan file; empty: the shipped plan.
    plan: str = ""
    # The organisation's playbook file ([playbook] file); empty: the shipped default.
    playbook: str = ""
    notice_days: int = DEFAULT_NOTICE_DAYS
    # The From address, also for exports when no mail server is configured.
    mail_from: str = ""
    # The configuration file read (or that would be), for messages that say where to configure.
    config_path: str = field(default="", compare=False)

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


# ----------------------------------------------------------------------------- the file


def default_config_path() -> Path:
    """``config.toml`` in the user config folder (``~/.config/offboard`` on Linux)."""
    return Path(platformdirs.user_config_dir("offboard", appauthor=False)) / "config.toml"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The configuration file to read: ``OFFBOARD_CONFIG``, else the default one."""
    env = os.environ if environ is None else environ
    named = env.get(CONFIG_VARIABLE, "").strip()
    return Path(named).expanduser() if named else default_config_path()


def read_config_file(path: Path, *, required: bool = False) -> dict[str, dict[str, Any]]:
    """The file's sections, checked for unknown sections and keys; ``{}`` if there is no file
    (a ConfigError instead when ``required``: it was named on purpose)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        if not required:
            return {}
        raise ConfigError(
            f"{CONFIG_VARIABLE} names the configuration file {path}, which does not exist. "
            f"Create it, or unset {CONFIG_VARIABLE} to use {default_config_path()}."
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        problem = error.strerror if isinstance(error, OSError) else str(error)
        raise ConfigError(
            f"Cannot read the configuration file {path}: {problem}. "
            "Make it a readable UTF-8 text file."
        ) from error
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"The configuration file {path} is not valid TOML: {error}. Fix that line; "
            'values are written as key = "text" or key = 123 under [smtp], [email], [timeline] '
            "or [playbook]."
        ) from error
    sections: dict[str, dict[str, Any]] = {}
    for name, content in document.items():
        if name not in SECTIONS or not isinstance(content, dict):
            raise ConfigError(
                f"The configuration file {path} has '{name}', which offboard does not know. "
                f"Use the sections {' and '.join(f'[{known}]' for known in SECTIONS)} only."
            )
        for key in content:
            if name == "smtp" and key == "password":
                raise ConfigError(
                    f"The configuration file {path} has a password under [smtp]. offboard never "
                    f"reads a password from a file: remove it, and set {PASSWORD_VARIABLE} in "
                    "the environment of the command that sends."
                )
            if key not in SECTIONS[name]:
                raise ConfigError(
                    f"The configuration file {path} has '{key}' under [{name}], which offboard "
                    f"does not know. Use: {', '.join(SECTIONS[name])}."
                )
        sections[name] = dict(content)
    return sections


# ----------------------------------------------------------------------------- the app's own state
# What the app remembers between runs (the chosen theme), beside the configuration file but
# apart from it: the app writes it, a person need not. ``OFFBOARD_UI_FILE`` names another file.
UI_FILE_VARIABLE = "OFFBOARD_UI_FILE"
UI_FILE_NAME = "ui.json"
THEME_NAME_LENGTH = 64


def ui_state_path(environ: Mapping[str, str] | None = None) -> Path:
    """The file the app remembers its theme in: ``ui.json`` beside the configuration file."""
    env = os.environ if environ is None else environ
    named = env.get(UI_FILE_VARIABLE, "").strip()
    return Path(named).expanduser() if named else config_path(env).parent / UI_FILE_NAME


def read_theme(environ: Mapping[str, str] | None = None) -> str | None:
    """The theme chosen in an earlier run, or None: a missing, unreadable or broken file is as
    good as none (the app starts on its default theme and never fails for it)."""
    import json

    try:
        document = json.loads(ui_state_path(environ).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    theme = document.get("theme") if isinstance(document, dict) else None
    if not isinstance(theme, str) or not 0 < len(theme) <= THEME_NAME_LENGTH:
        return None
    return theme


def save_theme(theme: str, environ: Mapping[str, str] | None = None) -> str:
    """Remember the theme for the next run; an empty string, or why it could not be written
    (the app says so once and goes on)."""
    import json

    path = ui_state_path(environ)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps({"theme": theme}) + "\n", encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        return f"The theme could not be remembered in {path}: {error.strerror or error}."
    return ""


# ----------------------------------------------------------------------------- values


@dataclass(frozen=True)
class _Source:
    """Where a value came from, for messages that say where to fix it."""

    text: str
    path: Path | None  # the file, or None for an environment variable

    def fix(self) -> str:
        return f"in {self.path}" if self.path is not None else "in the environment"


class _Values:
    """Setting values: an environment variable wins over the file."""

    def __init__(
        self, sections: dict[str, dict[str, Any]], path: Path, env: Mapping[str, str]
    ) -> None:
        self.sections = sections
        self.path = path
        self.env = env

    def get(self, section: str, key: str) -> tuple[Any, _Source] | None:
        variable = SECTIONS[section][key]
        from_env = self.env.get(variable, "").strip()
        if from_env:
            return from_env, _Source(variable, None)
        if key in self.sections.get(section, {}):
            return self.sections[section][key], _Source(f"'{key}' under [{section}]", self.path)
        return None

    def text(self, section: str, key: str) -> str:
        found = self.get(section, key)
        if found is None:
            return ""
        value, source = found
        if not isinstance(value, str):
            raise ConfigError(
                f"{source.text} {source.fix()} must be text in quotes, such as "
                f'{key} = "…"; it is {value!r}.'
            )
        return value.strip()

    def number(self, section: str, key: str, low: int, high: int, *, meaning: str) -> int | None:
        found = self.get(section, key)
        if found is None:
            return None
        value, source = found
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            number = int(value.strip())
        if number is None or not low <= number <= high:
            raise ConfigError(
                f"{source.text} {source.fix()} is {value!r}: give {meaning}, a whole number "
                f"from {low} to {high}."
            )
        return number

    def where(self, section: str, key: str) -> str:
        found = self.get(section, key)
        if found is None:
            return f"'{key}' under [{section}] in {self.path}, or {SECTIONS[section][key]}"
        return f"{found[1].text} {found[1].fix()}"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _smtp_settings(values: _Values, env: Mapping[str, str]) -> tuple[SmtpSettings | None, str]:
    """The SMTP settings (None without a host) and the From address."""
    if not any(values.get("smtp", key) for key in SMTP_KEYS):
        return None, ""  # no mail server, nor a From address
    # Imported only when mail is configured: the mail machinery is not needed to start.
    from data.mail_transport import DEFAULT_PORTS, DEFAULT_TIMEOUT, SECURITY_MODES, SmtpSettings

    host = values.text("smtp", "host")
    security = values.text("smtp", "security").lower() or SECURITY_MODES[0]
    if security not in SECURITY_MODES:
        raise ConfigError(
            f"{values.where('smtp', 'security')} is '{security}': use one of "
            f"{', '.join(SECURITY_MODES)} (starttls on port 587, tls on 465, none on 25)."
        )
    port = values.number("smtp", "port", 1, 65535, meaning="the port of the mail server")
    timeout = values.number("smtp", "timeout", 1, 600, meaning="seconds to wait for the server")
    user = values.text("smtp", "user")
    sender = values.text("smtp", "from")
    if sender:
        from data.outbox import check_address

        try:
            check_address(sender)
        except InvalidInput as error:
            raise ConfigError(f"{values.where('smtp', 'from')}: {error}") from error
    elif "@" in user:
        sender = user
    if not host:
        return None, sender
    if not sender:
        raise ConfigError(
            f"The mail server {host} is configured but not the address mail comes from: add "
            f'from = "offboard@example.com" under [smtp] in {values.path}, '
            f"or set {SMTP_KEYS['from']}."
        )
    if user and security == "none" and not _is_loopback(host):
        raise ConfigError(
            f"{values.where('smtp', 'security')} is 'none', which would send the SMTP password "
            f"to {host} unencrypted. Use starttls or tls."
        )
    smtp = SmtpSettings(
        host=host,
        port=port or DEFAULT_PORTS[security],
        security=security,
        user=user,
        password=env.get(PASSWORD_VARIABLE, ""),
        sender=sender,
        timeout=float(timeout) if timeout is not None else DEFAULT_TIMEOUT,
    )
    return smtp, sender


def _path(values: _Values, section: str, key: str) -> str:
    folder = values.text(section, key)
    if not folder:
        return ""
    path = Path(folder).expanduser()
    found = values.get(section, key)
    if not path.is_absolute() and found is not None and found[1].path is not None:
        # A relative path in the file is relative to the file, wherever offboard is run.
        path = found[1].path.parent / path
    return str(path)


def load_settings(
    location: str | None = None,
    login: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    config_file: str | Path | None = None,
) -> Settings:
    """The settings for this run, from explicit values (``--db``, ``--user``), the environment
    and the configuration file (``config_file``, else ``OFFBOARD_CONFIG``, else the default).

    Raises ConfigError, naming the file or variable and how to fix it, for anything unusable."""
    env = os.environ if environ is None else environ
    if location is not None and not location.strip():
        # An empty --db is a mistake (an unset shell variable, say), not a wish for the default.
        raise ConfigError(
            "--db is empty. Give a SQLite file path or a postgresql:// URL, or leave --db out "
            f"to use ${ENVIRONMENT_VARIABLE} or the default file {default_database_path()}."
        )
    # An empty OFFBOARD_DATABASE counts as unset, as environment variables usually do.
    chosen = (location or "").strip() or env.get(ENVIRONMENT_VARIABLE, "").strip()
    # A file a person named in OFFBOARD_CONFIG must exist; the default one need not.
    named = config_file is None and bool(env.get(CONFIG_VARIABLE, "").strip())
    path = Path(config_file).expanduser() if config_file is not None else config_path(env)
    values = _Values(read_config_file(path, required=named), path, env)
    smtp, sender = _smtp_settings(values, env)
    notice_days = values.number(
        "email", "notice_days", *NOTICE_DAYS_RANGE, meaning="days of notice"
    )
    return Settings(
        location=chosen or str(default_database_path()),
        login=resolve_login(login, env),
        smtp=smtp,
        templates=_path(values, "email", "templates"),
        plan=_path(values, "timeline", "plan"),
        playbook=_path(values, "playbook", "file"),
        notice_days=DEFAULT_NOTICE_DAYS if notice_days is None else notice_days,
        mail_from=sender,
        config_path=str(path),
    )
