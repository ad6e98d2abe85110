"""The errors the data layer raises, written for a team lead rather than a developer.

Every refusal is one of these; callers show ``str(error)`` as it is.
"""

from __future__ import annotations


class OffboardError(Exception):
    """Base of every refusal the data layer makes. The message is meant to be shown as it is."""

    title = "Refused"


class NotAllowed(OffboardError):
    """The user lacks the role the operation needs, or is inactive or unknown."""

    title = "Not allowed"


class InvalidInput(OffboardError):
    """A value is malformed or out of range; nothing was written."""

    title = "Invalid input"


class NotFound(InvalidInput):
    """An account, record or user that does not exist was named."""

    title = "Not found"


class Conflict(OffboardError):
    """Someone else changed the data since it was read, or it is in the wrong state for this."""

    title = "Conflict"


class NotReady(OffboardError):
    """The cancellation cannot be processed yet: sections are still blocking."""

    title = "Not ready"

    def __init__(self, message: str, blocking_sections: list[str] | None = None) -> None:
        super().__init__(message)
        self.blocking_sections = blocking_sections or []
