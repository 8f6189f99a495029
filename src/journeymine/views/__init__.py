"""Pictures of results: renderers are plugins, and :func:`render` picks one.

A renderer turns a result object (a :class:`~journeymine.DFG`, :class:`~journeymine.Variants`,
:class:`~journeymine.JourneyMapResult`, or a plugin's own result) into a picture or a document in
one of its formats. It is registered through the hook ``journeymine_register_renderers``, exactly
as the built-ins are (``journeymine.views.processmap``, ``.variantview``, ``.journeyview``):

.. code-block:: python

    class MyRenderer:
        name = "my-map"                 # unique among renderers
        handles = (jm.DFG,)             # the result types it draws
        formats = ("svg",)              # the formats it writes: text formats give str, others bytes
        options = ("segment",)          # the keyword options render() takes, besides format

        def render(self, result, *, format="svg", **options):
            ...

    @journeymine.hookimpl
    def journeymine_register_renderers(register):
        register(MyRenderer())

:func:`journeymine.testing.check_renderer` is the contract every renderer must pass (the
built-ins do): deterministic output, untrusted text escaped, unknown options refused.

Rules for choosing: ``renderer=NAME`` picks one by name; otherwise the renderer whose ``default_for``
names the result's type (the built-in view of that type), else the only renderer that handles it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from journeymine.errors import ArgumentError

__all__ = ["BINARY_FORMATS", "Renderer", "render", "renderer_for", "write_output"]

#: formats whose output is bytes; every other format is text (str)
BINARY_FORMATS = frozenset({"png", "pdf"})


@runtime_checkable
class Renderer(Protocol):
    """What a renderer plugin provides.

    Attributes
    ----------
    name : str
        Its name, unique among renderers (``"process-map"``).
    handles : tuple of type
        The result types it can draw; a result is drawn when it is an instance of one of them.
    formats : tuple of str
        The formats it writes (``"dot"``, ``"svg"``, ``"png"``, ``"html"``); the first is its
        default. ``png`` and ``pdf`` are bytes, every other format is text.
    options : tuple of str
        The keyword options ``render`` takes besides ``format``; others are refused by
        :func:`render` with a message listing these.
    default_for : tuple of str, optional
        Names of result types (``("DFG",)``) it is the default view of; built-ins set it, a
        plugin usually leaves it out (then it is chosen by ``renderer=NAME``).
    """

    name: str
    handles: tuple[type, ...]
    formats: tuple[str, ...]
    options: tuple[str, ...]

    def render(self, result: Any, *, format: str, **options: Any) -> str | bytes:
        """Draw ``result`` in ``format``; the same input gives byte-identical output."""
        ...


def renderer_for(result: Any, renderer: str | Renderer | None = None) -> Renderer:
    """The renderer that draws ``result``: the one named, else the default for its type.

    Examples
    --------
    >>> import journeymine as jm
    >>> dfg = jm.discover_dfg(jm.datasets.load_demo_log())
    >>> renderer_for(dfg).name
    'process-map'
    """
    from journeymine.registry import renderers

    registry = renderers()
    if renderer is not None and not isinstance(renderer, str):
        return renderer
    kind = type(result).__name__
    if isinstance(renderer, str):
        chosen: Renderer = registry[renderer]
        if not isinstance(result, tuple(chosen.handles)):
            kinds = ", ".join(t.__name__ for t in chosen.handles)
            raise ArgumentError(
                f"the renderer {renderer!r} draws {kinds}, not a {kind}; pass renderer=... "
                f"(for a {kind}: {', '.join(_handling(result)) or 'none'})"
            )
        return chosen
    candidates = [registry[name] for name in _handling(result)]
    if not candidates:
        raise ArgumentError(
            f"no renderer draws a {kind}; renderers: {', '.join(registry) or 'none'} "
            f"(run `journeymine plugins` to see what is installed)"
        )
    defaults = [r for r in candidates if kind in tuple(getattr(r, "default_for", ()))]
    if defaults:
        return sorted(defaults, key=lambda r: r.name)[0]
    if len(candidates) == 1:
        return candidates[0]
    names = ", ".join(r.name for r in candidates)
    raise ArgumentError(f"several renderers draw a {kind} ({names}); pass renderer=... to choose one")


def _handling(result: Any) -> list[str]:
    from journeymine.registry import renderers

    registry = renderers()
    return [name for name in registry if isinstance(result, tuple(registry[name].handles))]


def render(
    result: Any,
    format: str | None = None,
    *,
    path: str | Path | None = None,
    renderer: str | Renderer | None = None,
    **options: Any,
) -> str | bytes:
    """Draw a result: a process map of a DFG, the variant view, the journey-map picture, ...

    Parameters
    ----------
    result : DFG, Variants, JourneyMapResult, or a plugin's result
    format : str, optional
        ``"svg"``, ``"dot"``, ``"png"``, ``"html"``, ... as the renderer offers; by default the
        ending of ``path``, else the renderer's first format.
    path : str or Path, optional
        Also write the output there (text as UTF-8).
    renderer : str or Renderer, optional
        A renderer by name (``"process-map"``, ``"variants"``, ``"journey-map"``) or an instance;
        by default the built-in view of the result's type.
    **options
        The renderer's options (see its ``options``), e.g. ``measure="median"``, ``detail=0.8``,
        ``segment="mover"`` for the process map.

    Returns
    -------
    str or bytes
        Text for text formats (DOT, SVG, HTML), bytes for PNG and PDF.

    Examples
    --------
    >>> import journeymine as jm
    >>> dfg = jm.discover_dfg(jm.datasets.load_demo_log())
    >>> jm.render(dfg, "dot").startswith("digraph")
    True
    >>> jm.render(dfg, "gif")
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: the renderer 'process-map' writes dot, svg, png, not 'gif'; ...
    """
    chosen = renderer_for(result, renderer)
    if format is None:
        format = Path(path).suffix.lower().lstrip(".") if path is not None else ""
        format = format or chosen.formats[0]
    if format not in chosen.formats:
        raise ArgumentError(
            f"the renderer {chosen.name!r} writes {', '.join(chosen.formats)}, not {format!r}; "
            "pass format=..."
        )
    unknown = sorted(set(options) - set(chosen.options))
    if unknown:
        accepted = ", ".join(f"{o}=" for o in chosen.options) or "none"
        raise ArgumentError(
            f"the renderer {chosen.name!r} does not take {', '.join(f'{u}=' for u in unknown)}; "
            f"its options: {accepted}"
        )
    out = chosen.render(result, format=format, **options)
    if path is not None:
        write_output(path, out)
    return out


def write_output(path: str | Path, out: str | bytes) -> None:
    """Write a renderer's output: bytes as they are, text as UTF-8."""
    target = Path(path)
    if isinstance(out, bytes):
        target.write_bytes(out)
    else:
        target.write_text(out, encoding="utf-8")
