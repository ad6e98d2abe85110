"""Where the settings come from: the command line, then the environment, then the configuration
file, then the defaults; and how a bad file or value is refused."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from data.delivery import SmtpSettings
from tui.config import ConfigError, Settings, load_settings, resolve_login


def test_login_prefers_the_option_then_the_environment_then_the_login_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "Machine")
    assert resolve_login("Sam", {"OFFBOARD_USER": "alex"}) == "sam"
    assert resolve_login(None, {"OFFBOARD_USER": " Alex "}) == "alex"
    assert resolve_login("  ", {"OFFBOARD_USER": ""}) == "machine"


def test_login_is_empty_when_the_machine_has_no_login_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_user() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert resolve_login(None, {}) == ""


def test_database_prefers_the_option_then_the_environment_then_the_default_file(
    tmp_path: Path,
) -> None:
    env = {"OFFBOARD_DATABASE": "/srv/team.db", "OFFBOARD_USER": "riley"}
    assert load_settings("mine.db", "sam", env) == Settings("mine.db", "sam")
    assert load_settings(None, None, env) == Settings("/srv/team.db", "riley")
    # The default lives in the user data folder, which the fixtures point into tmp_path.
    default = load_settings(None, "sam", {}).location
    assert default.endswith("offboard.db")
    assert str(tmp_path) in default


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_db_option_is_refused_while_an_empty_variable_counts_as_unset(
    empty: str,
) -> None:
    env = {"OFFBOARD_DATABASE": "/srv/team.db"}
    with pytest.raises(ConfigError, match="--db is empty"):
        load_settings(empty, "sam", env)
    assert load_settings(None, "sam", {"OFFBOARD_DATABASE": empty}).location.endswith("offboard.db")


def test_the_process_environment_is_used_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OFFBOARD_DATABASE", "postgresql://u:secret@db.example/offboard")
    monkeypatch.setenv("OFFBOARD_USER", "Tess")
    settings = load_settings()
    assert settings == Settings("postgresql://u:secret@db.example/offboard", "tess")
    assert settings.shown_location == "postgresql://u:***@db.example/offboard"


# ----------------------------------------------------------------------------- the file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


FULL = """
[smtp]
host = "smtp.example.com"
port = 2587
security = "starttls"
user = "mailer@example.com"
from = "Offboard <offboard@example.com>"

