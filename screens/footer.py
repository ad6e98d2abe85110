"""A Footer that shows a screen's most important keys, as many as fit, and never a cut label.

Textual's Footer lists the keys in the order of the bindings' chain (the focused widget's, the
screen's, then the app's) and cuts the line at the terminal's edge, in the middle of a label.
A screen names its keys' order in ``FOOTER_ORDER`` (actions, most important first); the keys it
does not name follow in their usual order. When they do not all fit, the Footer takes the short
labels (``SHORT_LABELS``) and shows the most important keys that fit, and always ``?`` Help
(which lists every key of the screen). Keys with ``show=False`` stay out of the Footer but
remain in Help and the command palette."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# The key the Footer always shows: Help lists the keys it has no room for.
KEPT = "help"

# A key's label in the Footer when the full labels do not all fit (80 columns), by its
# description; a label not named here is short enough as it is.
SHORT_LABELS: Mapping[str, str] = {
    "Resume pending": "Resume",
    "Filter status": "Filter",
    "Filter kind": "Filter",
    "Begin Cancellation": "Begin",
    "View cancellation": "View",
    "Audit trail": "Audit",
    "Save attempt": "Save",
    "E-mail admin": "E-mail",
    "Go to tool": "Tool",
    "Effective date": "Effective",
    "Mine / everyone's": "Mine",
    "Next page": "Next",
    "Previous page": "Previous",
    "Open request": "Open",
    "Export CSV": "Export",
    "Queue e-mail": "Queue",
    "Check (dry run)": "Check",
}


@dataclass(frozen=True)
class FooterEntry:
    """One key the Footer may show: its key, how it is written, its label and action."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str

    @property
    def short(self) -> str:
        return SHORT_LABELS.get(self.description, self.description)


def key_width(display: str, label: str) -> int:
    """The cells a FooterKey takes (Textual's style): `` k `` then ``label `` (a key without a
    label is written alone)."""
    return cell_len(display) + 2 + cell_len(label) + 1 if label else cell_len(display)


def bare(action: str) -> str:
    """An action without its namespace (``app.help`` is ``help``)."""
    return action.removeprefix("app.").removeprefix("screen.")


def footer_rank(order: Sequence[str], action: str) -> int:
    """Where an action stands in a screen's Footer: its place in ``order``, else after them."""
    name = bare(action)
    return order.index(name) if name in order else len(order)


def choose(entries: Sequence[FooterEntry], width: int) -> tuple[list[FooterEntry], bool]:
    """The keys shown in ``width`` cells (``entries`` are most important first) and whether
    they take their short labels: all of them, in full, when they fit; else the most important
    ones that fit with short labels, and the kept key (Help) whatever else gives way."""
    if sum(key_width(e.display, e.description) for e in entries) <= width:
        return list(entries), False
    kept = [e for e in entries if bare(e.action) == KEPT]
    room = width - sum(key_width(e.display, e.short) for e in kept)
    shown: set[str] = {e.action for e in kept}
    for entry in entries:
        if entry.action in shown:
            continue
        needed = key_width(entry.display, entry.short)
        if needed > room:
            break
        shown.add(entry.action)
        room -= needed
    return [e for e in entries if e.action in shown], True


class KeyFooter(Footer):
    """The Footer: the screen's keys by ``FOOTER_ORDER``, as many as fit its width whole."""

    def __init__(self) -> None:
        super().__init__()
        # What the Footer shows now (actions and whether short): it recomposes on a resize
        # only when that changes.
        self.layout_now: tuple[tuple[str, ...], bool] = ((), False)

    def entries(self) -> list[FooterEntry]:
        """The keys this screen's Footer may show, most important first."""
        order: Sequence[str] = getattr(self.screen, "FOOTER_ORDER", ())
        found: dict[str, FooterEntry] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in found:
                found[binding.action] = FooterEntry(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    enabled,
                    tooltip,
                )
        return sorted(found.values(), key=lambda entry: footer_rank(order, entry.action))

    def palette(self) -> FooterEntry | None:
        """The command palette's key, shown at the right edge (when the app has one)."""
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        active = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if active is None:
            return None
        _node, binding, enabled, _tooltip = active
        return FooterEntry(
            binding.key,
            self.app.get_key_display(binding),
            binding.description,
            binding.action,
            enabled,
            binding.tooltip or binding.description,
        )

    def layout_at(self, width: int) -> tuple[list[FooterEntry], bool, FooterEntry | None]:
        """The keys shown at ``width`` cells, whether short, and the palette's key."""
        palette = self.palette()
        # The palette's key: its border and right padding besides the key itself.
        room = width - (key_width(palette.display, palette.description) + 2 if palette else 0)
        shown, short = choose(self.entries(), room)
        return shown, short, palette

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        shown, short, palette = self.layout_at(self._width())
        self.layout_now = (tuple(e.action for e in shown), short)
        self.styles.grid_size_columns = len(shown)
        for entry in shown:
            yield FooterKey(
                entry.key,
                entry.display,
                entry.short if short else entry.description,
                entry.action,
                disabled=not entry.enabled,
                # The full label, and what the key does, when the Footer shows the short one.
                tooltip=entry.tooltip or (entry.description if short else ""),
            ).data_bind(compact=Footer.compact)
        if palette is not None:
            yield FooterKey(
                palette.key,
                palette.display,
                palette.description,
                palette.action,
                classes="-command-palette",
                disabled=not palette.enabled,
                tooltip=palette.tooltip,
            )

    def on_resize(self, event: events.Resize) -> None:
        if not self._bindings_ready:
            return
        shown, short, _palette = self.layout_at(event.size.width)
        if (tuple(e.action for e in shown), short) != self.layout_now:
            self.call_after_refresh(self.recompose)
