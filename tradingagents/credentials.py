"""API keys and identities (``Credentials``), and which provider reads which of them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from tradingagents.config import DiscoveryConfig, ProviderName
from tradingagents.redaction import register_secret

ENV_PREFIX = "TRADINGAGENTS_"


def _env(name: str, *, usual: bool = True) -> Any:
    # The prefixed variable, then the usual one (FINNHUB_API_KEY): the more specific wins.
    # Matching is case-insensitive; a config file's [credentials] key is the field name.
    choices = [f"{ENV_PREFIX}{name}", name] if usual else [f"{ENV_PREFIX}{name}"]
    return Field(default=None, validation_alias=AliasChoices(*choices))


class Credentials(BaseModel):
    """API keys and identities: from the environment, or a config file's ``[credentials]``.

    Keys are ``SecretStr``: their repr and str are masked, and every value is registered for
    redaction, so they never reach logs, tool logs, caches, snapshots or run files.
    ``Credentials.from_env()`` reads the environment (over a config file's table);
    ``Credentials(...)`` / ``model_validate`` take exactly what they are given.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True)

    finnhub_api_key: SecretStr | None = _env("finnhub_api_key")
    alpha_vantage_api_key: SecretStr | None = _env("alpha_vantage_api_key")
    # EDGAR wants "Name email": contact information rather than a secret, but still never logged.
    sec_user_agent: str | None = _env("sec_user_agent")
    reddit_client_id: SecretStr | None = _env("reddit_client_id")
    reddit_client_secret: SecretStr | None = _env("reddit_client_secret")
    reddit_user_agent: str | None = _env("reddit_user_agent")
    # For the LLM ranker's provider; each provider's own variable (OPENAI_API_KEY...) also works.
    # Prefixed only: a bare LLM_API_KEY may well belong to another tool and another endpoint.
    llm_api_key: SecretStr | None = _env("llm_api_key", usual=False)

    # The variable a user sets for each credential, for messages such as "needs FINNHUB_API_KEY".
    ENV_NAMES: ClassVar[Mapping[str, str]] = {
        "finnhub_api_key": "FINNHUB_API_KEY",
        "alpha_vantage_api_key": "ALPHA_VANTAGE_API_KEY",
        "sec_user_agent": "SEC_USER_AGENT",
        "reddit_client_id": "REDDIT_CLIENT_ID",
        "reddit_client_secret": "REDDIT_CLIENT_SECRET",
        "reddit_user_agent": "REDDIT_USER_AGENT",
        "llm_api_key": "TRADINGAGENTS_LLM_API_KEY",
    }

    @classmethod
    def from_env(
        cls, table: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Credentials:
        """The environment's credentials over ``table`` (a config file's): file < env.

        ``environ`` replaces ``os.environ`` (tests, embedding). Variable names are matched
        case-insensitively, with or without the ``TRADINGAGENTS_`` prefix.
        """
        # A blank variable (FINNHUB_API_KEY= from a compose file) sets nothing: it must not
        # erase the config file's key.
        source = EnvSettingsSource(_CredentialsEnv, case_sensitive=False, env_ignore_empty=True)
        if environ is not None:
            source.env_vars = env_vars(environ)
        found = {k: v for k, v in source().items() if not (isinstance(v, str) and not v.strip())}
        # The source keys a value by the alias it matched; by field name here, so that the
        # environment's value replaces the table's whatever spelling either used.
        from_env = {
            name: found[alias]
            for name, info in cls.model_fields.items()
            for alias in _aliases(info)
            if alias in found
        }
        return cls.model_validate({**(table or {}), **from_env})

    def model_post_init(self, context: Any, /) -> None:
        for value in self.secret_values():
            register_secret(value)

    def secret_values(self) -> Iterator[str]:
        """Every credential's plain value (the user agents included: they name a person)."""
        for name in type(self).model_fields:
            value = self.get(name)
            if value:
                yield value

    def get(self, name: str) -> str | None:
        """The plain value of credential ``name``, stripped; None when unset or blank."""
        value = getattr(self, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        value = (value or "").strip()
        return value or None


def env_vars(environ: Mapping[str, str]) -> dict[str, str | None]:
    """An explicit environment as pydantic-settings keeps os.environ (lower-case names)."""
    return {k.lower(): v for k, v in environ.items() if v != ""}


def _aliases(info: FieldInfo) -> list[str]:
    choices = info.validation_alias
    if isinstance(choices, AliasChoices):
        return [str(choice) for choice in choices.choices]
    return []


class _CredentialsEnv(BaseSettings, Credentials):
    """Credentials' fields as a settings class: only so pydantic-settings reads them."""

    model_config = SettingsConfigDict(case_sensitive=False)


# The credentials each provider reads, and whether it can work without them.
PROVIDER_CREDENTIALS: Mapping[ProviderName, tuple[tuple[str, bool], ...]] = {
    "finnhub": (("finnhub_api_key", True),),
    "alpha_vantage": (("alpha_vantage_api_key", True),),
    # A User-Agent with contact info, or discovery.providers.sec_edgar.user_agent.
    "sec_edgar": (("sec_user_agent", True),),
    # Without them Reddit is read through its public, more throttled, listings.
    "reddit": (("reddit_client_id", False), ("reddit_client_secret", False)),
}


@dataclass(frozen=True)
class KeyStatus:
    """One credential a scanner's providers read: its variable, whether the scanner can run
    without it, and whether it is set."""

    variable: str
    required: bool
    present: bool

    def __str__(self) -> str:
        optional = "" if self.required else " (optional)"
        return f"{self.variable}{optional}: {'set' if self.present else 'missing'}"


def key_statuses(
    providers: tuple[str, ...],
    optional_providers: tuple[str, ...],
    credentials: Credentials,
    config: DiscoveryConfig,
) -> list[KeyStatus]:
    """The credentials behind a scanner's providers (live mode; replay needs none)."""
    found: dict[str, KeyStatus] = {}
    for provider, needed in [
        *((p, True) for p in providers),
        *((p, False) for p in optional_providers),
    ]:
        for name, required in PROVIDER_CREDENTIALS.get(provider, ()):  # type: ignore[call-overload]
            present = credentials.get(name) is not None
            if name == "sec_user_agent":
                present = present or bool(config.provider("sec_edgar").user_agent)
            status = KeyStatus(Credentials.ENV_NAMES[name], needed and required, present)
            previous = found.get(status.variable)
            if previous is None or (status.required and not previous.required):
                found[status.variable] = status
    return list(found.values())
