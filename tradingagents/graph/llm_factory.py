"""Build the llm_rank node's chat model from ``discovery.llm_rank.provider`` and ``.model``."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import ValidationError

from tradingagents.config import LlmRankConfig
from tradingagents.errors import ConfigError, ConfigProblem
from tradingagents.graph.llm_rank import redact_clip
from tradingagents.redaction import known_secrets, register_secret

_SECTION = "discovery.llm_rank"
_LLM_EXTRA = '"tradingagents[llm]"'
# What a construction error may add to the message: enough to act on, never a whole dump.
_MAX_DETAIL_CHARS = 500

# The providers of langchain's init_chat_model (langchain 1.5) and the package each needs.
# Kept here rather than read from langchain so that a config naming an unknown provider, or
# a machine without langchain, still gets the list and the exact pip command; a test checks
# it against the installed langchain.
PROVIDER_PACKAGES: dict[str, str] = {
    "anthropic": "langchain-anthropic",
    "anthropic_bedrock": "langchain-aws",
    "azure_ai": "langchain-azure-ai",
    "azure_openai": "langchain-openai",
    "baseten": "langchain-baseten",
    "bedrock": "langchain-aws",
    "bedrock_converse": "langchain-aws",
    "bedrock_mantle_anthropic": "langchain-aws[anthropic]",
    "bedrock_mantle_openai": "langchain-aws[openai]",
    "cohere": "langchain-cohere",
    "deepseek": "langchain-deepseek",
    "fireworks": "langchain-fireworks",
    "google_anthropic_vertex": "langchain-google-vertexai",
    "google_genai": "langchain-google-genai",
    "google_vertexai": "langchain-google-vertexai",
    "groq": "langchain-groq",
    "huggingface": "langchain-huggingface",
    "ibm": "langchain-ibm",
    "langsmith": "langchain-openai",
    "litellm": "langchain-litellm",
    "meta": "langchain-meta",
    "mistralai": "langchain-mistralai",
    "nvidia": "langchain-nvidia-ai-endpoints",
    "ollama": "langchain-ollama",
    "openai": "langchain-openai",
    "openrouter": "langchain-openrouter",
    "perplexity": "langchain-perplexity",
    "together": "langchain-together",
    "upstage": "langchain-upstage",
    "xai": "langchain-xai",
}


def _problem(path: str, message: str) -> ConfigError:
    return ConfigError([ConfigProblem(f"{_SECTION}.{path}" if path else _SECTION, message)])


def _supported() -> str:
    return ", ".join(sorted(PROVIDER_PACKAGES))


def pip_command(provider: str) -> str:
    """The command that installs langchain and ``provider``'s integration package."""
    package = PROVIDER_PACKAGES[provider]
    # Extras need quoting, or a shell (zsh) globs the brackets.
    return f"pip install {_LLM_EXTRA} " + (f'"{package}"' if "[" in package else package)


def _normalised(provider: str) -> str:
    return provider.strip().replace("-", "_").lower()


def llm_config_problems(config: LlmRankConfig) -> list[ConfigProblem]:
    """What is wrong with ``config``'s provider and model, without building anything.

    A provider missing from :data:`PROVIDER_PACKAGES` is not a problem here: a newer langchain
    may know it, and ``init_chat_model`` says so when it does not.
    """
    provider, model = config.provider, config.model
    if provider is None and model is not None:
        return [
            ConfigProblem(
                f"{_SECTION}.provider",
                f"model {model!r} is set but no provider: expected one of {_supported()} (set "
                "both provider and model, or neither)",
            )
        ]
    if provider is not None and model is None:
        return [
            ConfigProblem(
                f"{_SECTION}.model",
                f"expected a model name for provider {provider!r} (set both provider and model,"
                " or neither)",
            )
        ]
    return []


def _install_hint(name: str) -> str:
    return f"; run: {pip_command(name)}" if name in PROVIDER_PACKAGES else ""


def _detail(exc: Exception, secrets: frozenset[str]) -> str:
    if isinstance(exc, ValidationError):
        # Not str(exc): it shows input values, truncated in the middle, so a key could appear
        # cut in two where redaction no longer recognises it.
        # "{msg} (at {loc})", not "{loc}: {msg}": redaction reads "api_key: Input" as a
        # secret-named pair and would hide the message.
        text = f"{exc.title}: " + "; ".join(
            f"{e['msg']} (at {'.'.join(str(p) for p in e['loc']) or '<model>'})"
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        )
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact_clip(text, _MAX_DETAIL_CHARS, secrets)


def chat_model_from_config(
    config: LlmRankConfig, *, api_key: str | None = None, max_retries: int | None = None
) -> BaseChatModel | None:
    """The chat model ``config`` names, built with langchain's ``init_chat_model``; None if none.

    ``provider`` and ``model`` go together; ``base_url`` and ``temperature`` are passed only
    when set, and ``timeout_seconds`` is the client's own timeout, so a call the node gave up
    on also ends. ``api_key`` (else the provider's usual environment variable) is registered
    as a secret, so run artifacts scrub it. ``max_retries`` None keeps the provider's default.

    Raises :class:`ConfigError`, never a provider's own exception: for a half-set or unknown
    provider, a missing package (with the pip command to run) or a model the provider's class
    refuses (the message redacted of the key).
    """
    problems = llm_config_problems(config)
    if problems:
        raise ConfigError(problems)
    provider, model = config.provider, config.model
    if provider is None or model is None:
        return None
    # langchain's own normalisation: "Azure-OpenAI" is azure_openai.
    name = _normalised(provider)

    if api_key:
        register_secret(api_key)
    secrets = known_secrets() | ({api_key} if api_key else set())

    try:
        from langchain.chat_models import init_chat_model  # noqa: PLC0415
    except ImportError:
        raise _problem(
            "provider",
            f"provider {name!r} needs langchain, which is not installed{_install_hint(name)}",
        ) from None

    kwargs: dict[str, Any] = {"timeout": config.timeout_seconds}
    if config.base_url is not None:
        kwargs["base_url"] = config.base_url
    if config.temperature is not None:
        kwargs["temperature"] = config.temperature
    if api_key:
        kwargs["api_key"] = api_key
    if max_retries is not None:
        kwargs["max_retries"] = max_retries
    # `from None` throughout: a chained provider exception would print its own message, key
    # and all, under the ConfigError.
    try:
        # Typed here: with **kwargs, mypy cannot pick among init_chat_model's overloads.
        chat: BaseChatModel = init_chat_model(model, model_provider=name, **kwargs)
    except ImportError as exc:
        # langchain's own message suggests a pip command without the llm extra; the module
        # that failed to import is the useful part.
        cause = exc.__cause__ if isinstance(exc.__cause__, ImportError) else exc
        package = PROVIDER_PACKAGES.get(name, "its integration package")
        raise _problem(
            "provider",
            f"provider {name!r} needs {package}, which could not be imported "
            f"({_detail(cause, secrets)}){_install_hint(name)}",
        ) from None
    except Exception as exc:  # whatever the provider's class raises on construction
        raise _problem(
            "", f"could not build the {name} chat model {model!r}: {_detail(exc, secrets)}"
        ) from None
    return chat
