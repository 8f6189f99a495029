"""Engines: the ``Engine`` protocol and the built-in DuckDB engine (itself a plugin)."""

from __future__ import annotations

from journeymine.engines.base import Engine, EngineFactory, LogStats, Relation

__all__ = ["Engine", "EngineFactory", "LogStats", "Relation"]
