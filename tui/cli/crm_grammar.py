"""The command line's grammar for the CRM round trip: ``import salesforce`` (a Salesforce data
export in) and ``export salesforce`` (what the team lead resolved, back out). tui.cli.parser
builds the rest and calls ``add_crm_commands``.

Like the rest of the grammar, each command names its handler as "module:function" in
tui.cli.commands, loaded only when that command runs: nothing here imports a command module
(nor data.crm)."""

from __future__ import annotations

from typing import Any

from tui.cli.case_grammar import Command, command_group

MAPPING_HELP = (
    "a TOML file whose settings replace the default mapping's (data/crm/salesforce.toml, "
    "documented there); unknown keys are refused with their line"
)


def add_crm_commands(commands: Any, command: Command, shared: Any) -> None:
    """``import salesforce`` and ``export salesforce``."""
    add_import_commands(commands, command, shared)
    add_export_commands(commands, command, shared)


def add_import_commands(commands: Any, command: Command, shared: Any) -> None:
    """``offboard import salesforce DIR``: tui/cli/commands/crm.py."""
    import_commands = command_group(
        commands,
        shared,
        "import",
        "import customers and their records from a CRM export",
        metavar="CRM",
        title="CRMs",
    )
    sub = command(
        import_commands,
        "salesforce",
        "crm:cmd_import_salesforce",
        "import a Salesforce data export (a folder of object CSVs: Account.csv and any of "
        "User, Asset, Case, Opportunity, Quote, Order): all or nothing; again to re-sync",
    )
    sub.add_argument(
        "folder", metavar="DIR", help="the folder the export was unpacked to (holds Account.csv)"
    )
    sub.add_argument(
        "--dry-run",
        action="store_true",
        help="check the export and report what would change; write nothing",
    )
    sub.add_argument(
        "--json",
        action="store_true",
        help="print the summary as one JSON object (a refused import's too, with its errors)",
    )
    sub.add_argument("--mapping", metavar="FILE.toml", help=MAPPING_HELP)


def add_export_commands(commands: Any, command: Command, shared: Any) -> None:
    """``offboard export salesforce DIR``: tui/cli/commands/crm_export.py."""
    export_commands = command_group(
        commands,
        shared,
        "export",
        "export what was resolved in offboard back to a CRM",
        metavar="CRM",
        title="CRMs",
    )
    sub = command(
        export_commands,
        "salesforce",
        "crm_export:cmd_export_salesforce",
        "write what the team lead resolved in offboard (assets ceased, cases, opportunities, "
        "quotes and orders closed, accounts cancelled or given a new owner) as Data Loader "
        "update files keyed by Id: Asset.csv, Case.csv, Opportunity.csv, Quote.csv, Order.csv, "
        "Account.csv",
    )
    sub.add_argument(
        "folder", metavar="DIR", help="the folder to write the files to (made if missing)"
    )
    sub.add_argument(
        "--since",
        metavar="DATE",
        help="only what was resolved on or after DATE (UTC), such as 2026-11-01 or -7d",
    )
    sub.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    sub.add_argument("--mapping", metavar="FILE.toml", help=MAPPING_HELP)
