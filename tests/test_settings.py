"""Settings layering (defaults < file < environment < flags), credentials and their errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import make_scanner, returning
from tradingagents.credentials import Credentials
from tradingagents.errors import ConfigError
from tradingagents.redaction import known_secrets
from tradingagents.settings import (
    environment_config,
    load_settings,
    read_config_file,
)

FILE_KEY = "fh-FROM-FILE-0a1b2c3d"
ENV_KEY = "fh-FROM-ENV-9z8y7x6w"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def workers(file: Path | None, env: dict[str, str], flag: int | None) -> int:
    overrides = {"discovery": {"scanner_execution": {"max_workers": flag}}} if flag else None
    settings = load_settings(file, overrides=overrides, environ=env)
    return settings.discovery.scanner_execution.max_workers


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", "[discovery.scanner_execution]\nmax_workers = 2\n")
    env = {"TRADINGAGENTS_SCANNER_EXECUTION__MAX_WORKERS": "3"}
    assert workers(None, {}, None) == 8  # the default
    assert workers(file, {}, None) == 2
    assert workers(file, env, None) == 3
    assert workers(file, env, 4) == 4
    assert workers(None, env, None) == 3
    settings = load_settings(file, overrides={"discovery": {"source": {}}}, environ=env)
    assert settings.layers == ("defaults", str(file), "environment")


def test_environment_values_are_read_by_type_and_nested_on_double_underscore() -> None:
    env = {
        "TRADINGAGENTS_SCANNER_EXECUTION__CONCURRENT": "false",
        "TRADINGAGENTS_SCANNER_EXECUTION__TIMEOUT_SECONDS": "12.5",
        "TRADINGAGENTS_UNIVERSE": '["aapl", "brk.b"]',
        "tradingagents_scanners__rsi_oversold__max_rsi": "25",
        "TRADINGAGENTS_SCANNERS__REDDIT_TRENDING__SOURCE": "apewisdom",
        "TRADINGAGENTS_RESILIENCE__RATE_LIMITS__SEC_EDGAR__PER_SECOND": "5",
        "TRADINGAGENTS_SOURCE__MODE": "live",
    }
    config = load_settings(environ=env).discovery
    assert config.scanner_execution.concurrent is False
    assert config.scanner_execution.timeout_seconds == 12.5
    assert config.universe == ("AAPL", "BRK-B")
    assert config.scanners["rsi_oversold"].model_extra == {"max_rsi": 25}
    assert config.scanners["reddit_trending"].model_extra == {"source": "apewisdom"}
    assert config.resilience.rate_limits["sec_edgar"].per_second == 5
    assert config.source.mode == "live"


def test_a_bad_environment_value_is_named_by_its_variable() -> None:
    env = {"TRADINGAGENTS_SCANNER_EXECUTION__MAX_WORKERS": "eight"}
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=env)
    message = str(raised.value)
    assert "TRADINGAGENTS_SCANNER_EXECUTION__MAX_WORKERS" in message
    assert "discovery.scanner_execution.max_workers" in message
    assert "valid integer" in message and "'eight'" in message


def test_a_bad_scanner_param_from_the_environment_is_named_by_its_variable() -> None:
    env = {"TRADINGAGENTS_SCANNERS__RSI_OVERSOLD__MAX_RSY": "25"}
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=env)
    (problem,) = raised.value.problems
    assert problem.path.startswith("discovery.scanners.rsi_oversold.max_rsy")
    assert "TRADINGAGENTS_SCANNERS__RSI_OVERSOLD__MAX_RSY" in problem.path
    assert problem.message == "unknown key; did you mean 'max_rsi'?"


def test_a_list_that_is_not_json_says_json_is_expected() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"TRADINGAGENTS_UNIVERSE": "AAPL,MSFT"})
    (problem,) = raised.value.problems
    assert problem.path == "TRADINGAGENTS_UNIVERSE"
    assert "expected JSON" in problem.message


def test_unknown_prefixed_variables_are_warned_about_not_silently_dropped() -> None:
    _, _, warnings = environment_config(
        {
            "TRADINGAGENTS_SCANER_EXECUTION__MAX_WORKERS": "2",
            "TRADINGAGENTS_STATE_DIR": "/tmp/x",
            "TRADINGAGENTS_FINNHUB_API_KEY": "k",
            "OTHER": "1",
        }
    )
    assert warnings == [
        "ignoring TRADINGAGENTS_SCANER_EXECUTION__MAX_WORKERS: "
        "no setting discovery.scaner_execution"
    ]


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        ("[discovery\nmax_workers = 2\n", "<file>", "not valid TOML"),
        ("[discovery.scanner_execution]\nmax_wrkers = 2\n", "max_wrkers", "unknown key"),
        (
            '[discovery.scanner_execution]\nmax_workers = "8"\n',
            "discovery.scanner_execution.max_workers",
            "valid integer",
        ),
        (
            "[discovery.rank]\nmax_candidates = -1\n",
            "discovery.rank.max_candidates",
            "than or equal",
        ),
        ("discovery = 3\n", "discovery", "expected a table"),
        ("[discovery.scanners.nope]\nenabled = true\n", "discovery.scanners.nope", "no scanner"),
        (
            "[discovery.scanners.rsi_oversold]\nmax_rsi = true\n",
            "discovery.scanners.rsi_oversold.max_rsi",
            "valid number",
        ),
    ],
)
def test_a_bad_config_file_names_the_file_the_key_path_and_what_was_expected(
    tmp_path: Path, text: str, path: str, expected: str
) -> None:
    file = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as raised:
        load_settings(file, environ={})
    assert raised.value.source == str(file)
    assert str(file) in str(raised.value)
    assert any(path in p.path and expected in p.message for p in raised.value.problems), str(
        raised.value
    )


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read it"):
        load_settings(tmp_path / "missing.toml", environ={})


def test_credentials_come_from_the_file_and_the_environment_wins(tmp_path: Path) -> None:
    file = write(
        tmp_path / "keys.toml",
        f'[credentials]\nfinnhub_api_key = "{FILE_KEY}"\n'
        'sec_user_agent = "Jane jane@example.com"\n',
    )
    from_file = load_settings(file, environ={}).credentials
    assert from_file.get("finnhub_api_key") == FILE_KEY
    assert from_file.get("sec_user_agent") == "Jane jane@example.com"
    assert FILE_KEY not in repr(from_file) and FILE_KEY not in str(from_file)
    assert FILE_KEY in known_secrets()  # scrubbed from everything a run records

    both = load_settings(file, environ={"FINNHUB_API_KEY": ENV_KEY}).credentials
    assert both.get("finnhub_api_key") == ENV_KEY
    prefixed = load_settings(file, environ={"TRADINGAGENTS_FINNHUB_API_KEY": ENV_KEY})
    assert prefixed.credentials.get("finnhub_api_key") == ENV_KEY


def test_credentials_read_os_environ_through_pydantic_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALPHA_VANTAGE_API_KEY", "  av-from-os-environ-1234  ")
    monkeypatch.setenv("reddit_client_id", "rid-lowercase-name")
    credentials = Credentials.from_env()
    assert credentials.get("alpha_vantage_api_key") == "av-from-os-environ-1234"
    assert credentials.get("reddit_client_id") == "rid-lowercase-name"
    assert credentials.get("finnhub_api_key") is None
    assert Credentials().get("alpha_vantage_api_key") is None  # explicit: no environment


def test_a_bad_credentials_table_never_echoes_the_value(tmp_path: Path) -> None:
    file = write(
        tmp_path / "keys.toml",
        '[credentials]\nfinhub_api_key = "fh-TYPO-SECRET-778899"\nfinnhub_api_key = 778899112\n',
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(file, environ={})
    message = str(raised.value)
    assert str(file) in message
    assert "credentials.finhub_api_key: unknown key" in message
    assert "credentials.finnhub_api_key" in message
    assert "fh-TYPO-SECRET-778899" not in message and "778899112" not in message


def test_a_key_file_readable_by_others_is_warned_about(tmp_path: Path) -> None:
    text = f'[credentials]\nfinnhub_api_key = "{FILE_KEY}"\n'
    private = write(tmp_path / "private.toml", text, mode=0o600)
    shared = write(tmp_path / "shared.toml", text, mode=0o644)
    assert load_settings(private, environ={}).warnings == ()
    (warning,) = load_settings(shared, environ={}).warnings
    assert "readable by other users" in warning and f"chmod 600 {shared}" in warning
    no_keys = write(tmp_path / "nokeys.toml", "[discovery]\n", mode=0o644)
    assert load_settings(no_keys, environ={}).warnings == ()


def test_a_blank_variable_never_erases_the_file_key(tmp_path: Path) -> None:
    file = write(tmp_path / "keys.toml", f'[credentials]\nfinnhub_api_key = "{FILE_KEY}"\n')
    for blank in ("", "   "):
        settings = load_settings(file, environ={"FINNHUB_API_KEY": blank})
        assert settings.credentials.get("finnhub_api_key") == FILE_KEY
    env = {"TRADINGAGENTS_SOURCE__SNAPSHOT": "", "TRADINGAGENTS_SCANNER_EXECUTION__MAX_WORKERS": ""}
    config = load_settings(environ=env).discovery
    assert config.source.snapshot is None and config.scanner_execution.max_workers == 8


def test_the_prefixed_variable_wins_and_a_bare_llm_key_is_not_ours() -> None:
    env = {"FINNHUB_API_KEY": "fh-bare-111111", "TRADINGAGENTS_FINNHUB_API_KEY": ENV_KEY}
    assert load_settings(environ=env).credentials.get("finnhub_api_key") == ENV_KEY
    env = {"LLM_API_KEY": "another-tools-key-1", "TRADINGAGENTS_LLM_API_KEY": "ours-222222"}
    assert load_settings(environ=env).credentials.get("llm_api_key") == "ours-222222"
    only_bare = load_settings(environ={"LLM_API_KEY": "another-tools-key-1"})
    assert only_bare.credentials.get("llm_api_key") is None


def test_a_table_given_as_json_is_blamed_on_its_own_variable() -> None:
    env = {"TRADINGAGENTS_SCANNER_EXECUTION": '{"max_workers": "x"}'}
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=env)
    (problem,) = raised.value.problems
    assert problem.path == (
        "discovery.scanner_execution.max_workers (from TRADINGAGENTS_SCANNER_EXECUTION)"
    )


def test_a_bad_flag_value_is_blamed_on_the_flag() -> None:
    overrides = {"discovery": {"scanner_execution": {"max_workers": 0}}}
    env = {"TRADINGAGENTS_SCANNER_EXECUTION__MAX_WORKERS": "4"}
    with pytest.raises(ConfigError) as raised:
        load_settings(
            overrides=overrides,
            environ=env,
            flag_names={"scanner_execution.max_workers": "--max-workers"},
        )
    (problem,) = raised.value.problems
    assert problem.path == "discovery.scanner_execution.max_workers (from --max-workers)"
    assert "greater than 0" in problem.message


def test_an_llm_model_without_provider_is_caught_with_the_settings() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"TRADINGAGENTS_LLM_RANK__MODEL": "gpt-4o-mini"})
    (problem,) = raised.value.problems
    assert problem.path == "discovery.llm_rank.provider"
    message = str(raised.value)
    assert "environment" in message and "no provider" in message


def test_half_of_the_reddit_credentials_is_a_warning() -> None:
    (warning,) = load_settings(environ={"REDDIT_CLIENT_ID": "rid-123456"}).warnings
    assert "REDDIT_CLIENT_SECRET" in warning
    both = {"REDDIT_CLIENT_ID": "rid-123456", "REDDIT_CLIENT_SECRET": "rsecret-123456"}
    assert load_settings(environ=both).warnings == ()


def problems(file: Path, env: dict[str, str] | None = None) -> tuple[str | None, list[str]]:
    with pytest.raises(ConfigError) as raised:
        load_settings(file, environ=env or {})
    return raised.value.source, [str(p) for p in raised.value.problems]


def test_typos_at_two_levels_of_one_file_are_reported_together(tmp_path: Path) -> None:
    file = write(
        tmp_path / "c.toml",
        "[discovery.scaner_execution]\nmax_workers = 4\n"
        "[discovery.scanner_execution]\nmax_wrkers = 4\n",
    )
    assert problems(file) == (
        str(file),
        [
            "discovery.scanner_execution.max_wrkers: unknown key; did you mean 'max_workers'?",
            "discovery.scaner_execution: unknown key; did you mean 'scanner_execution'?",
        ],
    )


def test_a_scanner_param_typo_is_found_beside_a_typo_elsewhere(tmp_path: Path) -> None:
    # The scanner params are checked against a validated config: the retry typo is left out
    # so that they still are, and no typo hides the other.
    file = write(
        tmp_path / "c.toml",
        "[discovery.scanners.rsi_oversold]\nmax_rsy = 25\n"
        "[discovery.resilience.retry]\nmax_atempts = 5\n",
    )
    assert problems(file) == (
        str(file),
        [
            "discovery.resilience.retry.max_atempts: unknown key; did you mean 'max_attempts'?",
            "discovery.scanners.rsi_oversold.max_rsy: unknown key; did you mean 'max_rsi'?",
        ],
    )


def test_a_file_typo_and_bad_variables_are_reported_together(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", "[discovery.scanner_execution]\nmax_wrkers = 4\n")
    env = {
        "TRADINGAGENTS_SCANNER_EXECUTION__TIMEOUT_SECONDS": "soon",
        "TRADINGAGENTS_UNIVERSE": "AAPL,MSFT",
    }
    source, found = problems(file, env)
    assert source == f"the merged settings (defaults < {file} < environment)"
    assert found == [
        f"discovery.scanner_execution.max_wrkers (from {file}): unknown key; "
        "did you mean 'max_workers'?",
        "TRADINGAGENTS_UNIVERSE: expected JSON for a list or table "
        "(Expecting value: line 1 column 1 (char 0))",
        "discovery.scanner_execution.timeout_seconds "
        "(from TRADINGAGENTS_SCANNER_EXECUTION__TIMEOUT_SECONDS): Input should be a valid "
        "number, unable to parse string as a number (got 'soon')",
    ]


def test_every_variable_that_is_not_json_is_reported() -> None:
    env = {
        "TRADINGAGENTS_UNIVERSE": "AAPL,MSFT",
        "TRADINGAGENTS_SCANNER_EXECUTION": "{",
        "TRADINGAGENTS_SOURCE__MODE": "live",
    }
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=env)
    assert raised.value.source == "the environment"
    assert [p.path for p in raised.value.problems] == [
        "TRADINGAGENTS_UNIVERSE",
        "TRADINGAGENTS_SCANNER_EXECUTION",
    ]


def test_a_file_problem_under_a_key_the_environment_sets_is_named_once_each(
    tmp_path: Path,
) -> None:
    # The file's bad value is left out of the merge: the variable's own mistake is the only
    # one reported against the variable.
    file = write(tmp_path / "c.toml", '[discovery.scanner_execution]\nmax_workers = "8"\n')
    env = {"TRADINGAGENTS_SCANNER_EXECUTION__MAX_WORKERS": "eight"}
    _, found = problems(file, env)
    assert [p.split(":")[0] for p in found] == [
        f"discovery.scanner_execution.max_workers (from {file})",
        "discovery.scanner_execution.max_workers "
        "(from TRADINGAGENTS_SCANNER_EXECUTION__MAX_WORKERS)",
    ]
    # Valid in the file, wrong in the environment: the file is not blamed.
    file = write(tmp_path / "c.toml", "[discovery.scanner_execution]\nmax_workers = 8\n")
    source, found = problems(file, env)
    assert source == f"the merged settings (defaults < {file} < environment)"
    assert len(found) == 1 and str(file) not in found[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[scanner_execution]\nmax_workers = 4\n",
            "scanner_execution: a discovery table at the top level is not read; "
            "did you mean [discovery.scanner_execution]?",
        ),
        (
            "[scanners.rsi_oversold]\nmax_rsi = 25\n",
            "scanners.rsi_oversold: a discovery table at the top level is not read; "
            "did you mean [discovery.scanners.rsi_oversold]?",
        ),
        (
            "[resilience.retry]\nmax_attempts = 2\n",
            "resilience.retry: a discovery table at the top level is not read; "
            "did you mean [discovery.resilience.retry]?",
        ),
        (
            '[source]\nmode = "live"\n',
            "source: a discovery table at the top level is not read; "
            "did you mean [discovery.source]?",
        ),
        (
            '[providers.finnhub]\nbase_url = "http://localhost"\n',
            "providers.finnhub: a discovery table at the top level is not read; "
            "did you mean [discovery.providers.finnhub]?",
        ),
        (
            "[pipelines.social]\nenabled = false\n",
            "pipelines.social: a discovery table at the top level is not read; "
            "did you mean [discovery.pipelines.social]?",
        ),
        (
            "[scaner_execution]\nmax_workers = 4\n",
            "scaner_execution: unknown table, not read; "
            "did you mean [discovery.scanner_execution]?",
        ),
        (
            '[credential]\nfinnhub_api_key = "fh-in-the-wrong-table-1"\n',
            "credential: unknown table, not read; did you mean [credentials]?",
        ),
        (
            "[discovry.scanner_execution]\nmax_workers = 4\n",
            "discovry.scanner_execution: unknown table, not read; "
            "did you mean [discovery.scanner_execution]?",
        ),
    ],
)
def test_a_table_of_ours_in_the_wrong_place_is_an_error(
    tmp_path: Path, text: str, expected: str
) -> None:
    file = write(tmp_path / "c.toml", text)
    assert problems(file) == (str(file), [expected])
    with pytest.raises(ConfigError) as raised:
        read_config_file(file)
    assert [str(p) for p in raised.value.problems] == [expected]


def test_misplaced_tables_are_reported_with_the_other_problems(tmp_path: Path) -> None:
    file = write(
        tmp_path / "c.toml",
        "[scanner_execution]\nmax_workers = 4\n"
        "[discovery.rank]\nmax_candidats = 3\n"
        "[credentials]\nfinhub_api_key = 'fh-typo-key-4455'\n",
    )
    assert problems(file) == (
        str(file),
        [
            "scanner_execution: a discovery table at the top level is not read; "
            "did you mean [discovery.scanner_execution]?",
            "discovery.rank.max_candidats: unknown key; did you mean 'max_candidates'?",
            "credentials.finhub_api_key: unknown key; did you mean 'finnhub_api_key'?",
        ],
    )


def test_the_applications_own_top_level_tables_and_keys_stay_allowed(tmp_path: Path) -> None:
    # Named like a discovery table but holding none of its keys, an unrelated name, an empty
    # table, a top-level value: the application's, left alone.
    file = write(
        tmp_path / "c.toml",
        'cache_dir = "/srv/app-cache"\nuniverse = ["app"]\n'
        '[myapp]\nmax_workers = 4\n[source]\nurl = "https://example.com"\n'
        '[providers.openai]\nmodel = "x"\n[scanners.thumbnails]\nsize = 3\n[rank]\n'
        "[credits]\namount = 3\n"
        "[discovery.scanner_execution]\nmax_workers = 4\n",
    )
    assert load_settings(file, environ={}).discovery.scanner_execution.max_workers == 4
    assert read_config_file(file) == {"discovery": {"scanner_execution": {"max_workers": 4}}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[discovery.source]\nmode = "lve"\n',
            "discovery.source.mode: Input should be 'replay' or 'live' (got 'lve'); "
            "did you mean 'live'?",
        ),
        (
            "[discovery.providers.finnhab]\nmax_bytes = 10\n",
            "discovery.providers.finnhab: Input should be 'yahoo', 'sec_edgar', 'nasdaq', "
            "'finnhub', 'alpha_vantage', 'reddit' or 'apewisdom' (got 'finnhab'); "
            "did you mean 'finnhub'?",
        ),
        (
            "[discovery.scanners.rsi_oversld]\nenabled = false\n",
            "discovery.scanners.rsi_oversld: no scanner named 'rsi_oversld' (known: "
            "earnings_calendar, insider_buying, market_movers, options_flow, reddit_trending, "
            "rsi_oversold, sec_catalysts, technical_breakout, volume_accumulation); "
            "did you mean 'rsi_oversold'?",
        ),
        (
            "[discovery.scanner_execution]\nbogus = 1\n",
            "discovery.scanner_execution.bogus: unknown key",
        ),
        (
            "[discovery.scanners.rsi_oversold]\nnothing_like_it = 1\n",
            "discovery.scanners.rsi_oversold.nothing_like_it: unknown key",
        ),
    ],
)
def test_a_misspelling_gets_the_closest_known_word_and_only_a_close_one(
    tmp_path: Path, text: str, expected: str
) -> None:
    file = write(tmp_path / "c.toml", text)
    assert problems(file) == (str(file), [expected])


def test_an_installed_plugin_scanner_table_at_the_top_level_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradingagents.discovery import registry
    from tradingagents.errors import RegistryError

    plugin = make_scanner("my_plugin", returning("F"))
    failure = registry.LoadFailure("broken_plugin", RegistryError("failed to load"))
    installed = registry.Registry((plugin,), (failure,))
    monkeypatch.setattr(registry, "load_registry", lambda *_: installed)
    for name in ("my_plugin", "broken_plugin"):
        file = write(tmp_path / "c.toml", f"[scanners.{name}]\nthreshold = 2\n")
        with pytest.raises(ConfigError) as raised:
            read_config_file(file)
        assert [str(p) for p in raised.value.problems] == [
            f"scanners.{name}: a discovery table at the top level is not read; "
            f"did you mean [discovery.scanners.{name}]?"
        ]