[email]
templates = "our-templates"
notice_days = 5
"""


def test_without_a_file_email_settings_have_their_defaults(tmp_path: Path) -> None:
    settings = load_settings("x.db", "sam", {}, config_file=tmp_path / "missing.toml")
    assert (settings.smtp, settings.templates, settings.notice_days) == (None, "", 3)
    # The default file lives in the user config folder, which the fixtures point into tmp_path.
    assert load_settings("x.db", "sam", {}).config_path.startswith(str(tmp_path))


def test_the_file_configures_smtp_and_templates_and_the_password_comes_from_the_environment(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, FULL)

    settings = load_settings(
        "x.db", "sam", {"OFFBOARD_CONFIG": str(path), "OFFBOARD_SMTP_PASSWORD": "hunter2"}
    )

    assert settings.smtp == SmtpSettings(
        host="smtp.example.com",
        port=2587,
        security="starttls",
        user="mailer@example.com",
        password="hunter2",
        sender="Offboard <offboard@example.com>",
    )
    # A relative templates folder is relative to the file.
    assert settings.templates == str(tmp_path / "our-templates")
    assert settings.notice_days == 5
    assert settings.mail_from == "Offboard <offboard@example.com>"
    assert "hunter2" not in repr(settings)


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    env = {
        "OFFBOARD_SMTP_HOST": "relay.internal.example",
        "OFFBOARD_SMTP_PORT": "465",
        "OFFBOARD_SMTP_SECURITY": "TLS",
        "OFFBOARD_SMTP_USER": "other@example.com",
        "OFFBOARD_SMTP_FROM": "team@example.com",
        "OFFBOARD_TEMPLATES": "/srv/templates",
        "OFFBOARD_NOTICE_DAYS": "0",
    }

    settings = load_settings("x.db", "sam", env, config_file=path)

    assert settings.smtp is not None
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == (
        "relay.internal.example",
        465,
        "tls",
    )
    assert (settings.smtp.user, settings.smtp.sender) == ("other@example.com", "team@example.com")
    assert (settings.templates, settings.notice_days) == ("/srv/templates", 0)


def test_the_environment_alone_configures_smtp_with_the_port_of_its_security() -> None:
    env = {"OFFBOARD_SMTP_HOST": "mail.example.com", "OFFBOARD_SMTP_USER": "me@example.com"}
    smtp = load_settings("x.db", "sam", env).smtp
    assert smtp is not None
    # Without a From address, the user's (an address) is used.
    assert (smtp.port, smtp.security, smtp.sender) == (587, "starttls", "me@example.com")
    tls = load_settings("x.db", "sam", {**env, "OFFBOARD_SMTP_SECURITY": "tls"}).smtp
    assert tls is not None and tls.port == 465


def test_a_password_in_the_file_is_refused_with_where_to_put_it(tmp_path: Path) -> None:
    path = write(tmp_path, '[smtp]\nhost = "smtp.example.com"\npassword = "hunter2"\n')

    with pytest.raises(ConfigError) as refused:
        load_settings("x.db", "sam", {}, config_file=path)

    message = str(refused.value)
    assert str(path) in message
    assert "never reads a password from a file" in message
    assert "OFFBOARD_SMTP_PASSWORD" in message
    assert "hunter2" not in message


def test_a_file_that_is_not_toml_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[smtp]\nhost = "smtp.example.com"\nport = 25 25\n')

    with pytest.raises(ConfigError, match=r"is not valid TOML: .*line 3") as refused:
        load_settings("x.db", "sam", {}, config_file=path)
    assert str(path) in str(refused.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[smtp]\nhots = "x"\n',
            "has 'hots' under [smtp], which offboard does not know. Use: host",
        ),
        ('[mail]\nhost = "x"\n', "has 'mail', which offboard does not know"),
        ('[smtp]\nhost = "x.example"\nport = 0\nfrom = "a@b.example"\n', "from 1 to 65535"),
        ('[smtp]\nhost = "x.example"\nport = 70000\nfrom = "a@b.example"\n', "from 1 to 65535"),
        ('[smtp]\nhost = "x.example"\nsecurity = "ssl"\n', "use one of starttls, tls, none"),
        ("[smtp]\nhost = 25\n", "must be text in quotes"),
        ('[smtp]\nhost = "x.example"\nfrom = "nobody"\n', "'nobody' is not an e-mail address"),
        ('[smtp]\nhost = "x.example"\n', 'add from = "offboard@example.com" under [smtp]'),
        ("[email]\nnotice_days = 61\n", "'notice_days' under [email]"),
        ('[email]\nnotice_days = "soon"\n', "a whole number from 0 to 60"),
        (
            '[smtp]\nhost = "x.example"\nsecurity = "none"\nuser = "u@x.example"\n',
            "would send the SMTP password to x.example unencrypted",
        ),
    ],
)
def test_a_bad_value_in_the_file_is_refused_naming_the_file_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)

    with pytest.raises(ConfigError) as refused:
        load_settings("x.db", "sam", {}, config_file=path)

    assert expected in str(refused.value)
    assert str(path) in str(refused.value)


def test_a_bad_environment_value_names_the_variable() -> None:
    env = {"OFFBOARD_SMTP_HOST": "x.example", "OFFBOARD_SMTP_PORT": "smtp"}
    with pytest.raises(ConfigError, match="OFFBOARD_SMTP_PORT in the environment is 'smtp'"):
        load_settings("x.db", "sam", env)
    with pytest.raises(ConfigError, match="OFFBOARD_NOTICE_DAYS in the environment is '-1'"):
        load_settings("x.db", "sam", {"OFFBOARD_NOTICE_DAYS": "-1"})


def test_a_configuration_file_named_in_the_environment_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="OFFBOARD_CONFIG names the configuration file"):
        load_settings("x.db", "sam", {"OFFBOARD_CONFIG": str(missing)})
