"""The issuer of benchmarks/issuer.py, run by a product's interpreter (PyJWT, cryptography).

<product>/.venv/bin/python benchmarks/issuer_server.py FOLDER AUDIENCE TOKENS
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def serve(folder: Path, audience: str, count: int) -> None:
    tls_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(tls_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(tls_key, hashes.SHA256())
    )
    cert_file, key_file = folder / "issuer.crt", folder / "issuer.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        tls_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key(), as_dict=True)
    jwks = {"keys": [{**public, "kid": "bench-1", "use": "sig", "alg": "RS256"}]}
    fetches = {"jwks": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                body: dict[str, object] = {"issuer": issuer, "jwks_uri": f"{issuer}/jwks"}
            elif self.path == "/jwks":
                fetches["jwks"] += 1
                body = jwks
            elif self.path == "/stats":
                body = fetches
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    issuer = f"https://127.0.0.1:{server.server_port}"
    stamp = int(time.time())
    claims = {"iss": issuer, "aud": audience, "scope": "items:read items:write"}
    tokens = [
        jwt.encode(
            {**claims, "sub": f"client-{n}", "iat": stamp, "nbf": stamp, "exp": stamp + 7200},
            signing_key,
            algorithm="RS256",
            headers={"kid": "bench-1"},
        )
        for n in range(count)
    ]
    print(json.dumps({"issuer": issuer, "cert": str(cert_file), "tokens": tokens}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
