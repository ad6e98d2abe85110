"""The playbook versions cancellations run on: ``remember`` keeps the playbook in force (once per
digest) when a cancellation is begun, ``playbook_for`` reads back the one a cancellation was
begun with, so editing the playbook file never silently moves a running case's dates.

A case whose version can no longer be read (its text no longer parses with this offboard, or
the row is gone) is shown with the playbook in force and is read-only: ``version_note`` says
so, and the change kernel refuses every operation on it with that sentence (``PlaybookGone``).
Everything here runs inside the caller's connection (and, for ``remember``, its transaction).
"""

from __future__ import annotations

import hashlib
import threading

from data import clock
from data.errors import Conflict, OffboardError
from data.models import Cancellation, PlaybookVersion
from data.playbook import current_playbook
from data.playbook.model import Playbook

__all__ = [
    "PlaybookGone",
    "forget",
    "is_read_only",
    "playbook_for",
    "remember",
    "require_readable",
    "version_named",
    "version_note",
]

_lock = threading.Lock()
# Parsed versions by the SHA-256 of their text (one text always parses the same way), and the
# texts that no longer parse. Keyed by the text itself, not the row's digest: a stored text
# changed behind offboard's back is read afresh.
_parsed: dict[str, Playbook] = {}
_unreadable: set[str] = set()


class PlaybookGone(Conflict):
    """The case's playbook version can no longer be read: the case is read-only."""

    title = "Read-only"


def remember(playbook: Playbook) -> PlaybookVersion:
    """The stored version of ``playbook``, inserted if its digest is new (in the caller's
    transaction: a cancellation begun with it points at it)."""
    found: PlaybookVersion | None = PlaybookVersion.get_or_none(
        PlaybookVersion.digest == playbook.digest
    )
    if found is not None:
        return found
    # Two team leads beginning the first cases on a new playbook at once: one row, both use it.
    PlaybookVersion.insert(
        digest=playbook.digest,
        name=playbook.name,
        source=playbook.source,
        text=playbook.text,
        created_at=clock.now(),
    ).on_conflict_ignore().execute()
    version: PlaybookVersion = PlaybookVersion.get(PlaybookVersion.digest == playbook.digest)
    with _lock:
        _parsed.setdefault(hashlib.sha256(playbook.text.encode("utf-8")).hexdigest(), playbook)
    return version


def _version(cancellation: Cancellation) -> PlaybookVersion | None:
    version_id = cancellation.playbook_version_id
    if version_id is None:
        return None
    found: PlaybookVersion | None = PlaybookVersion.get_or_none(PlaybookVersion.id == version_id)
    return found


def _parse(version: PlaybookVersion) -> Playbook | None:
    """The version's playbook, or None when its text no longer parses (remembered either way)."""
    text = str(version.text)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with _lock:
        if key in _parsed:
            return _parsed[key]
        if key in _unreadable:
            return None
    from data.playbook.load import parse_playbook  # the loader is heavy: only when needed

    try:
        playbook: Playbook | None = parse_playbook(text, str(version.source))
    except (OffboardError, ValueError):
        playbook = None
    with _lock:
        if playbook is None:
            _unreadable.add(key)
        else:
            _parsed[key] = playbook
    return playbook


def _readable(cancellation: Cancellation) -> tuple[Playbook | None, bool]:
    """The case's own playbook (None: it has none, or it is gone) and whether it is gone."""
    if cancellation.playbook_version_id is None:
        return None, False
    version = _version(cancellation)
    if version is None:
        return None, True
    playbook = _parse(version)
    return playbook, playbook is None


def playbook_for(cancellation: Cancellation) -> Playbook:
    """The playbook the cancellation was begun with; the one in force for a case begun before
    versions were kept, or whose version can no longer be read (see ``version_note``)."""
    playbook, _ = _readable(cancellation)
    return playbook if playbook is not None else current_playbook()


def is_read_only(cancellation: Cancellation) -> bool:
    """Whether the case's playbook version can no longer be read (no operation may change it)."""
    return _readable(cancellation)[1]


def _gone(name: str, digest: str) -> str:
    return (
        f"This case was begun with playbook {name} ({digest}), which can no longer be read: "
        "shown with the playbook in force, read-only."
    )


def version_described(cancellation: Cancellation) -> tuple[str, str, str]:
    """The name and digest of the playbook the case runs on, as the tool shows them (its own
    version's, or the playbook in force for a case begun before versions were kept), and the
    read-only note when its version can no longer be read (else ""): one read of the version."""
    if cancellation.playbook_version_id is None:
        playbook = current_playbook()
        return playbook.name, playbook.digest, ""
    version = _version(cancellation)
    if version is None:
        return "(unknown)", "", _gone("(unknown)", f"version #{cancellation.playbook_version_id}")
    name, digest = str(version.name), str(version.digest)
    return name, digest, _gone(name, digest[:8]) if _parse(version) is None else ""


def version_note(cancellation: Cancellation) -> str:
    """A sentence when the case's playbook version can no longer be read, else ""."""
    return version_described(cancellation)[2]


def version_named(cancellation: Cancellation) -> tuple[str, str]:
    """The name and digest of the playbook the case runs on (see ``version_described``)."""
    name, digest, _ = version_described(cancellation)
    return name, digest


def require_readable(cancellation: Cancellation) -> None:
    """Refuse (PlaybookGone, with ``version_note``'s sentence) a change to a read-only case."""
    note = version_note(cancellation)
    if note:
        raise PlaybookGone(note)


def forget() -> None:
    """Drop the parsed versions: every stored text is parsed afresh when next read."""
    with _lock:
        _parsed.clear()
        _unreadable.clear()
