"""Real receivers for notification tests, on 127.0.0.1 and a free port.

- ``WebhookReceiver``: an HTTP server in a thread that, given a ``secret``, verifies each POST
  exactly as docs/notifications.md tells a receiver to (``X-Scheduler-Signature: sha256=<hex
  HMAC-SHA256(secret, "<timestamp>.<body>")>``, ``X-Scheduler-Timestamp`` within 300 s) and
  records accepted deliveries by ``X-Scheduler-Delivery`` (a repeat is counted, not accepted
  twice) and rejected requests with why. Without a secret it only records (ntfy, Telegram).
  Scriptable: ``answers`` (status codes, or (status, headers), answered in turn, then 200) and
  ``delays`` (seconds to hold each request open before answering, in turn).
- ``PingReceiver``: a Healthchecks stand-in that answers every GET and keeps the pings.
- ``SmtpReceiver``: an aiosmtpd server collecting the messages it receives.
"""
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from scheduler_app.stack import free_port

TOLERANCE_SECONDS = 300


@dataclass
class Request:
    path: str
    headers: dict
    body: bytes
    at: float = field(default_factory=time.time)


def verify(secret: str, headers: dict, body: bytes, *, now: float | None = None) -> str | None:
    """Why a webhook request must be refused, or None when it is genuine and fresh."""
    timestamp = headers.get("X-Scheduler-Timestamp")
    sent = headers.get("X-Scheduler-Signature", "")
    if not timestamp or not timestamp.isdigit():
        return "no timestamp"
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        return "timestamp outside the tolerance"
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, sent):
        return "bad signature"
    return None


class LoopbackServer:
    """An HTTP server on 127.0.0.1 and a free port, serving ``handler`` in a thread while the
    ``with`` block runs."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class PingReceiver(LoopbackServer):
    """A Healthchecks stand-in: answers every GET with 200 "OK" and keeps (monotonic time, path,
    User-Agent) of each ping."""

    def __init__(self):
        self.pings: list[tuple[float, str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802  (http.server's name)
                receiver.pings.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *args):
                pass

        super().__init__(Handler)


class WebhookReceiver(LoopbackServer):
    def __init__(self, secret: str | None = None, *, answers: list | None = None, delays: list | None = None):
        self.secret = secret
        self.answers = list(answers or [])
        self.delays = list(delays or [])
        self.requests: list[Request] = []  # every request, in order
        self.hits: dict[str, int] = {}  # accepted delivery id -> requests seen for it
        self.accepted: list[Request] = []  # first accepted request of each delivery id
        self.rejected: list[tuple[str, Request]] = []
        self._lock = threading.Lock()
        super().__init__(self._handler())

    def events(self) -> list[str]:
        """The event of each distinct accepted delivery, in order."""
        return [r.headers.get("X-Scheduler-Event", "") for r in self.accepted]

    def wait(self, check, *, timeout: float, what: str = "a request"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check(self):
                return
            time.sleep(0.1)
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}; got {self.requests}")

    def _receive(self, request: Request) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(request)
            reason = verify(self.secret, request.headers, request.body) if self.secret else None
            if reason:
                self.rejected.append((reason, request))
            else:
                delivery = request.headers.get("X-Scheduler-Delivery", f"request-{len(self.requests)}")
                if delivery not in self.hits:
                    self.accepted.append(request)
                self.hits[delivery] = self.hits.get(delivery, 0) + 1
            delay = self.delays.pop(0) if self.delays else 0
            answer = self.answers.pop(0) if self.answers else 200
        if reason:
            return 400, {}
        if delay:
            time.sleep(delay)
        return answer if isinstance(answer, tuple) else (answer, {})

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers = receiver._receive(Request(self.path, dict(self.headers.items()), body))
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender died while we held the request
                    pass

            def log_message(self, *args):
                pass

        return Handler


class _Collector:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 OK"


class SmtpReceiver:
    """A real SMTP server on loopback; ``messages`` are the parsed emails it got."""

    def __init__(self):
        self.port = free_port()
        self.handler = _Collector()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def __enter__(self) -> "SmtpReceiver":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
