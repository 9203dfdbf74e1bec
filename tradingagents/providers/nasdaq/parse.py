"""Pure parsing of the Nasdaq earnings calendar (api.nasdaq.com/api/calendar/earnings)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.errors import CandidateError, ProviderParseError
from tradingagents.providers.earnings import EarningsEvent, EarningsTime
from tradingagents.providers.parsing import dig, display_number, expect_object, load_json

PROVIDER = "nasdaq"

_TIMES: dict[str, EarningsTime] = {
    "time-pre-market": "pre-market",
    "time-after-hours": "after-hours",
    "time-not-supplied": "not-supplied",
}
_MISSING = ("", "N/A", "n/a", "--")
# Parsed by hand rather than with strptime("%b"), whose month names follow the process locale.
_AS_OF = re.compile(r"^(?:[A-Za-z]{3}, )?([A-Za-z]{3}) (\d{1,2}), (\d{4})$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_earnings_calendar(
    payload: bytes | str | Mapping[str, Any], *, day: datetime.date | None = None
) -> list[EarningsEvent]:
    """The day's earnings events, in Nasdaq's order.

    Every value arrives as a display string ("$614,938,050", "($0.12)", "N/A"). The event date
    is ``day`` when given (the date that was asked for), else ``data.asOf``. Days without
    earnings come back with ``data.rows`` null, which is an empty list, not an error. A row whose
    symbol is not a valid US ticker (test issues, foreign lines) is skipped rather than guessed
    at; any other malformed field fails the whole payload.
    """
    data = load_json(payload, provider=PROVIDER)
    data = expect_object(data, provider=PROVIDER, field="<body>")
    code = dig(data, "status.rCode", provider=PROVIDER)
    if code != 200:
        detail = _status_detail(data.get("status"))
        raise ProviderParseError(
            f"status code {code!r}{detail}", provider=PROVIDER, field="status.rCode"
        )
    dig(data, "data", provider=PROVIDER, kind=Mapping)
    rows = dig(data, "data.rows", provider=PROVIDER)
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise ProviderParseError(
            f"expected a list, got {type(rows).__name__}", provider=PROVIDER, field="data.rows"
        )
    event_day = day if day is not None else _as_of(dig(data, "data.asOf", provider=PROVIDER))
    events = []
    for index, row in enumerate(rows):
        event = _event(row, f"data.rows.{index}", event_day)
        if event is not None:
            events.append(event)
    return events


def _status_detail(status: Any) -> str:
    if not isinstance(status, Mapping):
        return ""
    messages = [
        str(status[key])
        for key in ("bCodeMessage", "developerMessage")
        if status.get(key) not in (None, "", [])
    ]
    return f" ({'; '.join(messages)})" if messages else ""


def _as_of(value: Any) -> datetime.date:
    match = _AS_OF.match(value.strip()) if isinstance(value, str) else None
    month = _MONTHS.get(match.group(1).lower()) if match else None
    if match is None or month is None:
        raise ProviderParseError(
            f"expected a date like 'Mon, Jul 1, 2024', got {value!r}",
            provider=PROVIDER,
            field="data.asOf",
        )
    try:
        return datetime.date(int(match.group(3)), month, int(match.group(2)))
    except ValueError:
        raise ProviderParseError(
            f"invalid date {value!r}", provider=PROVIDER, field="data.asOf"
        ) from None


def _event(row: Any, path: str, day: datetime.date) -> EarningsEvent | None:
    row = expect_object(row, provider=PROVIDER, field=path)
    raw_symbol = _field(row, path, "symbol", required=True)
    try:
        symbol = normalize_ticker(raw_symbol)
    except CandidateError:
        return None
    raw_time = _field(row, path, "time", required=True)
    if raw_time not in _TIMES:
        raise ProviderParseError(
            f"unknown time {raw_time!r}", provider=PROVIDER, field=f"{path}.time"
        )
    n_estimates = display_number(
        _field(row, path, "noOfEsts"), provider=PROVIDER, field=f"{path}.noOfEsts"
    )
    if n_estimates is not None and (n_estimates < 0 or not n_estimates.is_integer()):
        raise ProviderParseError(
            f"expected a count, got {row['noOfEsts']!r}",
            provider=PROVIDER,
            field=f"{path}.noOfEsts",
        )
    return EarningsEvent(
        symbol=symbol,
        name=_text(_field(row, path, "name")),
        date=day,
        time=_TIMES[raw_time],
        market_cap=display_number(
            _field(row, path, "marketCap"), provider=PROVIDER, field=f"{path}.marketCap"
        ),
        fiscal_quarter_ending=_text(_field(row, path, "fiscalQuarterEnding")),
        eps_forecast=display_number(
            _field(row, path, "epsForecast"), provider=PROVIDER, field=f"{path}.epsForecast"
        ),
        n_estimates=None if n_estimates is None else int(n_estimates),
        last_year_report_date=_us_date(
            _field(row, path, "lastYearRptDt"), field=f"{path}.lastYearRptDt"
        ),
        last_year_eps=display_number(
            _field(row, path, "lastYearEPS"), provider=PROVIDER, field=f"{path}.lastYearEPS"
        ),
        source="nasdaq",
    )


def _field(row: Mapping[str, Any], path: str, key: str, *, required: bool = False) -> str | None:
    """A row's display string; the key must be there (a missing key means a changed format)."""
    if key not in row:
        raise ProviderParseError("missing field", provider=PROVIDER, field=f"{path}.{key}")
    value = row[key]
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ProviderParseError(
            f"expected a string, got {type(value).__name__}",
            provider=PROVIDER,
            field=f"{path}.{key}",
        )
    return value


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    return None if text in _MISSING else text


def _us_date(value: str | None, *, field: str) -> datetime.date | None:
    text = _text(value)
    if text is None:
        return None
    match = _US_DATE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        month, day, year = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    except ValueError:
        raise ProviderParseError(
            f"expected a date like '5/08/2023', got {value!r}", provider=PROVIDER, field=field
        ) from None
