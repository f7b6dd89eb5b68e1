"""A real OpenID Connect issuer for the tests, on 127.0.0.1: discovery and JWKS over HTTP.

It signs access tokens with its own RSA keys (PyJWT), rotates them, counts the requests it
answers and can go down, so the app's verification is tested end to end, over the network.
"""

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

# An RSA key takes a tenth of a second of CPU to make: the tests cycle through a few, made once.
# Any four keys made one after the other differ, as the keys of one test's issuers must.
_KEY_POOL: list[rsa.RSAPrivateKey] = []
_KEYS_MADE = itertools.count()


def _a_key() -> rsa.RSAPrivateKey:
    index = next(_KEYS_MADE) % 4
    if index == len(_KEY_POOL):
        _KEY_POOL.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEY_POOL[index]


class TestIssuer:
    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, audience: str = "api://demo") -> None:
        self.audience = audience
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.requests = 0
        self.jwks_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread: threading.Thread | None = None
        self.add_key("key-1")

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def add_key(self, kid: str) -> rsa.RSAPrivateKey:
        key = _a_key()
        self.keys[kid] = key
        return key

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def token(
        self,
        scope: str = "items:read items:write",
        *,
        kid: str = "key-1",
        key: rsa.RSAPrivateKey | None = None,
        algorithm: str = "RS256",
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": "alice",
            "scope": scope,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            **claims,
        }
        signing_key = key or self.keys[kid]
        return jwt.encode(payload, signing_key, algorithm=algorithm, headers={"kid": kid})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests += 1
                if self.path == "/.well-known/openid-configuration":
                    body: dict[str, Any] = {
                        "issuer": issuer.issuer,
                        "jwks_uri": f"{issuer.issuer}/jwks",
                    }
                elif self.path == "/jwks":
                    issuer.jwks_requests += 1
                    body = issuer.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler

    def start(self) -> None:
        # A short poll: stop() waits for the loop to notice (0.5 s by default, per test). 0.01 s
        # rather than 0.05: the file's teardowns took 1.1 s of waiting, now 0.6 s, for no
        # measurable CPU (the loop's wake-ups are microseconds).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Down: the port refuses connections from now on."""
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_issuer() -> Iterator[TestIssuer]:
    issuer = TestIssuer()
    issuer.start()
    try:
        yield issuer
    finally:
        if issuer._thread is not None and issuer._thread.is_alive():
            issuer.stop()
