"""Retention (issue 15): save attempts, change requests and their approval chain, contract
pause. ``models`` holds the tables and their states; ``offers``, ``attempts``, ``requests``
(a change request: its values, create and edit), ``chain`` (its approval chain),
``decisions`` (submit, recall, approve, reject), ``request_views`` (reading requests),
``pause`` and ``reminders`` the operations and reads.

``data.models`` is imported first: it lists the retention tables among its own (ALL_MODELS),
so whichever of the two is imported first, both end up whole."""

from __future__ import annotations

import data.models  # noqa: F401  (first: see the docstring)
