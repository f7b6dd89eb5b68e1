"""A local HTTP server answering JSON, for the fake forges (github_api.py, gitlab_api.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (method, path, the token header's value, the JSON body) -> (status, the JSON answer)
Answer = Callable[[str, str, str | None, dict], tuple[int, object]]


@contextmanager
def serve_json(answer: Answer, token_header: str, content_type: str) -> Iterator[str]:
    """Serve ``answer`` on 127.0.0.1 for GET, POST, PUT and PATCH; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            status, data = answer(self.command, self.path, self.headers.get(token_header), body)
            encoded = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        do_GET = do_POST = do_PUT = do_PATCH = _reply

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
