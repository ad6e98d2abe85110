"""Where the settings come from: the command line, then the environment, then the defaults."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from tui.config import Settings, load_settings, resolve_login


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


def test_the_process_environment_is_used_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OFFBOARD_DATABASE", "postgresql://u:secret@db.example/offboard")
    monkeypatch.setenv("OFFBOARD_USER", "Tess")
    settings = load_settings()
    assert settings == Settings("postgresql://u:secret@db.example/offboard", "tess")
    assert settings.shown_location == "postgresql://u:***@db.example/offboard"
