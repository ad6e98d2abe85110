"""Reading a playbook or a mapping file (data.input_files): only a regular file, at most 1 MiB,
TOML at most 32 deep; each refusal one line, at once (a FIFO does not block, /dev/zero is not
read)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from data.input_files import (
    DEPTH_LIMIT,
    SIZE_LIMIT,
    FileRefused,
    parse_toml,
    read_limited,
    read_text_limited,
    too_deep,
)


def test_a_regular_file_is_read_as_path_read_text_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "playbook.toml"
    path.write_bytes(b'[playbook]\r\nname = "\xc3\xbc"\r\n')
    assert read_text_limited(path, "playbook file") == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_anything_but_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    if kind == "device":
        path = Path("/dev/zero")
    elif kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)  # no writer: a plain open would wait for one for ever
    else:
        path = tmp_path
    with pytest.raises(FileRefused, match=r"not a regular file: name the playbook file itself"):
        read_limited(path, "playbook file")


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * (SIZE_LIMIT + 1))
    with pytest.raises(FileRefused, match="larger than 1 MiB"):
        read_limited(path, "mapping file")
    path.write_bytes(b"#" * SIZE_LIMIT)
    assert len(read_limited(path, "mapping file")) == SIZE_LIMIT


def test_toml_nested_too_deep_is_refused_with_its_line() -> None:
    deep = "a = 1\nb = " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(FileRefused, match=r"^x\.toml, line 2: the TOML nests .* more than 32"):
        parse_toml(deep, "x.toml")
    inline = "c = " + "{ d = " * 40 + "1" + " }" * 40
    assert too_deep(inline) == 1
    dotted = "[" + ".".join(["t"] * 60) + "]\nv = 1\n"
    with pytest.raises(FileRefused, match=r"^x\.toml: the TOML nests"):
        parse_toml(dotted, "x.toml")


def test_brackets_in_strings_and_comments_do_not_count() -> None:
    text = (
        'a = "' + "[" * 100 + '"\n'
        "b = '" + "{" * 100 + "'\n"
        "# " + "[" * 100 + "\n"
        'c = """\n' + "[" * 100 + '\n"""\n'
        "d = " + "[" * DEPTH_LIMIT + "]" * DEPTH_LIMIT + "\n"
    )
    assert too_deep(text) is None
    assert parse_toml(text, "x.toml")["a"] == "[" * 100
