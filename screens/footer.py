"""A Footer that shows a screen's most important keys first.

Textual's Footer lists the keys in the order of the bindings' chain (the focused widget's, the
screen's, then the app's), so on a narrow terminal the app's ``q`` Quit and ``?`` Help are the
first cut. A screen names its keys' order in ``FOOTER_ORDER`` (actions, most important first);
the keys it does not name follow in their usual order. Keys with ``show=False`` stay out of the
Footer but remain in Help (``?``) and the command palette."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def footer_rank(order: Sequence[str], action: str) -> int:
    """Where an action stands in a screen's Footer: its place in ``order``, else after them."""
    bare = action.removeprefix("app.").removeprefix("screen.")
    return order.index(bare) if bare in order else len(order)


class KeyFooter(Footer):
    """The Footer, its keys in the order the screen's ``FOOTER_ORDER`` gives."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        order: Sequence[str] = getattr(self.screen, "FOOTER_ORDER", ())
        active = self.screen.active_bindings
        shown: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = (binding, enabled, tooltip)
        ranked = sorted(shown.items(), key=lambda item: footer_rank(order, item[0]))
        self.styles.grid_size_columns = len(ranked)
        for action, (binding, enabled, tooltip) in ranked:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                _node, binding, enabled, _tooltip = palette
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )
