"""A local stand-in for Nominatim's ``/search`` endpoint, with scriptable faults.

The server runs on 127.0.0.1 at a free port in a background thread. It answers known queries in
Nominatim's JSON format (a list of places; ``lat``/``lon`` and the bounding box are strings), an
empty list for anything else, and can be told to misbehave for a given query: answer slowly,
answer HTTP 429 with ``Retry-After``, answer 5xx, send malformed JSON, or find nothing. A fault
applies to its first ``times`` requests (``None``: every request); faults for a query are used
in the order they were added. Every request is recorded with the server's ``time.monotonic()``.

Queries match the way Nominatim matches them: case and surrounding/inner whitespace do not matter.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

FaultKind = Literal["slow", "status", "malformed", "empty"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    path: str
    query_string: str
    params: dict[str, str]
    user_agent: str | None
    time: float  # time.monotonic() when the request arrived

    @property
    def q(self) -> str | None:
        return self.params.get("q")


@dataclass
class Fault:
    kind: FaultKind
    times: int | None = 1  # None: always
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass
class _Script:
    faults: list[Fault] = field(default_factory=list)

    def next_fault(self) -> Fault | None:
        for fault in self.faults:
            if fault.times is None:
                return fault
            if fault.times > 0:
                fault.times -= 1
                return fault
        return None


def place(
    *,
    name: str,
    lat: float,
    lon: float,
    display_name: str | None = None,
    place_id: int = 1,
    osm_type: str = "relation",
    osm_id: int = 1,
    category: str = "boundary",
    type_: str = "administrative",
    importance: float = 0.5,
    address: dict[str, str] | None = None,
    half_size: float = 0.05,
) -> dict[str, Any]:
    """Return one place the way Nominatim's ``format=jsonv2``/``json`` lists it."""
    record: dict[str, Any] = {
        "place_id": place_id,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": osm_type,
        "osm_id": osm_id,
        "lat": f"{lat:.7f}",
        "lon": f"{lon:.7f}",
        "class": category,
        "type": type_,
        "place_rank": 16,
        "importance": importance,
        "addresstype": "city",
        "name": name,
        "display_name": display_name or name,
        "boundingbox": [
            f"{lat - half_size:.7f}",
            f"{lat + half_size:.7f}",
            f"{lon - half_size:.7f}",
            f"{lon + half_size:.7f}",
        ],
    }
    if address is not None:
        record["address"] = dict(address)
    return record


def _normalize(query: str) -> str:
    return " ".join(query.split()).casefold()


class FakeNominatim:
    """A Nominatim-like HTTP server for tests; use it as a context manager.

    Parameters
    ----------
    places
        Known queries mapped to one place dict (see :func:`place`) or a list of them.
    """

    def __init__(self, places: dict[str, dict[str, Any] | list[dict[str, Any]]] | None = None) -> None:
        self._places: dict[str, list[dict[str, Any]]] = {}
        self._scripts: dict[str, _Script] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        for query, found in (places or {}).items():
            self.add(query, found)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- scripting ---------------------------------------------------------------------------
    def add(self, query: str, found: dict[str, Any] | Iterable[dict[str, Any]]) -> None:
        places = [found] if isinstance(found, dict) else list(found)
        with self._lock:
            self._places[_normalize(query)] = places

    def _script(self, query: str, fault: Fault) -> None:
        with self._lock:
            self._scripts.setdefault(_normalize(query), _Script()).faults.append(fault)

    def slow(self, query: str, *, seconds: float, times: int | None = 1) -> None:
        """Wait ``seconds`` before answering (normally) the first ``times`` requests."""
        self._script(query, Fault("slow", times=times, seconds=seconds))

    def status(self, query: str, code: int, *, times: int | None = 1, retry_after: str | None = None) -> None:
        """Answer HTTP ``code`` (with an optional ``Retry-After``) to the first ``times`` requests."""
        self._script(query, Fault("status", times=times, status=code, retry_after=retry_after))

    def rate_limited(self, query: str, *, retry_after: int | str = 1, times: int | None = 1) -> None:
        """Answer HTTP 429 with ``Retry-After: retry_after`` to the first ``times`` requests."""
        self.status(query, 429, times=times, retry_after=str(retry_after))

    def malformed(self, query: str, *, times: int | None = None) -> None:
        """Answer 200 with a body that is not JSON."""
        self._script(query, Fault("malformed", times=times))

    def empty(self, query: str, *, times: int | None = None) -> None:
        """Answer ``[]`` (nothing found), even for a known query."""
        self._script(query, Fault("empty", times=times))

    # -- inspection --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def requests_for(self, query: str) -> list[RecordedRequest]:
        key = _normalize(query)
        with self._lock:
            return [r for r in self.requests if r.q is not None and _normalize(r.q) == key]

    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake any slow answer, and free the port; calling it again does nothing."""
        if self._thread is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- answering (called from the handler threads) -----------------------------------------
    def _record(self, handler: BaseHTTPRequestHandler) -> RecordedRequest:
        parts = urlsplit(handler.path)
        params = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        request = RecordedRequest(
            path=parts.path,
            query_string=parts.query,
            params=params,
            user_agent=handler.headers.get("User-Agent"),
            time=time.monotonic(),
        )
        with self._lock:
            self.requests.append(request)
        return request

    def _answer(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        """Return status, extra headers and body for a request (after any slow wait)."""
        if not request.path.endswith("/search"):
            return 404, {}, b'{"error": "not found"}'
        key = _normalize(request.q or "")
        with self._lock:
            script = self._scripts.get(key)
            fault = script.next_fault() if script else None
            places = self._places.get(key, [])
        if fault is not None and fault.kind == "slow":
            self._stopping.wait(fault.seconds)
        elif fault is not None and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return fault.status, headers, json.dumps({"error": f"status {fault.status}"}).encode()
        elif fault is not None and fault.kind == "malformed":
            return 200, {}, b'[{"place_id": 1, "lat": "33.5", "lon": '
        elif fault is not None and fault.kind == "empty":
            places = []
        limit = int(request.params.get("limit") or 10)
        return 200, {}, json.dumps(places[:limit]).encode()


def _make_handler(fake: FakeNominatim) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeNominatim/1.0"

        def do_GET(self) -> None:
            request = fake._record(self)
            status, headers, body = fake._answer(request)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler
