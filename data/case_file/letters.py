"""An e-mail's body as the case file shows it: in HTML as its recipient saw it (the Markdown
rendered as ``data.outbox`` renders it, its values escaped already; an image shown by its
description, so the file loads nothing from elsewhere), and as readable plain text for the
Markdown case file (headings, lists and links as a letter reads them, no Markdown marks left
to be read as the case file's own formatting). Control characters a stored body still holds
are written out as ``\\x1b`` in both."""

from __future__ import annotations

import functools
import html as html_text
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from data.text import printable

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.tree import SyntaxTreeNode


@functools.cache
def _markdown() -> MarkdownIt:
    # As data.outbox renders a message: CommonMark, raw HTML shown as text, no linkify.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.add_render_rule("image", _image_as_text)
    return md


def _image_as_text(self: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
    token = tokens[index]
    alt = "".join(child.content for child in token.children or ())
    return f"[image: {html_text.escape(alt or str(token.attrGet('src') or ''))}]"


def letter_html(body: str) -> str:
    """The body rendered to HTML, as the e-mail's HTML part shows it."""
    return printable(str(_markdown().render(str(body))))


def letter_text(body: str) -> str:
    """The body as plain text a person reads: paragraphs, headings underlined, list items with
    their marks, a link as its text and then its address."""
    from markdown_it.tree import SyntaxTreeNode

    tree = SyntaxTreeNode(_markdown().parse(str(body)))
    return printable("\n\n".join(_blocks(tree.children)).strip("\n"))


def _blocks(nodes: Sequence[SyntaxTreeNode]) -> list[str]:
    blocks: list[str] = []
    for node in nodes:
        kind = node.type
        if kind == "paragraph":
            blocks.append(_inline(node))
        elif kind == "heading":
            text = _inline(node)
            line = "=" if node.tag == "h1" else "-"
            blocks.append(f"{text}\n{line * max(3, len(text.splitlines()[-1] if text else ''))}")
        elif kind in ("bullet_list", "ordered_list"):
            blocks.append(_list(node))
        elif kind == "blockquote":
            inner = "\n\n".join(_blocks(node.children))
            blocks.append("\n".join(f"> {line}".rstrip() for line in inner.split("\n")))
        elif kind in ("fence", "code_block"):
            blocks.append(
                "\n".join(f"    {line}" for line in node.content.rstrip("\n").split("\n"))
            )
        elif kind == "hr":
            blocks.append("-" * 24)
        else:  # html_block (not rendered: shown as its text) and anything else there may be
            blocks.append(node.content.rstrip("\n") or _inline(node))
    return blocks


def _list(node: SyntaxTreeNode) -> str:
    start = int(str(node.attrs.get("start", 1)))
    items: list[str] = []
    for number, item in enumerate(node.children, start):
        mark = f"{number}. " if node.type == "ordered_list" else "- "
        lines = "\n".join(_blocks(item.children)).split("\n")
        pad = " " * len(mark)
        items.append(
            "\n".join([mark + lines[0], *(pad + line if line else "" for line in lines[1:])])
        )
    return "\n".join(items)


def _inline(node: SyntaxTreeNode) -> str:
    parts: list[str] = []
    for child in node.children:
        kind = child.type
        if kind in ("text", "code_inline", "html_inline", "text_special"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            alt = _inline(child)
            parts.append(f"[image: {alt or child.attrs.get('src', '')}]")
        elif kind == "link":
            text = _inline(child)
            href = str(child.attrs.get("href", ""))
            shown = href.removeprefix("mailto:")
            parts.append(text if not href or shown == text else f"{text} ({href})")
        else:  # inline, strong, em: their text
            parts.append(_inline(child))
    return "".join(parts)
