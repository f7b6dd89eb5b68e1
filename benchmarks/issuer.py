"""An OpenID Connect issuer on 127.0.0.1 over HTTPS, for serving a product as production does.

Run by a product's own interpreter (it has PyJWT and cryptography):

    <product>/.venv/bin/python benchmarks/issuer_server.py FOLDER AUDIENCE TOKENS

It writes a self-signed certificate for 127.0.0.1 into FOLDER (the app trusts it through
SSL_CERT_FILE), prints one JSON line {"issuer", "cert", "tokens"} (TOKENS access tokens with
`items:read items:write`, one per client) and serves discovery, JWKS and GET /stats (how many
times the JWKS was fetched) until it is stopped. `running_issuer` does all that from Python.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

AUDIENCE = "api://bench"
SERVER = Path(__file__).with_name("issuer_server.py")


@dataclass
class Issuer:
    url: str
    cert: str
    tokens: list[str]

    def jwks_fetches(self) -> int:
        context = ssl.create_default_context(cafile=self.cert)
        with urllib.request.urlopen(f"{self.url}/stats", context=context, timeout=5) as answer:
            return int(json.loads(answer.read())["jwks"])

    def settings(self, prefix: str) -> dict[str, str]:
        """The environment that points a product at this issuer."""
        return {
            f"{prefix}OIDC_ISSUER": self.url,
            f"{prefix}OIDC_AUDIENCE": AUDIENCE,
            f"{prefix}OIDC_CLIENT_ID": "bench",
            f"{prefix}OIDC_CLIENT_SECRET": "bench-client-secret",
            "SSL_CERT_FILE": self.cert,
        }


@contextmanager
def running_issuer(python: Path, folder: Path, tokens: int) -> Iterator[Issuer]:
    process = subprocess.Popen(
        [str(python), str(SERVER), str(folder), AUDIENCE, str(tokens)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        started = json.loads(process.stdout.readline())
        yield Issuer(started["issuer"], started["cert"], started["tokens"])
    finally:
        process.terminate()
        process.wait(timeout=10)
