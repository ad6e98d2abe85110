"""Each command's module is imported only when that command runs: building the parser (and so
opening the app, which runs no command) loads none of them, and every name the parser gives
a handler loads."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from tests.imports import imported_after
from tui.cli.commands import handler_named
from tui.cli.parser import build_parser

COMMAND_MODULES = "tui.cli.commands."
# What the commands read and write with, which the app does not need to start.
COMMAND_DATA = ("data.delivery", "data.outbox_export", "data.demo", "data.backup")


def leaves(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every parser that runs a command (one that names a handler)."""
    if parser.get_default("handler") is not None:
        yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from leaves(sub)


def test_every_command_names_a_handler_that_loads() -> None:
    parsers = list(leaves(build_parser()))
    assert parsers
    for parser in parsers:
        reference = parser.get_default("handler")
        assert isinstance(reference, str), parser.prog
        assert callable(handler_named(reference)), parser.prog


def test_building_the_parser_imports_no_command_module(tmp_path: Path) -> None:
    code = "import tui.cli\nfrom tui.cli.parser import build_parser\nbuild_parser()"
    modules = imported_after(code, tmp_path)
    assert [name for name in modules if name.startswith(COMMAND_MODULES)] == []
    assert [name for name in modules if name in COMMAND_DATA] == []


def test_a_command_imports_its_own_module_only(tmp_path: Path) -> None:
    # `plan` reads no database, so it runs anywhere.
    code = "from tui.cli import main\nassert main(['plan']) == 0"
    modules = imported_after(code, tmp_path)
    assert [name for name in modules if name.startswith(COMMAND_MODULES)] == [
        "tui.cli.commands.timeline"
    ]
    assert [name for name in modules if name in COMMAND_DATA] == []
