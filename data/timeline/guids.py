"""The GUIDs of the customer's deactivated access: read from what a person pastes, and listed
from a cancellation's record."""

from __future__ import annotations

import re

from data.errors import InvalidInput
from data.models import Cancellation

_GUID = re.compile(
    r"^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$"
)


def parse_guids(text: str) -> list[str]:
    """GUIDs, one per line (or separated by commas or spaces), written the standard way; the
    first one that is not a GUID is an error that says which line it is on."""
    guids: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        for word in re.split(r"[\s,;]+", line.strip()):
            if not word:
                continue
            match = _GUID.match(word.casefold())
            if match is None:
                raise InvalidInput(
                    f"Line {number}: '{word[:60]}' is not a GUID. Write each as "
                    "8-4-4-4-12 hexadecimal digits, e.g. 3f2504e0-4f89-11d3-9a0c-0305e82c3301."
                )
            guid = "-".join(match.groups())
            if guid not in guids:
                guids.append(guid)
    if not guids:
        raise InvalidInput("No GUID was given: paste the GUIDs of what was deactivated.")
    return guids


def guid_list(cancellation: Cancellation) -> list[str]:
    return [line for line in str(cancellation.access_guids or "").splitlines() if line]
