"""The errors the data layer raises, written for a team lead rather than a developer.

Every refusal is one of these; callers show ``str(error)`` as it is.
"""

from __future__ import annotations

import re

ECHO_LIMIT = 80
MESSAGE_LIMIT = 2000  # a refusal longer than this still echoes input somewhere: cut its middle
# What text may not hold where a person reads it: C0 control characters but the tab and the line
# break, DEL, and the C1 ones (U+0080..U+009F, which some terminals obey as escapes).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A quote opens a quoted stretch at the start or after a space or bracket, and closes it
# before a space, punctuation or the end.
_OPENS_AFTER = ' \t\n(["“'
_CLOSES_BEFORE = ' \t\n.,:;!?)]"”'


def clip(text: object, limit: int = ECHO_LIMIT) -> str:
    """What a person typed, cut for echoing in a message: the first ``limit`` characters, then
    "…" and the whole length, as in ``xxxx… (100,000 characters)``."""
    value = str(text)
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value):,} characters)"


def _quoted_stretches(message: str) -> list[tuple[int, int]]:
    """Where the quoted stretches are, (start, end) inside the quotes: each opening quote with
    the first closing quote after it. One pass, whatever the message holds."""
    quotes = [index for index, char in enumerate(message) if char == "'"]
    closing = [
        index
        for index in quotes
        if index + 1 == len(message) or message[index + 1] in _CLOSES_BEFORE
    ]
    stretches: list[tuple[int, int]] = []
    after = -1  # the end of the last stretch found
    position = 0  # the next closing quote to consider
    for index in quotes:
        if index <= after or not (index == 0 or message[index - 1] in _OPENS_AFTER):
            continue
        while position < len(closing) and closing[position] <= index:
            position += 1
        if position == len(closing):
            break
        after = closing[position]
        stretches.append((index + 1, after))
    return stretches


def clip_quotes(message: str) -> str:
    """``message`` with every quoted echo longer than twice ``ECHO_LIMIT`` cut with ``clip``
    (a shorter one, such as a long path, is kept whole: it is what there is to fix), and the
    middle of a message still longer than ``MESSAGE_LIMIT`` left out."""
    parts: list[str] = []
    done = 0
    for start, end in _quoted_stretches(message):
        if end - start > 2 * ECHO_LIMIT:
            parts += [message[done:start], clip(message[start:end])]
            done = end
    clipped = "".join(parts) + message[done:]
    if len(clipped) > MESSAGE_LIMIT:  # an echo without quotes: keep how it starts and ends
        keep = MESSAGE_LIMIT // 4
        clipped = f"{clipped[:keep]} …({len(clipped):,} characters)… {clipped[-keep:]}"
    return clipped


def printable(message: str) -> str:
    """``message`` with control characters (``CONTROL``: a NUL, a terminal escape, a carriage
    return) written out as ``\\x00``, ``\\x1b``, ``\\x0d``, so what is shown is what was typed
    and no terminal or viewer is driven; tabs and line breaks are kept."""
    return CONTROL.sub(lambda char: f"\\x{ord(char.group(0)):02x}", message)


# What ends a line (to a terminal, or to str.splitlines) that ``printable`` keeps or writes as
# a code: written out as Python writes it, ``\\r\\n``.
_LINE_ENDS = {"\r": "\\r", "\n": "\\n", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_LINE_END = re.compile("[\r\n\u2028\u2029]")


def on_one_line(message: str) -> str:
    """``message`` with every line break written out (``\\r\\n``), so a refusal that echoes a
    value holding one (an address pasted with its line end) is one line, and shows it."""
    return _LINE_END.sub(lambda found: _LINE_ENDS[found.group(0)], message)


class OffboardError(Exception):
    """Base of every refusal the data layer makes. The message is meant to be shown as it is.

    A long quoted echo of input is cut (``clip_quotes``), so no refusal repeats a pasted page
    back whole, and line breaks and control characters are written out (``on_one_line``,
    ``printable``), wherever it is raised: every refusal is one line."""

    title = "Refused"

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (printable(on_one_line(clip_quotes(args[0]))),)
        super().__init__(*args)


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


class UnusableDatabase(OffboardError):
    """The database named is missing, another program's, written by a newer offboard, or cannot
    be reached or written; nothing was written to it."""

    title = "Cannot use the database"
