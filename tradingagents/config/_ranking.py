"""The config of the filter and llm_rank nodes (the rank node's is discovery.scoring's)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tradingagents.config._base import FROZEN


class FilterConfig(BaseModel):
    """The filter node: what it drops before ranking."""

    model_config = FROZEN

    min_price: float | None = Field(
        default=None,
        ge=0,
        description="Drop candidates carrying a price below this; None: no minimum.",
    )
    min_volume: float | None = Field(
        default=None,
        ge=0,
        description="Drop candidates carrying a volume below this; None: no minimum.",
    )
    exclude_tickers: tuple[str, ...] = Field(
        default=(),
        description="Tickers never to emit (normalised like candidate tickers).",
    )


class LlmRankConfig(BaseModel):
    """The optional llm_rank node (it runs only when ``DiscoveryGraph`` is given an ``llm``)."""

    model_config = FROZEN

    # Both bounds keep the prompt's size bounded whatever the scanners found.
    max_candidates_in_prompt: int = Field(
        default=30,
        ge=1,
        le=1000,
        description="Top ranked candidates sent to the LLM ranker; the rest keep their order "
        "after them.",
    )
    max_context_chars: int = Field(
        default=200,
        ge=0,
        le=10_000,
        description="Each candidate's context is cut to this many characters in the prompt.",
    )
    timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="No answer by then: the deterministic ranking is kept.",
    )
    # A model object passed to DiscoveryGraph wins over one named here. The key comes from the
    # provider's usual variable (OPENAI_API_KEY...) or credentials.llm_api_key, never from this
    # section, so that a config file can be shared.
    provider: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Chat model provider for langchain's init_chat_model (the llm extra plus "
        "the provider's package); set with model, it adds the llm_rank node.",
    )
    model: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Chat model name for init_chat_model; both provider and model, or neither.",
    )
    base_url: str | None = Field(
        default=None,
        description="The model's endpoint (OpenAI-compatible or self-hosted: vLLM, Ollama...); "
        "None: the provider's.",
    )
    temperature: float | None = Field(
        default=None,
        ge=0,
        le=2,
        description="Sampling temperature; None: the provider's default (reasoning models "
        "refuse anything else); 0 for more repeatable rankings where it is allowed.",
    )
