"""Per-provider request budgets of one run: the requests a run may send to each provider."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from tradingagents.errors import ProviderBudgetExhausted
from tradingagents.http.exchange import Exchange, Handler
from tradingagents.http.messages import Response


class RunBudgets:
    """How many requests this run may still send to each provider; thread-safe, shared by
    every scanner of the run (:class:`~tradingagents.services.RunServices` holds one per run).

    A provider without a limit (None, the default) is never refused. A request counts when it
    is sent, retries included; a cached answer, and a call refused before it reached the
    network (rate limit, pause, cancellation), cost nothing.
    """

    def __init__(self, limits: Mapping[str, int | None]) -> None:
        self._limits = {name: limit for name, limit in limits.items() if limit is not None}
        self._lock = threading.Lock()
        self._sent: dict[str, int] = {}

    def limit(self, provider: str) -> int | None:
        """``provider``'s budget for the run; None: unlimited."""
        return self._limits.get(provider)

    def sent(self, provider: str) -> int:
        """Requests the run sent (or is sending) to ``provider``, counted by :meth:`take`."""
        with self._lock:
            return self._sent.get(provider, 0)

    def take(self, provider: str) -> None:
        """Count one request to ``provider``, or raise :class:`ProviderBudgetExhausted` when
        its budget is used up (the request must then not be sent)."""
        with self._lock:
            sent = self._sent.get(provider, 0)
            limit = self._limits.get(provider)
            if limit is not None and sent >= limit:
                raise ProviderBudgetExhausted(provider=provider, budget=limit, sent=sent)
            self._sent[provider] = sent + 1

    def give_back(self, provider: str) -> None:
        """Undo a :meth:`take` whose request was never sent."""
        with self._lock:
            self._sent[provider] = max(0, self._sent.get(provider, 0) - 1)


class Budgeted:
    """Takes one request of the run's budget per attempt, before the rate limiter (a refused
    call never waits for a token), and gives it back when the attempt sent nothing."""

    def __init__(self, inner: Handler, budgets: RunBudgets) -> None:
        self.inner = inner
        self.budgets = budgets

    def handle(self, exchange: Exchange) -> Response:
        provider = exchange.request.provider
        self.budgets.take(provider)
        attempts = exchange.attempts
        try:
            return self.inner.handle(exchange)
        finally:
            # SendOnce counts an attempt as it sends; no new attempt means nothing went out.
            if exchange.attempts == attempts:
                self.budgets.give_back(provider)
