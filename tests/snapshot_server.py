"""Serve a replay snapshot over real HTTP on 127.0.0.1, so live code paths run offline."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tradingagents.replay.snapshot import Snapshot

SECRET_QUERY = {"token", "apikey"}


class SnapshotServer:
    """Answers each GET with the snapshot response recorded for its path and public query."""

    def __init__(self, server: HTTPServer, snapshot: Snapshot) -> None:
        self.server = server
        self.snapshot = snapshot
        self.paths: Counter[str] = Counter()
        self.secrets_seen: list[dict[str, str]] = []
        self._index = {
            (e.path, tuple(sorted(e.params.items()))): e for e in snapshot.manifest.responses
        }
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        self.paths[request.path] += 1
        query = {k: v for k, v in request.args.items() if k not in SECRET_QUERY}
        self.secrets_seen.append({k: v for k, v in request.args.items() if k in SECRET_QUERY})
        entry = self._index.get((request.path, tuple(sorted(query.items()))))
        if entry is None:
            return Response("not in snapshot", status=404)
        return Response(
            self.snapshot.body(entry), status=entry.status, content_type=entry.content_type
        )

    def live_config(self, **discovery: Any) -> dict[str, Any]:
        """A live-mode config pointing every provider at this server."""
        url = self.server.url_for("").rstrip("/")
        providers = {
            name: {"base_url": url}
            for name in ("yahoo", "sec_edgar", "nasdaq", "alpha_vantage", "reddit", "apewisdom")
        }
        providers["finnhub"] = {"base_url": f"{url}/api/v1"}  # its API lives under a path
        # The local server has no quota: generous limits keep these tests fast, while the
        # limits themselves are tested in tests/resilience.
        fast = {name: {"per_second": 500} for name in providers}
        resilience = {"rate_limits": fast, **discovery.pop("resilience", {})}
        return {
            "discovery": {
                "source": {"mode": "live"},
                "providers": providers,
                "resilience": resilience,
                **discovery,
            }
        }
