"""Reading a small settings file a person named (a playbook, a CRM mapping) and parsing its TOML,
with limits: only a regular file (never a device such as /dev/zero, nor a FIFO, which would
block), at most 1 MiB of it, and TOML nested at most 32 deep (tomllib recurses once per level:
deeper text would end in RecursionError). A refusal is one line naming the file."""

from __future__ import annotations

import io
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from data.errors import InvalidInput

SIZE_LIMIT = 1024 * 1024  # bytes: no playbook or mapping comes near it
DEPTH_LIMIT = 32  # arrays and inline tables inside each other, table headers' dots included

# What the depth scan stops at: string openers, comments, brackets and line breaks.
_TOKEN = re.compile(r"\"\"\"|'''|[\"'#\[\]{}\n]")
_BASIC_END = re.compile(r'(?:[^"\\\n]|\\.)*"')


class FileRefused(InvalidInput):
    """A file that is no regular file, too large, or nested too deep."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (a pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_limited(path: str | Path, what: str) -> bytes:
    """The bytes of the regular file at ``path`` (``what`` it is, for the refusal: "playbook
    file"), at most ``SIZE_LIMIT`` of them. FileRefused for anything else; OSError
    (FileNotFoundError, PermissionError) as opening raised it."""
    where = Path(path).expanduser()
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    handle = os.open(where, flags)  # O_NONBLOCK: a FIFO without a writer does not block
    try:
        found = os.fstat(handle)
        if not stat.S_ISREG(found.st_mode):
            raise FileRefused(
                f"{where} is {_kind(found.st_mode)}, not a regular file: name the {what} itself."
            )
        if found.st_size > SIZE_LIMIT:
            raise FileRefused(_too_large(where, what))
        chunks: list[bytes] = []
        size = 0
        while size <= SIZE_LIMIT:  # the file may grow while it is read
            chunk = os.read(handle, SIZE_LIMIT + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > SIZE_LIMIT:
            raise FileRefused(_too_large(where, what))
        return b"".join(chunks)
    finally:
        os.close(handle)


def read_text_limited(path: str | Path, what: str, encoding: str = "utf-8") -> str:
    """``read_limited`` as text, line breaks read as ``Path.read_text`` reads them;
    UnicodeDecodeError when it is not ``encoding``."""
    with io.TextIOWrapper(io.BytesIO(read_limited(path, what)), encoding=encoding) as stream:
        return stream.read()


def _too_large(where: Path, what: str) -> str:
    return f"{where} is larger than 1 MiB, far more than a {what} holds: name the {what} itself."


def too_deep(text: str) -> int | None:
    """The line on which ``text`` nests arrays, inline tables or header dots more than
    ``DEPTH_LIMIT`` deep, or None. Strings and comments are skipped; the scan never judges the
    TOML (tomllib does), and is linear in the text."""
    depth = 0
    line = 1
    at = 0
    while True:
        token = _TOKEN.search(text, at)
        if token is None:
            return None
        found = token.group()
        at = token.end()
        if found == "\n":
            line += 1
        elif found == "#":
            end = text.find("\n", at)
            if end < 0:
                return None
            at = end
        elif found in ('"""', "'''"):
            end = text.find(found, at)
            if end < 0:
                return None
            line += text.count("\n", at, end)
            at = end + 3
        elif found == '"':
            closing = _BASIC_END.match(text, at)
            if closing is None:
                return None
            at = closing.end()
        elif found == "'":
            end = text.find("'", at)
            if end < 0:
                return None
            line += text.count("\n", at, end)
            at = end + 1
        elif found in "[{":
            depth += 1
            if depth > DEPTH_LIMIT:
                return line
        else:
            depth = max(0, depth - 1)


def _deepest(document: dict[str, Any]) -> int:
    """How deep tables and arrays sit inside each other in a parsed document (iteratively)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return deepest


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """``text`` parsed by tomllib, refused (FileRefused, naming ``source``) when it nests more
    than ``DEPTH_LIMIT`` deep; tomllib.TOMLDecodeError as tomllib raises it."""
    line = too_deep(text)
    if line is not None:
        raise FileRefused(_nested(f"{source}, line {line}"))
    try:
        document = tomllib.loads(text)
    except RecursionError:
        raise FileRefused(_nested(source)) from None
    if _deepest(document) > DEPTH_LIMIT + 1:  # dotted keys and headers nest tables too
        raise FileRefused(_nested(source))
    return document


def _nested(where: str) -> str:
    return (
        f"{where}: the TOML nests tables and arrays more than {DEPTH_LIMIT} deep; write it flatter."
    )
