"""The demo data set: a deterministic, realistic set of about forty customers from tiny to large,
a handful of users, the reason list, three cancellations pending (one nearly ready, one mostly
red, one sent to collections) and one processed with its termination case still open, made
through the real operations so the audit trail and outbox look as they would in use.

This package gives the names its users import: ``load`` and its refusals (loading.py);
``finish_termination``, ``lost_save_attempt`` (the Retention section cleared) and
``SAMPLE_GUID``, which tests and benchmarks borrow. What the set holds
is content.py; accounts.py and cancelling.py make its rows."""

from __future__ import annotations

from data.demo.cancelling import finish_termination, lost_save_attempt
from data.demo.content import SAMPLE_GUID
from data.demo.loading import DemoRefused, Loaded, is_empty, load, wipe

__all__ = [
    "SAMPLE_GUID",
    "DemoRefused",
    "Loaded",
    "finish_termination",
    "is_empty",
    "load",
    "lost_save_attempt",
    "wipe",
]
