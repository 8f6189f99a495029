"""A Griffe extension: the reStructuredText inside numpydoc docstrings, as Markdown.

journeymine's docstrings follow numpydoc, whose text is reStructuredText; mkdocstrings renders
docstrings as Markdown. Four RST constructs are common here and would otherwise render wrongly:

- Sphinx cross-reference roles, ``:func:`combine``` or ``:class:`~journeymine.EventLog```, would
  show as literal text. Each becomes an optional mkdocs-autorefs reference: a link where the target
  is on the site, plain code where it is not (no warning, so ``--strict`` still passes). Names are
  resolved as Sphinx does, from the docstring's object (``combine`` in ``journeymine.connect`` is
  ``journeymine.connect.combine``); ``~`` shows only the last component.
- Doctest blocks outside an ``Examples`` section (a module docstring opening with ``>>>``) would
  become nested block quotes; they are fenced as ``pycon`` code.
- RST definition lists (a term, then its definition indented below it) would run together into
  one paragraph; they become Markdown definition lists (the ``def_list`` extension).
- A paragraph ending in ``::`` (the literal block that follows is already code in Markdown) keeps
  one colon.

No maintained Griffe extension does this (griffe-sphinx reads ``#:`` comments, not roles), hence
this one. Configured in mkdocs.yml (plugins > mkdocstrings > python > options > extensions) and
left out of the built site by ``exclude_docs``.
"""

from __future__ import annotations

import html
import re
from typing import Any

try:
    from griffe import Alias, Extension
except ImportError:  # imported by pytest's --doctest-modules where the docs tools are not installed
    Alias = Extension = object  # type: ignore[misc,assignment]

__all__ = ["NumpydocRst", "rst_to_markdown"]

# :func:`name`, :py:class:`~a.b.C`, :meth:`title <a.b.C.m>`
ROLE = re.compile(r":(?:py:)?(?P<role>func|class|meth|attr|mod|data|exc|obj|const):`(?P<body>[^`]+)`")
EXPLICIT = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$")
UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
DOCTEST_FLAG = re.compile(r"\s*#\s*doctest:.*$")
DEFINITION = re.compile(r"^ {4}\S")
LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)]|>>>)\s")
# the text Griffe leaves to Markdown: before the first numpydoc section, and these sections
FREE_TEXT = {None, "Notes", "References", "Warnings"}


def _target(obj: Any, name: str) -> str | None:
    """The full path of ``name`` as seen from ``obj``, or None when it cannot be resolved."""
    name = name.strip().rstrip("()")
    first, _, rest = name.partition(".")
    if obj is None or first == obj.package.name:
        return name
    scope = obj
    while scope is not None:
        try:
            resolved = scope.resolve(first)
        except Exception:  # NameResolutionError, or an alias that does not resolve
            scope = scope.parent
            continue
        return f"{resolved}.{rest}" if rest else resolved
    return None


def _role(obj: Any, match: re.Match[str]) -> str:
    body = match["body"].strip()
    explicit = EXPLICIT.match(body)
    if explicit:
        title, name = explicit["title"], explicit["target"]
    else:
        name = body.lstrip("~")
        title = name.rsplit(".", 1)[-1] if body.startswith("~") else name
        if match["role"] in ("func", "meth") and not title.endswith(")"):
            title += "()"  # as Sphinx shows them
    code = f"<code>{html.escape(title)}</code>"
    target = _target(obj, name.lstrip("~"))
    if target is None:
        return code
    return f'<autoref identifier="{html.escape(target)}" optional>{code}</autoref>'


def _blocks(lines: list[str]) -> list[str]:
    """Fence doctest blocks outside Examples sections, turn RST definition lists into Markdown
    ones (the ``def_list`` extension), and ``text::`` into ``text:``."""
    out: list[str] = []
    section = None
    after_definition = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and line.strip() and UNDERLINE.match(lines[i + 1]):
            section = line.strip()
        starts_block = not out or not out[-1].strip() or after_definition
        after_definition = False
        if section != "Examples" and starts_block and line.lstrip().startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(DOCTEST_FLAG.sub("", lines[i]))  # as mkdocstrings does in Examples
                i += 1
            out.append(f"{indent}```")
            continue
        if (
            section in FREE_TEXT
            and starts_block
            and line.strip()
            and not line[0].isspace()
            and not LIST_ITEM.match(line)
            and not line.rstrip().endswith("::")
            and i + 1 < len(lines)
            and DEFINITION.match(lines[i + 1])
        ):
            # an RST definition list item: "term" then its indented definition; the items follow
            # one another without blank lines, Markdown's need one
            if out and out[-1].strip():
                out.append("")
            out.append(line)
            i += 1
            out.append(":   " + lines[i].lstrip())
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i][0].isspace()):
                if not lines[i].strip() and (i + 1 == len(lines) or not lines[i + 1][:1].isspace()):
                    break
                out.append(lines[i])
                i += 1
            after_definition = True
            continue
        if line.rstrip().endswith("::") and i + 1 < len(lines) and not lines[i + 1].strip():
            raw = line.rstrip()
            # RST: "text::" shows "text:"; "text ::" and a lone "::" show no colon
            line = raw[:-2].rstrip() if raw.lstrip() == "::" or raw.endswith(" ::") else raw[:-1]
        out.append(line)
        i += 1
    return out


def rst_to_markdown(text: str, obj: Any = None) -> str:
    """The docstring ``text`` of ``obj`` with its RST roles, doctest and literal blocks as Markdown.

    Examples
    --------
    >>> rst_to_markdown("See :func:`~journeymine.read_events`.")
    'See <autoref identifier="journeymine.read_events" optional><code>read_events()</code></autoref>.'
    >>> rst_to_markdown("For example::\\n\\n    x = 1")
    'For example:\\n\\n    x = 1'
    >>> rst_to_markdown(">>> 1 + 1\\n2")
    '```pycon\\n>>> 1 + 1\\n2\\n```'
    >>> rst_to_markdown("Terms:\\n\\nshare\\n    Of the customers.\\n    Of all.\\nn\\n    Count.\\n\\nEnd.")
    'Terms:\\n\\nshare\\n:   Of the customers.\\n    Of all.\\n\\nn\\n:   Count.\\n\\nEnd.'
    """
    text = ROLE.sub(lambda match: _role(obj, match), text)
    return "\n".join(_blocks(text.split("\n")))


class NumpydocRst(Extension):
    """Rewrite every docstring of the package once it is loaded (names then resolve)."""

    def on_package(self, *, pkg: Any, **kwargs: Any) -> None:
        stack = [pkg]
        seen: set[int] = set()
        while stack:
            obj = stack.pop()
            if isinstance(obj, Alias) or id(obj) in seen:
                continue
            seen.add(id(obj))
            if obj.docstring is not None:
                obj.docstring.value = rst_to_markdown(obj.docstring.value, obj)
            stack.extend(obj.members.values())
