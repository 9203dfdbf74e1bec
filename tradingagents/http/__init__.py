"""HTTP for the providers: typed messages, the Transport protocol, live transports, errors."""

from tradingagents.http.errors import (
    connection_failed,
    library_error,
    library_exceptions,
    timed_out,
)
from tradingagents.http.messages import DEFAULT_MAX_BYTES, Request, Response, Transport
from tradingagents.http.requests_transport import RequestsTransport

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Request",
    "RequestsTransport",
    "Response",
    "Transport",
    "connection_failed",
    "library_error",
    "library_exceptions",
    "timed_out",
]
