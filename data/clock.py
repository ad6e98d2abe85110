"""What time it is for offboard: every reading of "now" in data/ goes through this one clock,
and a test stops it with ``frozen``.

The clock reads one source, an aware moment; ``now()`` gives it as every timestamp is stored
(naive UTC, whole seconds), ``now_in`` in a time zone, ``local_now`` on this machine's clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _system() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_source: Callable[[], dt.datetime] = _system


def now() -> dt.datetime:
    """Now, in UTC, without tzinfo: how every timestamp is stored."""
    return _source().astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)


def now_in(zone: dt.tzinfo) -> dt.datetime:
    """Now in ``zone``, aware."""
    return _source().astimezone(zone)


def local_now() -> dt.datetime:
    """Now on this machine's wall clock, without tzinfo (names files the user sees)."""
    return _source().astimezone().replace(tzinfo=None)


@contextmanager
def frozen(moment: dt.datetime) -> Iterator[None]:
    """Stop the clock at ``moment`` (naive means UTC) until the block ends."""
    global _source
    fixed = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)

    def stopped() -> dt.datetime:
        return fixed

    before = _source
    _source = stopped
    try:
        yield
    finally:
        _source = before
