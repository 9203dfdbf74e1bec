"""Misbehaving TCP servers on 127.0.0.1 for fault injection (what pytest-httpserver cannot do)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypedDict, Unpack


class RawServer:
    """Accepts connections on 127.0.0.1 and hands each to ``behave`` on its own thread."""

    def __init__(
        self,
        behave: str,
        *,
        body: bytes = b"{}",
        drip_interval: float = 1.0,
        hang_s: float = 30.0,
    ) -> None:
        self.behave = behave
        self.body = body
        self.drip_interval = drip_interval
        #: How long "silent" holds a connection before dropping it (a retrying client resends).
        self.hang_s = hang_s
        self.connections = 0
        #: When each complete request arrived (time.monotonic()), and the first one's event.
        self.requests: list[float] = []
        self.first = threading.Event()
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def start(self) -> RawServer:
        self._accept.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._accept.join(2)
        for conn in self._open:
            with suppress(OSError):
                conn.close()
        self._sock.close()
        for thread in self._threads:
            thread.join(2)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self._open.append(conn)
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read_request(self, conn: socket.socket) -> bool:
        conn.settimeout(2)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return False
            data += chunk
        self.requests.append(time.monotonic())
        self.first.set()
        return True

    def _handle(self, conn: socket.socket) -> None:
        try:
            self._read_request(conn)
            if self.behave == "silent":
                # Accepted, request read, never answered: only a read timeout gets out, or the
                # drop after hang_s.
                self._stop.wait(self.hang_s)
                conn.close()
            elif self.behave == "reset":
                # SO_LINGER with a zero timeout turns close() into a TCP RST.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            elif self.behave == "drip":
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(self.body)}\r\n\r\n"
                ).encode()
                conn.sendall(head)
                for byte in self.body:
                    if self._stop.wait(self.drip_interval):
                        break
                    conn.sendall(bytes([byte]))
        except OSError:
            pass


class RawServerOptions(TypedDict, total=False):
    """RawServer's keyword arguments, as raw_server passes them on."""

    body: bytes
    drip_interval: float
    hang_s: float


@contextmanager
def raw_server(behave: str, **kwargs: Unpack[RawServerOptions]) -> Iterator[RawServer]:
    server = RawServer(behave, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()


def wait_for(predicate: Callable[[], object], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())
