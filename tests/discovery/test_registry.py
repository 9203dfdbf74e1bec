"""Registration only through the entry-point group; what a Scanner class may declare."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import pytest

from tests.helpers import make_scanner, returning
from tradingagents.config import ScannerSettings
from tradingagents.discovery import (
    ENTRY_POINT_GROUP,
    ScanContext,
    Scanner,
    ScannerParams,
    load_registry,
)
from tradingagents.discovery.registry import instantiate
from tradingagents.errors import RegistryError
from tradingagents.graph.discovery_graph import DiscoveryGraph


class PluginScanner(Scanner):
    name = "plugin_scanner"
    pipeline = "plugins"

    def scan(self, ctx: ScanContext) -> list[Any]:
        return [{"ticker": "PLUG", "context": "from a plugin", "priority": "low"}]


NotAScanner = object()


def ep(name: str, target: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(
        name=name, value=f"tests.discovery.test_registry:{target}", group=ENTRY_POINT_GROUP
    )


def test_defining_a_scanner_registers_nothing() -> None:
    before = load_registry().names()
    make_scanner("same_name", returning("F"))
    make_scanner("same_name", returning("T"))  # the same name twice is fine too
    assert load_registry().names() == before
    assert "same_name" not in before


def test_entry_points_load_sorted_and_broken_ones_become_failures() -> None:
    registry = load_registry(
        [
            ep("plugin_scanner", "PluginScanner"),
            ep("not_a_scanner", "NotAScanner"),
            ep("wrong_name", "PluginScanner"),
            metadata.EntryPoint(
                name="missing", value="no_such_module_xyz:Scanner", group=ENTRY_POINT_GROUP
            ),
        ]
    )
    assert registry.names() == ["plugin_scanner"]
    reasons = {f.name: str(f.error) for f in registry.failures}
    assert set(reasons) == {"not_a_scanner", "wrong_name", "missing"}
    assert "is not a Scanner subclass" in reasons["not_a_scanner"]
    assert "the names must match" in reasons["wrong_name"]
    assert "failed to load" in reasons["missing"]


def test_a_broken_plugin_is_an_error_record_and_the_rest_still_runs() -> None:
    registry = load_registry(
        [
            ep("plugin_scanner", "PluginScanner"),
            metadata.EntryPoint(
                name="missing", value="no_such_module_xyz:S", group=ENTRY_POINT_GROUP
            ),
        ]
    )
    state = DiscoveryGraph(None, registry=registry).run("2026-11-27")
    runs = {r["name"]: r for r in state["scanner_runs"]}
    assert [r["name"] for r in state["scanner_runs"]] == ["missing", "plugin_scanner"]
    assert runs["missing"]["status"] == "error"
    assert runs["missing"]["error"]["type"] == "RegistryError"
    assert runs["plugin_scanner"]["status"] == "ok"
    assert [c["ticker"] for c in state["candidates"]] == ["PLUG"]


def test_instantiate_rejects_duplicates_and_non_scanners() -> None:
    a = make_scanner("dup", returning("F"))
    with pytest.raises(RegistryError, match="two scanners in one run are named 'dup'"):
        instantiate([a, a()])
    with pytest.raises(RegistryError):
        instantiate([object()])  # type: ignore[list-item]


@pytest.mark.parametrize(("attr", "value"), [("name", "Not-Snake"), ("pipeline", "Bad Pipeline")])
def test_names_must_be_snake_case(attr: str, value: str) -> None:
    with pytest.raises(RegistryError, match="snake_case"):
        type("Bad", (Scanner,), {attr: value, "scan": lambda self, ctx: []})


class GapParams(ScannerParams):
    min_gap_pct: float = 2.0


class Gappers(Scanner[GapParams]):
    name = "gappers"

    def scan(self, ctx: ScanContext) -> list[Any]:
        gap = self.params(ctx).min_gap_pct  # typed: no isinstance check needed
        return [{"ticker": "F", "priority": "low", "context": f"gapped {gap:g}%"}]


def test_the_type_argument_is_the_params_model() -> None:
    assert Gappers.Params is GapParams
    config = {"discovery": {"scanners": {"gappers": {"min_gap_pct": 5}}}}
    state = DiscoveryGraph(config, [Gappers]).run("2026-11-27")
    assert [c["context"] for c in state["candidates"]] == ["gapped 5%"]


def test_params_set_beside_a_type_argument_must_be_that_model_or_a_subclass() -> None:
    class Wider(GapParams):
        max_gap_pct: float = 9.0

    class Narrowed(Scanner[GapParams]):
        name = "narrowed"
        Params = Wider

        def scan(self, ctx: ScanContext) -> list[Any]:
            return []

    assert Narrowed.Params is Wider
    with pytest.raises(RegistryError, match="not the type argument GapParams"):

        class Mismatched(Scanner[GapParams]):
            name = "mismatched"
            Params = ScannerParams

            def scan(self, ctx: ScanContext) -> list[Any]:
                return []


def test_scanners_without_a_type_argument_keep_the_params_they_set_or_inherit() -> None:
    assert PluginScanner.Params is ScannerParams
    assert make_scanner("typed", returning("F"), params=GapParams).Params is GapParams

    class MoreGappers(Gappers):
        name = "more_gappers"

    assert MoreGappers.Params is GapParams


def test_the_config_scanner_settings_are_the_scanner_params_plus_extras() -> None:
    assert issubclass(ScannerSettings, ScannerParams)
    assert ScannerSettings().model_dump() == ScannerParams().model_dump()
    settings = ScannerSettings.model_validate({"limit": 3, "min_gap_pct": 5.0})
    assert (settings.enabled, settings.limit, settings.model_extra) == (
        True,
        3,
        {"min_gap_pct": 5.0},
    )
