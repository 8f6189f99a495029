"""The docs site: no page left out of the navigation, no API reference entry naming nothing.

The site itself is built (strictly) as a separate CI step; these checks need no docs tools.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
import yaml

from helpers import ROOT

DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"
DIRECTIVE = re.compile(r"^::: *(\S+)", re.MULTILINE)


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may hold tags for mkdocs (``!ENV``, ``!!python/name:``): read them as None."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def _nav_pages(entry: Any) -> list[str]:
    if isinstance(entry, str):
        return [entry]
    if isinstance(entry, list):
        return [page for item in entry for page in _nav_pages(item)]
    if isinstance(entry, dict):
        return [page for value in entry.values() for page in _nav_pages(value)]
    return []


def _resolve(name: str) -> object:
    """Import ``a.b.c`` as mkdocstrings would find it: the longest importable module, then attributes."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(name)


def _directives() -> list[tuple[str, str]]:
    return [
        (page.relative_to(DOCS).as_posix(), name)
        for page in sorted(REFERENCE.glob("*.md"))
        for name in DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    ]


def test_nav_lists_every_page_and_only_existing_ones() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    nav = _nav_pages(config["nav"])
    pages = sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))
    assert sorted(set(pages) - set(nav)) == [], "pages missing from the nav in mkdocs.yml"
    assert sorted(set(nav) - set(pages)) == [], "nav entries in mkdocs.yml without a page"
    assert len(nav) == len(set(nav)), "a page listed twice in the nav"


def test_the_reference_documents_the_api() -> None:
    names = {name for _, name in _directives()}
    assert {"journeymine.read_events", "journeymine.discover_dfg", "journeymine.errors"} <= names


@pytest.mark.parametrize(("page", "name"), _directives(), ids=lambda value: value)
def test_reference_directive_names_an_importable_object(page: str, name: str) -> None:
    assert name.startswith("journeymine"), f"{page}: '::: {name}' is not journeymine's"
    try:
        _resolve(name)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"{page}: '::: {name}' names nothing importable: {error}")
