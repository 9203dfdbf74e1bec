"""The exception tree: one base, structured fields, no third-party exception leaks out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class TradingAgentsError(Exception):
    """Base of every error this package raises on purpose.

    Each error carries the structured fields that apply to it (``scanner``, ``provider``,
    ``elapsed``) so that logs, records and reports can show them without parsing messages.
    """

    def __init__(
        self,
        message: str,
        *,
        scanner: str | None = None,
        provider: str | None = None,
        elapsed: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.scanner = scanner
        self.provider = provider
        self.elapsed = elapsed

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a configuration: where (dotted key path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ConfigError(TradingAgentsError, ValueError):
    """The configuration is invalid. Raised before any scanner runs.

    ``problems`` lists every invalid key path; the message names them all, one per line.
    """

    def __init__(self, problems: Sequence[ConfigProblem], *, source: str | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid configuration{where}:\n{lines}")


class RegistryError(TradingAgentsError):
    """A scanner could not be registered or resolved (bad entry point, duplicate name...)."""


class ScannerError(TradingAgentsError):
    """Base of the errors that end one scanner's run; the engine records them, never re-raises."""


class ScannerSkipped(ScannerError):
    """Raised by a scanner that cannot run here (missing key, missing user agent...).

    The engine records status ``skipped`` with this message as the reason; it is not an error.
    """


class ScannerTimeout(ScannerError):
    """The scanner did not finish before its deadline; its late result is discarded."""


class DiscoveryCancelled(TradingAgentsError):
    """The discovery run was cancelled (a :class:`~tradingagents.engine.CancelToken` was set).

    ``scanner_runs`` holds one record per scanner as the run stopped: those that had not
    finished have status ``cancelled``. Nothing of the run is charged to the breakers.
    """

    def __init__(self, message: str, scanner_runs: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.scanner_runs = list(scanner_runs)


class StepDeadlineExceeded(ScannerTimeout):
    """The whole discovery step's deadline passed before the scanner could start."""


class InvalidScannerOutput(ScannerError):
    """A scanner returned something that is not a list of valid candidates."""


class CandidateError(TradingAgentsError, ValueError):
    """One candidate is invalid (no ticker, bad ticker, bad priority)."""


class ProviderError(TradingAgentsError):
    """Base of the errors of data providers; each provider translates its failures into these.

    ``retryable`` says whether trying again later may help (timeouts, resets, 429, 5xx).
    """

    retryable: bool = False


class ProviderCancelled(ProviderError):
    """The scanner's run was cancelled: no request (nor retry) is sent after that."""


class ProviderTimeout(ProviderError):
    """The provider did not answer in time (connect or read), or no time was left to ask."""

    retryable = True


class ProviderConnectionError(ProviderError):
    """The connection failed or was reset.

    ``kind`` says how, for reports and summaries that should not parse messages: ``dns``
    (the host name did not resolve), ``refused``, ``unreachable`` (no route), ``reset``,
    ``tls``, ``proxy``, ``connect`` (could not connect, cause unknown), or None when the
    library did not say. ``host`` and ``port`` name the server; never a URL path or query,
    which can hold a key. A TLS failure (a bad certificate) is not retried.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        host: str | None = None,
        port: int | None = None,
        scanner: str | None = None,
        provider: str | None = None,
        elapsed: float | None = None,
    ) -> None:
        super().__init__(message, scanner=scanner, provider=provider, elapsed=elapsed)
        self.kind = kind
        self.host = host
        self.port = port
        # A certificate or handshake failure fails the same way on every attempt.
        self.retryable = kind != "tls"


class ProviderHTTPError(ProviderError):
    """The provider answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        retry_after: float | None = None,
        scanner: str | None = None,
        provider: str | None = None,
        elapsed: float | None = None,
    ) -> None:
        super().__init__(message, scanner=scanner, provider=provider, elapsed=elapsed)
        self.status = status
        self.retry_after = retry_after
        # 501 Not Implemented and 505 HTTP Version Not Supported will not change on a retry.
        self.retryable = status == 429 or (status >= 500 and status not in (501, 505))


class ProviderAuthError(ProviderHTTPError):
    """401/403: a missing, wrong or blocked credential. Never retried."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retryable = False


class ProviderRateLimited(ProviderHTTPError):
    """429, or a quota answer in disguise (Alpha Vantage's HTTP 200 with a ``Note``)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retryable = True


class ProviderBudgetExhausted(ProviderError):
    """Not sent: the provider's request budget for this run (``discovery.providers.<name>.
    run_budget``) is used up. ``budget`` is that budget and ``sent`` the requests the run
    sent to the provider; never retried, and a scanner's map counts the item as skipped for
    budget (its coverage's ``skipped_budget``), not as an error of the item."""

    def __init__(
        self, *, provider: str, budget: int, sent: int, scanner: str | None = None
    ) -> None:
        super().__init__(
            f"not sent: {provider}'s budget of {budget} requests for this run is used up "
            f"({sent} sent)",
            provider=provider,
            scanner=scanner,
        )
        self.budget = budget
        self.sent = sent


class ProviderResponseTooLarge(ProviderError):
    """The body exceeded the configured size cap; reading stopped there."""


class ProviderParseError(ProviderError):
    """The payload is malformed, truncated or not what the provider documents.

    ``field`` names where parsing failed; no record is made up from a bad payload.
    """

    def __init__(
        self, message: str, *, provider: str, field: str | None = None, scanner: str | None = None
    ) -> None:
        where = f" at {field}" if field else ""
        super().__init__(f"{provider}: {message}{where}", provider=provider, scanner=scanner)
        self.field = field


class SnapshotError(TradingAgentsError):
    """A replay snapshot is missing, malformed, or has no response for a request."""


class SharedLoadError(TradingAgentsError):
    """A load shared by several scanners failed; each waiting scanner reports it."""
