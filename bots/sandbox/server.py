"""Serve the sandbox on a local port, in a background thread (tests) or in the foreground (command)."""
import json
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.request import Request, urlopen
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bots.sandbox.scenario import SESSION_COOKIE, SESSION_TOKEN
from bots.sandbox.site import SandboxSite


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


class SandboxServer:
    """``with SandboxServer() as sandbox: sandbox.base_url`` - port 0 picks a free port."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, site: SandboxSite | None = None,
                 quiet: bool = True) -> None:
        self.site = site or SandboxSite()
        self._server = make_server(host, port, self.site, server_class=_ThreadingServer,
                                   handler_class=_QuietHandler if quiet else WSGIRequestHandler)
        self.host, self.port = host, self._server.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> "SandboxServer":
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def sandbox_storage_state_write(path: Path, *, base_url: str) -> Path:
    """A Playwright storage-state file holding the sandbox's session cookie (what a login would save)."""
    host = base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    state = {
        "cookies": [
            {"name": SESSION_COOKIE, "value": SESSION_TOKEN, "domain": host, "path": "/", "expires": -1,
             "httpOnly": True, "secure": False, "sameSite": "Lax"}
        ],
        "origins": [],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2))
    return path


class SandboxClient:
    """The control endpoints over HTTP, for tests and scripts that run the sandbox elsewhere."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = Request(self.base_url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/__sandbox__/state")

    def reset(self, **scenario: Any) -> None:
        self._call("POST", "/__sandbox__/reset", scenario)

    def faults(self, **faults: Any) -> None:
        self._call("POST", "/__sandbox__/faults", faults)
