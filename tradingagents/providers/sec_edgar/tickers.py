"""SEC EDGAR's ticker map (``company_tickers.json``): the US ticker universe."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from tradingagents.discovery.candidate import Ticker
from tradingagents.providers.parsing import BODY, Native, PayloadError, load_json, validate
from tradingagents.providers.sec_edgar._common import PROVIDER, Cik, JsonPayload, fail, valid_ticker


class _Row(Native):
    cik: Cik = Field(alias="cik_str")
    ticker: str
    title: str

    @model_validator(mode="before")
    @classmethod
    def _is_object(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            # Named by its first field, as a row read key by key would be.
            raise PayloadError(f"expected an object, got {type(data).__name__}", "cik_str")
        return data


_ROWS = TypeAdapter(dict[str, _Row], config=ConfigDict(strict=True))


class CompanyTicker(BaseModel):
    """One row of the SEC ticker map: a listed security and the company (CIK) behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cik: int
    ticker: Ticker
    title: str


class TickerUniverse:
    """The canonical US ticker universe (SEC's ticker map), and the validator of tickers.

    Lookups normalise their input (``brk.b`` finds ``BRK-B``). When two rows spell the same
    ticker, the first wins: the SEC file is ordered by market value. ``skipped`` counts rows
    whose ticker is not a valid US ticker spelling; they are left out, not repaired.
    """

    __slots__ = ("_by_cik", "_by_ticker", "_skipped")

    _by_ticker: Mapping[str, CompanyTicker]
    _by_cik: Mapping[int, tuple[CompanyTicker, ...]]
    _skipped: int

    def __init__(self, entries: Iterable[CompanyTicker], *, skipped: int = 0) -> None:
        by_ticker: dict[str, CompanyTicker] = {}
        by_cik: dict[int, list[CompanyTicker]] = {}
        for entry in entries:
            if entry.ticker in by_ticker:
                continue
            by_ticker[entry.ticker] = entry
            by_cik.setdefault(entry.cik, []).append(entry)
        object.__setattr__(self, "_by_ticker", by_ticker)
        object.__setattr__(self, "_by_cik", {cik: tuple(rows) for cik, rows in by_cik.items()})
        object.__setattr__(self, "_skipped", skipped)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @property
    def skipped(self) -> int:
        return self._skipped

    def __contains__(self, ticker: object) -> bool:
        normalised = valid_ticker(ticker)
        return normalised is not None and normalised in self._by_ticker

    def get(self, ticker: str) -> CompanyTicker | None:
        normalised = valid_ticker(ticker)
        return None if normalised is None else self._by_ticker.get(normalised)

    def by_cik(self, cik: int) -> tuple[CompanyTicker, ...]:
        return self._by_cik.get(cik, ())

    def tickers(self) -> frozenset[str]:
        return frozenset(self._by_ticker)

    def __len__(self) -> int:
        return len(self._by_ticker)

    def __iter__(self) -> Iterator[CompanyTicker]:
        return iter(self._by_ticker.values())

    def __repr__(self) -> str:
        return f"TickerUniverse({len(self)} tickers, skipped={self._skipped})"


def parse_company_tickers(payload: JsonPayload) -> TickerUniverse:
    """``company_tickers.json`` (an object keyed "0".."N" of {cik_str, ticker, title})."""
    rows = validate(_ROWS, load_json(payload, provider=PROVIDER), provider=PROVIDER)
    if not rows:
        # An empty universe would silently reject every ticker.
        fail("no entries", BODY)
    entries: list[CompanyTicker] = []
    skipped = 0
    for row in rows.values():
        ticker = valid_ticker(row.ticker)
        if ticker is None:
            skipped += 1
            continue
        entries.append(CompanyTicker(cik=row.cik, ticker=ticker, title=row.title))
    return TickerUniverse(entries, skipped=skipped)
