"""The organisation's playbook in force: ``use_playbook`` loads and checks a file (the shipped
``playbooks/default.toml`` when none is named), ``current_playbook`` is the one in use.

Loading is imported when first needed: this package is light to import."""

from __future__ import annotations

import threading
from pathlib import Path

from data.playbook.model import (
    Milestone,
    Party,
    Playbook,
    ScenarioRule,
    ScenarioSection,
    ScenarioSectionKind,
    SectionUse,
    SignOffTeam,
    StepRule,
)

__all__ = [
    "DEFAULT_PLAYBOOK",
    "Milestone",
    "Party",
    "Playbook",
    "ScenarioRule",
    "ScenarioSection",
    "ScenarioSectionKind",
    "SectionUse",
    "SignOffTeam",
    "StepRule",
    "current_playbook",
    "use_playbook",
]

# The shipped playbooks (a package of data files, installed with offboard).
PLAYBOOKS = Path(__file__).resolve().parent.parent.parent / "playbooks"
DEFAULT_PLAYBOOK = PLAYBOOKS / "default.toml"

_lock = threading.Lock()
_playbook: Playbook | None = None


def use_playbook(path: str | Path | None) -> Playbook:
    """Load, check and use the organisation's playbook (``None``: the shipped default); a bad
    file is refused whole (PlaybookError names the file, line and key) and the one in use stays."""
    global _playbook
    from data.playbook.load import load_playbook

    playbook = load_playbook(path if path is not None else DEFAULT_PLAYBOOK)
    with _lock:
        _playbook = playbook
    return playbook


def current_playbook() -> Playbook:
    global _playbook
    with _lock:
        if _playbook is None:
            from data.playbook.load import load_playbook

            _playbook = load_playbook(DEFAULT_PLAYBOOK)
        return _playbook
