"""What an import did (or, on a dry run, would do), per Salesforce object: rows read, added,
updated, unchanged, skipped as deleted, resolved here and gone from the CRM; as JSON for
``--json`` and as lines of text for a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ObjectSummary:
    """One object's file (``Account``, ``Case``…): what became of its rows."""

    object: str
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_deleted: int = 0
    # Resolved in offboard (ceased, closed, cancelled) while the export still shows it open:
    # kept resolved, and not yet in the CRM.
    resolved_here: int = 0
    # Imported before, and not in this export: reported, never deleted.
    gone_from_crm: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "object": self.object,
            "read": self.read,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped_deleted,
            "resolved_here": self.resolved_here,
            "gone": self.gone_from_crm,
        }


@dataclass
class ImportSummary:
    """The whole run: each object's summary, in the order imported, and the errors (none when
    the import went through)."""

    objects: list[ObjectSummary] = field(default_factory=list)
    dry_run: bool = False
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "objects": [summary.as_json() for summary in self.objects],
            "errors": list(self.errors),
        }

    @property
    def changed(self) -> int:
        """How many rows were (or would be) added or updated."""
        return sum(summary.added + summary.updated for summary in self.objects)

    def lines(self) -> list[str]:
        """The summary as a person reads it: one line per object, then what it comes to."""
        heading = "Dry run: nothing was written." if self.dry_run else "Imported."
        lines = [heading]
        for s in self.objects:
            parts = [
                f"{s.read:,} read",
                f"{s.added:,} added",
                f"{s.updated:,} updated",
                f"{s.unchanged:,} unchanged",
            ]
            if s.skipped_deleted:
                parts.append(f"{s.skipped_deleted:,} skipped (deleted)")
            if s.resolved_here:
                parts.append(f"{s.resolved_here:,} resolved here, not yet in the CRM")
            if s.gone_from_crm:
                parts.append(f"{s.gone_from_crm:,} gone from the CRM (kept)")
            lines.append(f"  {s.object + ':':<13}{', '.join(parts)}")
        verb = "would change" if self.dry_run else "changed"
        lines.append(f"{self.changed:,} {'row' if self.changed == 1 else 'rows'} {verb}.")
        lines.extend(self.errors)
        return lines
