"""The mapping file: how a Salesforce export's values become offboard's states, and what the
export back writes. ``load_mapping`` reads the shipped defaults (``salesforce.toml``, next to
this module) and lays an override file over them, key by key; an unknown table or key, or a
value of the wrong kind, is refused with the file and line it is written on."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data.dates import is_time_zone
from data.errors import InvalidInput
from data.input_files import FileRefused, parse_toml, read_text_limited
from data.playbook.checks import choices, shown_path, syntax_error
from data.playbook.lines import KeyLines, KeyPath, locate

DEFAULTS = Path(__file__).with_name("salesforce.toml")

# Every table and key a mapping file may hold, and the kind of value each takes.
TEXT, TEXTS, TABLE = "text", "list of texts", "table of texts"
KEYS: dict[str, dict[str, str]] = {
    "customer": {"time_zone": TEXT, "time_zone_column": TEXT},
    "asset": {"ceased_statuses": TEXTS, "known_statuses": TEXTS, "export_status": TEXT},
    "case": {"known_statuses": TEXTS, "export_status": TEXT},
    "opportunity": {"known_stages": TEXTS, "export_stages": TABLE},
    "quote": {"statuses": TABLE, "known_statuses": TEXTS, "export_statuses": TABLE},
    "order": {
        "cancelled_codes": TEXTS,
        "completed_codes": TEXTS,
        "known_statuses": TEXTS,
        "export_statuses": TABLE,
    },
    "account": {"export_cancelled": TABLE},
}


class MappingError(InvalidInput):
    """A mapping file that cannot be used; the message names the file, the line and the key."""

    title = "Mapping error"


@dataclass(frozen=True)
class Mapping:
    """The mapping in force: the defaults with any override laid over them (``Mapping()``
    holds the same defaults as salesforce.toml; tests check they agree)."""

    time_zone: str = "UTC"
    time_zone_column: str = ""
    asset_ceased_statuses: tuple[str, ...] = ("Obsolete",)
    asset_known_statuses: tuple[str, ...] = ()
    asset_export_status: str = "Obsolete"
    case_known_statuses: tuple[str, ...] = ()
    case_export_status: str = "Closed"
    opportunity_known_stages: tuple[str, ...] = ()
    opportunity_export_stages: dict[str, str] = field(
        default_factory=lambda: {
            "Won": "Closed Won",
            "Lost": "Closed Lost",
            "Cancelled": "Closed Lost",
        }
    )
    quote_statuses: dict[str, str] = field(
        default_factory=lambda: {"Accepted": "Won", "Denied": "Lost", "Rejected": "Lost"}
    )
    quote_known_statuses: tuple[str, ...] = ()
    quote_export_statuses: dict[str, str] = field(
        default_factory=lambda: {
            "Won": "Accepted",
            "Lost": "Denied",
            "Expired": "Denied",
            "Cancelled": "Denied",
        }
    )
    order_cancelled_codes: tuple[str, ...] = ("Cancelled", "Canceled")
    order_completed_codes: tuple[str, ...] = ("Activated",)
    order_known_statuses: tuple[str, ...] = ()
    order_export_statuses: dict[str, str] = field(
        default_factory=lambda: {"Cancelled": "Cancelled", "Completed": "Completed"}
    )
    account_export_cancelled: dict[str, str] = field(
        default_factory=lambda: {"Type": "Former Customer"}
    )
    # The files it was read from: the defaults, then the override (if any).
    sources: tuple[str, ...] = ()


def _error(source: str, lines: KeyLines, path: KeyPath, problem: str) -> MappingError:
    if not path:
        return MappingError(f"{source}: {problem}")
    return MappingError(f"{source}, line {lines.line_of(path)}, {shown_path(path)}: {problem}")


def _read(path: Path) -> tuple[dict[str, dict[str, Any]], str]:
    """One mapping file, checked: its tables as written, and how errors name it."""
    source = str(path)
    try:
        text = read_text_limited(path, "mapping file", encoding="utf-8-sig")
    except FileRefused as error:
        raise MappingError(str(error)) from None
    except FileNotFoundError:
        raise MappingError(f"{source}: there is no such mapping file.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"{source}: the mapping file cannot be read ({error}).") from None
    lines = locate(text)
    try:
        document = parse_toml(text, source)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(str(syntax_error(source, lines, error))) from None
    except FileRefused as error:
        raise MappingError(str(error)) from None
    tables: dict[str, dict[str, Any]] = {}
    for name, table in document.items():
        if name not in KEYS:
            raise _error(
                source,
                lines,
                (name,),
                f"'{name}' is not a mapping table; {choices(name, list(KEYS))}.",
            )
        if not isinstance(table, dict):
            raise _error(source, lines, (name,), f"write it as a table: [{name}].")
        for key, value in table.items():
            known = KEYS[name]
            if key not in known:
                raise _error(
                    source,
                    lines,
                    (name, key),
                    f"'{key}' is not a key of [{name}]; {choices(key, list(known))}.",
                )
            _check(source, lines, (name, key), known[key], value)
        tables[name] = table
    return tables, source


def _check(source: str, lines: KeyLines, path: KeyPath, kind: str, value: Any) -> None:
    ok = (
        isinstance(value, str)
        if kind == TEXT
        else isinstance(value, list) and all(isinstance(item, str) for item in value)
        if kind == TEXTS
        else isinstance(value, dict) and all(isinstance(item, str) for item in value.values())
    )
    if not ok:
        example = {TEXT: '"text"', TEXTS: '["A", "B"]', TABLE: '{ Name = "value" }'}[kind]
        raise _error(source, lines, path, f"this must be a {kind}, as in {path[-1]} = {example}.")


def load_mapping(path: str | Path | None = None) -> Mapping:
    """The defaults, with the file at ``path`` laid over them (None: the defaults alone)."""
    merged, default_source = _read(DEFAULTS)
    sources = [default_source]
    if path is not None:
        override, source = _read(Path(path))
        sources.append(source)
        for name, written in override.items():
            merged.setdefault(name, {}).update(written)
    zone = str(merged["customer"]["time_zone"])
    if not is_time_zone(zone):
        raise MappingError(
            f"{sources[-1]}: [customer] time_zone '{zone}' is not a time zone; give an IANA "
            "name such as Europe/Berlin or UTC."
        )

    def texts(table: str, key: str) -> tuple[str, ...]:
        return tuple(str(item) for item in merged[table][key])

    def table(name: str, key: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in merged[name][key].items()}

    return Mapping(
        time_zone=zone,
        time_zone_column=str(merged["customer"]["time_zone_column"]),
        asset_ceased_statuses=texts("asset", "ceased_statuses"),
        asset_known_statuses=texts("asset", "known_statuses"),
        asset_export_status=str(merged["asset"]["export_status"]),
        case_known_statuses=texts("case", "known_statuses"),
        case_export_status=str(merged["case"]["export_status"]),
        opportunity_known_stages=texts("opportunity", "known_stages"),
        opportunity_export_stages=table("opportunity", "export_stages"),
        quote_statuses=table("quote", "statuses"),
        quote_known_statuses=texts("quote", "known_statuses"),
        quote_export_statuses=table("quote", "export_statuses"),
        order_cancelled_codes=texts("order", "cancelled_codes"),
        order_completed_codes=texts("order", "completed_codes"),
        order_known_statuses=texts("order", "known_statuses"),
        order_export_statuses=table("order", "export_statuses"),
        account_export_cancelled=table("account", "export_cancelled"),
        sources=tuple(sources),
    )
