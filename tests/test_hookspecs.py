"""Every hook is typed, documented in docs/plugins.md with its real signature, and tested; the
documented connector example passes the conformance kit."""

from __future__ import annotations

import inspect
import re
import sys
import types
from pathlib import Path

import pytest

from journeymine import hookspecs

ROOT = Path(__file__).resolve().parents[1]
PLUGINS_MD = ROOT / "docs" / "plugins.md"
TESTING_MD = ROOT / "docs" / "testing.md"

#: the tests that call each hook through a real plugin (test file, test function)
HOOK_TESTS = {
    "journeymine_register_connectors": ("test_registry.py", "test_a_good_plugin_is_used_and_listed"),
    "journeymine_register_engines": (
        "test_registry.py",
        "test_a_malformed_object_is_left_out_with_one_warning",
    ),
    "journeymine_register_heuristics": ("test_registry.py", "test_hooks_are_called_through_pluggy"),
    "journeymine_register_report_sections": (
        "test_report.py",
        "test_sections_a_plugin_registers_appear_in_order",
    ),
    "journeymine_register_renderers": (
        "test_registry.py",
        "test_one_plugin_registering_a_name_twice_keeps_the_first",
    ),
    "journeymine_resolve_connector": (
        "test_registry.py",
        "test_claims_are_asked_of_third_party_plugins_first",
    ),
}


def hooks() -> list[str]:
    return sorted(name for name in hookspecs.__all__ if name.startswith("journeymine_"))


def signature(name: str) -> str:
    """The hookspec's signature as the docs write it: ``name(arg: Type, ...) -> Return``."""
    spec = inspect.signature(getattr(hookspecs, name))
    arguments = ", ".join(f"{p.name}: {p.annotation}" for p in spec.parameters.values())
    return f"{name}({arguments}) -> {spec.return_annotation}"


def sections(text: str) -> dict[str, str]:
    """The hook reference of docs/plugins.md: each ``### `name``` section's text."""
    parts = re.split(r"^### `([^`]+)`\s*$", text, flags=re.MULTILINE)
    found = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        found[name] = re.split(r"^#{1,3} ", body, flags=re.MULTILINE)[0]
    return found


def code_block(text: str, first_line: str) -> str:
    """The body of the fenced Python block whose first line is ``first_line``."""
    for block in re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        if block.startswith(first_line + "\n"):
            return block
    raise AssertionError(f"no ```python block starting with {first_line!r}")


def test_the_hook_names_are_all_the_specs():
    marked = sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "journeymine_spec"))
    assert hooks() == marked


@pytest.mark.parametrize("hook", hooks())
def test_every_hook_is_typed_and_has_a_docstring(hook):
    function = getattr(hookspecs, hook)
    spec = inspect.signature(function)
    assert spec.return_annotation is not inspect.Signature.empty, f"{hook} needs a return type"
    for parameter in spec.parameters.values():
        assert parameter.annotation is not inspect.Parameter.empty, f"{hook}({parameter.name}) needs a type"
    assert function.__doc__ and len(function.__doc__) > 40, f"{hook} needs a docstring"


def documented(body: str, hook: str) -> tuple[str, bool, str]:
    """(signature, first result wins?, description) of a hook's section: its first paragraph is
    the signature in backticks, optionally followed by ``(first result wins)``."""
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    match = re.fullmatch(r"`([^`]+)`( \(first result wins\))?", paragraphs[0]) if paragraphs else None
    assert match, f"the section of {hook} in docs/plugins.md must start with its signature in backticks"
    return match.group(1), bool(match.group(2)), " ".join(paragraphs[1:2])


@pytest.mark.parametrize("hook", hooks())
def test_every_hook_has_a_section_with_its_signature(hook):
    found = sections(PLUGINS_MD.read_text())
    assert hook in found, f"docs/plugins.md needs a section '### `{hook}`'"
    written, firstresult, description = documented(found[hook], hook)
    assert written == signature(hook), (
        f"docs/plugins.md documents {written!r}; the hookspec is {signature(hook)!r}"
    )
    spec = getattr(hookspecs, hook)
    assert firstresult == bool(spec.journeymine_spec.get("firstresult")), (
        f"{hook}: '(first result wins)' must follow the signature exactly when the hookspec is firstresult"
    )
    assert description.startswith("Reserved.") == spec.__doc__.startswith("Reserved"), (
        f"{hook}: the docs and the hookspec must agree on whether the hook is reserved"
    )


def test_the_docs_document_no_hook_that_does_not_exist():
    assert sorted(sections(PLUGINS_MD.read_text())) == hooks()


def test_the_signature_check_notices_a_difference():
    text = PLUGINS_MD.read_text().replace(
        "`journeymine_resolve_connector(source: Any) -> str | None`",
        "`journeymine_resolve_connector(source: Any, engine: str) -> str | None`",
    )
    hook = "journeymine_resolve_connector"
    assert documented(sections(text)[hook], hook)[0] != signature(hook)


@pytest.mark.parametrize("hook", hooks())
def test_every_hook_has_a_test(hook):
    assert hook in HOOK_TESTS, f"name the test that calls {hook} through a plugin in HOOK_TESTS"
    file, function = HOOK_TESTS[hook]
    source = (ROOT / "tests" / file).read_text()
    match = re.search(rf"^def {function}\(.*?(?=^def |\Z)", source, flags=re.MULTILINE | re.DOTALL)
    assert match, f"tests/{file} has no test {function}"
    helpers = "connector_plugin(" in match.group(0) or "MALFORMED" in match.group(0)
    assert hook.removeprefix("journeymine_") in match.group(0) or helpers, f"{function} does not use {hook}"


def test_the_documented_connector_passes_the_conformance_kit(tmp_path, monkeypatch):
    from journeymine.testing.conformance import check_connector

    plugin = types.ModuleType("journeymine_jsonl.plugin")
    plugin.__file__ = str(PLUGINS_MD)
    exec(
        compile(code_block(PLUGINS_MD.read_text(), "# journeymine_jsonl/plugin.py"), str(PLUGINS_MD), "exec"),
        plugin.__dict__,
    )
    package = types.ModuleType("journeymine_jsonl")
    package.plugin = plugin
    monkeypatch.setitem(sys.modules, "journeymine_jsonl", package)
    monkeypatch.setitem(sys.modules, "journeymine_jsonl.plugin", plugin)
    tests: dict[str, object] = {}
    exec(
        compile(code_block(TESTING_MD.read_text(), "# tests/test_conformance.py"), str(TESTING_MD), "exec"),
        tests,
    )
    check_connector(plugin.JsonLinesConnector(), tests["write_jsonl"], directory=tmp_path, examples=5)
    assert plugin.journeymine_register_connectors.journeymine_impl is not None  # a marked hook
