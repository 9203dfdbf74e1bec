"""docs/configuration.md holds the reference the config models generate, never a stale copy."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tradingagents.config import DiscoveryConfig

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    # The script itself, in-process: the same code as running it.
    spec = importlib.util.spec_from_file_location(
        "config_reference", REPO / "scripts" / "config_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_reference_is_the_generated_one(reference: ModuleType) -> None:
    committed = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert reference.updated(committed) == committed, (
        "docs/configuration.md is stale: the config models changed since it was generated; "
        f"run `{reference.COMMAND}` and commit the result"
    )


def test_every_setting_is_a_row_with_its_type_default_and_description(
    reference: ModuleType,
) -> None:
    text = reference.render()
    assert (
        "| `scanner_execution.max_workers` | int, > 0, <= 1024 | `8` "
        "| At most this many scanners run at once. |"
    ) in text
    assert '| `source.mode` | "replay" or "live" | `"replay"` |' in text
    assert "| `providers.<provider>.max_bytes` | int, > 0 | `20971520` |" in text
    assert "| `scanners.<name>.<param>` | per scanner |" in text
    # The built-in tables are the defaults of their fields, shown there.
    assert (
        '| `resilience.rate_limits` | table by `<provider>` | `{"sec_edgar": {"per_second": 10.0},'
        in text
    )
    assert '"alpha_vantage:*": 21600.0' in text
    assert '`["AAPL", "MSFT",' in text
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len({line.split(" | ")[0] for line in rows})  # each key once
    assert not [line for line in rows if line.endswith("|  |")]  # each has a description
    for section in DiscoveryConfig.model_fields:
        assert f"`{section}" in text


def test_the_script_rewrites_only_its_part_and_check_reports_a_stale_file(
    reference: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "configuration.md"
    stale = f"# Mine\n\nkept\n\n{reference.BEGIN}\n| old |\n{reference.END}\n\nalso kept\n"
    doc.write_text(stale, encoding="utf-8")
    assert reference.main(["--doc", str(doc), "--check"]) == 1
    assert "is stale: run" in capsys.readouterr().err
    assert doc.read_text(encoding="utf-8") == stale
    assert reference.main(["--doc", str(doc)]) == 0
    fresh = doc.read_text(encoding="utf-8")
    assert fresh.startswith("# Mine\n\nkept\n\n") and fresh.endswith("\n\nalso kept\n")
    assert "| old |" not in fresh
    assert reference.main(["--doc", str(doc), "--check"]) == 0
