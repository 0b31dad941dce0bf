"""The fake server: lifecycle, the HTTP/1.1 socket layer and fault application.

    with FakeAuthentik() as fake:
        httpx.get(fake.url + "/api/v3/admin/version/", headers={"Authorization": f"Bearer {fake.token}"})

It listens on 127.0.0.1 only (port 0 picks a free port), one thread per connection, with keep-alive.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import views_admin, views_flows, views_policies, views_rbac, views_stages
from .faults import Faults
from .http import Request, Response
from .requestlog import RequestLog
from .routes import Router, dispatch
from .state import State

HOST = "127.0.0.1"


def build_router() -> Router:
    router = Router()
    for module in (views_admin, views_stages, views_flows, views_rbac, views_policies):
        module.register(router)
    return router


class FakeAuthentik:
    """A loopback fake of the authentik 2025.12.4 API, seeded with a fresh server's defaults
    (``hand_made_stages=True`` adds the recorded server's four hand-made validation stages).

    Attributes: ``url`` (``http://127.0.0.1:<port>``), ``api_url`` (``url + "/api/v3"``),
    ``token`` (superuser API token), ``limited_token`` (a non-superuser's token, see
    ``set_limited_permissions``), ``state`` (the in-memory database), ``faults`` (fault
    injection), ``requests`` (the request log), ``errors`` (tracebacks of bugs in the fake's views)
    and ``unhandled`` (the modelled unhandled server errors, e.g. ``seconds=inf``).
    """

    def __init__(
        self, *, limited_permissions: str | Iterable[str] = "none", port: int = 0, hand_made_stages: bool = False
    ) -> None:
        self.state = State(limited_permissions=limited_permissions, hand_made_stages=hand_made_stages)
        self.faults = Faults()
        self.requests = RequestLog()
        self.errors: list[str] = []  # tracebacks of unexpected exceptions in views (bugs of the fake)
        self.unhandled: list[str] = []  # modelled server errors (the empty 405 of recordings 057/059/102)
        self.router = build_router()
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeAuthentik:
        if self._server is not None:
            return self
        server = _Server((HOST, self._port), _Handler)
        server.app = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-authentik", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeAuthentik:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Back to the seed state, with no faults and an empty request log."""
        self.state.reset()
        self.faults.clear()
        self.requests.clear()
        self.errors.clear()
        self.unhandled.clear()

    # -- conveniences ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake server is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v3"

    @property
    def token(self) -> str:
        return self.state.admin_token

    @property
    def limited_token(self) -> str:
        return self.state.limited_token

    def set_limited_permissions(self, spec: str | Iterable[str]) -> None:
        """ "none" (109-116), "view" (122-126, 160), "write", or an iterable of codenames."""
        self.state.set_limited_permissions(spec)

    def add_device_types(self, items: Iterable[dict[str, str]]) -> None:
        self.state.add_device_types(items)

    def handle(self, request: Request) -> Response:
        """Answer one request in-process (no sockets, no faults)."""
        with self.state.lock:
            return dispatch(self.router, self.state, request, self.errors, self.unhandled)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of concurrent connections overflows
    # it and the kernel drops SYNs, which the client resends after a second. Real servers
    # (gunicorn, uvicorn) listen with a backlog of 2048; so does the fake.
    request_queue_size = 2048
    app: FakeAuthentik

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer (its deadline passed during a drip-fed body) is no
        bug of the fake; anything else is recorded. Nothing is printed: socketserver's default
        prints to sys.stderr, which a test may be capturing as a command's output."""
        import sys
        import traceback

        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return
        self.app.errors.append(traceback.format_exc())

    def close_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-authentik/2025.12.4"
    sys_version = ""
    timeout = 30  # idle keep-alive connections are closed after this many seconds
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        app = self.server.app
        body = self._read_body()
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {name.lower(): value for name, value in self.headers.items()}
        record = app.requests.begin(self.command, path, query, headers, body)
        status: int | None = None
        plan = app.faults.plan(self.command, path, headers)
        try:
            if plan.latency:
                time.sleep(plan.latency)
            if plan.drop:
                self._hang_up()
                return
            response = plan.response
            if response is None:
                response = plan.rewritten(app.handle(Request(self.command, path, query, headers, body)))
            if plan.lose_answer:
                self._hang_up()
                return
            if plan.answer_after:
                time.sleep(plan.answer_after)
            try:
                self._write(response, plan.chunk_size, plan.delay)
            except (BrokenPipeError, ConnectionResetError):  # the client went away (e.g. its timeout)
                self.close_connection = True
                return
            status = response.status
        finally:
            app.requests.end(record, status, plan.applied)

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _write(self, response: Response, chunk_size: int, delay: float) -> None:
        body = response.body
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status != 204 and response.header("Content-Length") is None:
            self.send_header("Content-Length", str(len(body)))  # HEAD: the length of the GET body
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD" or response.status == 204 or not body:
            return
        if not chunk_size:
            self.wfile.write(body)
            return
        for start in range(0, len(body), chunk_size):
            self.wfile.write(body[start : start + chunk_size])
            self.wfile.flush()
            if start + chunk_size < len(body):
                time.sleep(delay)
