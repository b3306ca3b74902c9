"""A Socket Mode endpoint on 127.0.0.1 that talks to csf as Slack's does.

How Slack's Socket Mode works: the app calls `apps.connections.open` with its `xapp-` token and
gets a websocket URL; on connecting it receives `{"type": "hello"}`, then envelopes
(`envelope_id`, `type`: slash_commands / events_api / interactive, `payload`, and
`accepts_response_payload`), and acknowledges each by sending `{"envelope_id": ...}` back within
3 s. slack_sdk's built-in client speaks plain `ws://` to any port but 443 (meant for tests).
This server does the RFC 6455 handshake and framing itself (the standard library has no
websocket server), answers pings, and records every message the app sends.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketMode:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []  # every JSON message the app sent
        self.connections = 0
        self._lock = threading.Condition()
        self._client: socket.socket | None = None
        self._listener = socket.socket()
        self._envelopes = 0

    def __enter__(self) -> FakeSocketMode:
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._listener.close()
        with self._lock:
            if self._client is not None:
                self._client.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link"

    # -- test controls --------------------------------------------------------------------------

    def wait_connected(self, timeout: float = 30) -> None:
        self._wait(lambda: self._client is not None, timeout, "the app never connected")

    def send(self, kind: str, payload: dict[str, Any], *, response: bool = False) -> str:
        """Deliver one envelope to the app, as Slack does; returns its id."""
        with self._lock:
            self._envelopes += 1
            envelope_id = f"env-{self._envelopes:04d}"
            client = self._client
        assert client is not None, "no app is connected"
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": response,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        _send_frame(client, _TEXT, json.dumps(message).encode())
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """The app's acknowledgement of an envelope (fails after `timeout`)."""

        def acked() -> dict[str, Any] | None:
            return next((m for m in self.received if m.get("envelope_id") == envelope_id), None)

        self._wait(lambda: acked() is not None, timeout, f"{envelope_id} was never acknowledged")
        found = acked()
        assert found is not None
        return found

    # -- serving --------------------------------------------------------------------------------

    def _wait(self, ready: Any, timeout: float, failure: str) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(failure)
                self._lock.wait(left)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(4096)
                if not chunk:
                    return
                request += chunk
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (
                    line.partition(":") for line in request.decode().split("\r\n")[1:] if line
                )
            }
            accept = base64.b64encode(
                hashlib.sha1((headers["sec-websocket-key"] + _GUID).encode()).digest()
            ).decode()
            client.sendall(
                (
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                ).encode()
            )
            hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0CSF"}}
            _send_frame(client, _TEXT, json.dumps(hello).encode())
            with self._lock:
                self._client = client
                self.connections += 1
                self._lock.notify_all()
            while True:
                opcode, data = _read_frame(client)
                if opcode == _PING:
                    _send_frame(client, _PONG, data)
                elif opcode == _TEXT:
                    with self._lock:
                        self.received.append(json.loads(data))
                        self._lock.notify_all()
                elif opcode == _CLOSE:
                    _send_frame(client, _CLOSE, data[:2])
                    return
        except (OSError, ConnectionError):
            return
        finally:
            with self._lock:
                if self._client is client:
                    self._client = None
            client.close()


def _send_frame(sock: socket.socket, opcode: int, data: bytes) -> None:
    """A final, unmasked frame (servers never mask)."""
    size = len(data)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    sock.sendall(header + data)


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the app closed the socket")
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """One whole message (client frames are masked; fragments are joined)."""
    opcode, message = 0, b""
    while True:
        first, second = _read_exact(sock, 2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", _read_exact(sock, 2))
        elif size == 127:
            (size,) = struct.unpack("!Q", _read_exact(sock, 8))
        mask = _read_exact(sock, 4) if second & 0x80 else b"\0\0\0\0"
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_read_exact(sock, size)))
        if first & 0x0F:
            opcode = first & 0x0F
        if opcode >= 0x8:  # control frames are never fragmented
            return opcode, payload
        message += payload
        if first & 0x80:
            return opcode, message
