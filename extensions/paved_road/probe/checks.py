"""What the probe asks of the running app, over HTTP, and what it must answer.

Every check returns the problems it found, one line each, naming the guarantee. The paths are
drawn afresh on every run (an app that sends its headers only where a known test looks fails),
and the write routes come from the app's own OpenAPI schema.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable

from .app import request

# The platform's limit on request bodies (core/limits.py; the MAX_BODY_SIZE default).
MAX_BODY = 1024 * 1024
EVIL_ORIGIN = "https://attacker.paved-road.invalid"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
WRITE_METHODS = ("post", "put", "patch", "delete")
# The headers every answer carries (core/security.py), and what each must say.
HEADERS = {
    "content-security-policy": lambda value: "frame-ancestors 'none'" in value,
    "x-content-type-options": lambda value: value.strip().lower() == "nosniff",
    "x-frame-options": lambda value: value.strip().upper() == "DENY",
    "strict-transport-security": lambda value: re.match(r"max-age=[1-9]", value) is not None,
}
_PARAM = re.compile(r"\{([^}/]+)\}")


def random_paths() -> list[str]:
    """Paths no product can know in advance: new on every run."""
    return [
        f"/{secrets.token_hex(4)}",
        f"/{secrets.token_hex(3)}/{secrets.token_hex(5)}",
        f"/api/{secrets.token_hex(4)}?{secrets.token_hex(2)}={secrets.token_hex(3)}",
    ]


def schema_routes(port: int) -> tuple[dict[str, dict[str, object]] | None, str]:
    """The app's OpenAPI paths (with API_DOCS on), or None and why not."""
    try:
        status, _, body = request(port, "GET", "/openapi.json")
        schema = json.loads(body) if status == 200 else None
    except (OSError, ValueError):
        status, schema = 0, None
    paths = schema.get("paths") if isinstance(schema, dict) else None
    if not isinstance(paths, dict):
        return None, f"GET /openapi.json answered {status} without a schema"
    return {str(path): ops for path, ops in paths.items() if isinstance(ops, dict)}, ""


def concrete(path: str, operation: object) -> str:
    """PATH with a value for each path parameter, of the type the schema gives it."""
    kinds: dict[str, str] = {}
    for param in (operation.get("parameters") or []) if isinstance(operation, dict) else []:
        if isinstance(param, dict) and param.get("in") == "path":
            schema = param.get("schema") if isinstance(param.get("schema"), dict) else {}
            kinds[str(param.get("name"))] = str(schema.get("format") or schema.get("type"))
    samples = {"integer": "1", "number": "1", "uuid": "00000000-0000-4000-8000-000000000001"}
    return _PARAM.sub(lambda match: samples.get(kinds.get(match[1], ""), "probe"), path)


def security_headers(port: int, paths: Iterable[str]) -> tuple[list[str], int]:
    """Every method on every path answers with the platform's security headers."""
    missing: dict[str, list[str]] = {name: [] for name in HEADERS}
    asked = 0
    for path in paths:
        for method in METHODS:
            body = b"{}" if method in {"POST", "PUT", "PATCH"} else None
            _, headers, _ = request(
                port, method, path, body=body, headers={"Content-Type": "application/json"}
            )
            asked += 1
            for name, good in HEADERS.items():
                if not good(headers.get(name, "")):
                    missing[name].append(f"{method} {path}")
    problems = [
        f"security headers: {name} missing or weakened on {len(where)} of {asked} answers "
        f"(e.g. {where[0]}): the security middleware must answer every request"
        for name, where in missing.items()
        if where
    ]
    return problems, asked


def cors_closed(port: int, paths: Iterable[str]) -> list[str]:
    """No origin is allowed cross-origin access by default (CORS_ORIGINS is empty)."""
    problems = []
    for path in paths:
        preflight = {"Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "POST"}
        for method, headers in (("OPTIONS", preflight), ("GET", {"Origin": EVIL_ORIGIN})):
            _, answer, _ = request(port, method, path, headers=headers)
            allowed = answer.get("access-control-allow-origin")
            if allowed is not None:
                problems.append(
                    f"CORS: {method} {path} from {EVIL_ORIGIN} is allowed ({allowed!r}) with "
                    "CORS_ORIGINS unset: cross-origin access must stay closed by default"
                )
                return problems
    return problems


def body_limit(port: int) -> list[str]:
    """A body past the platform's limit is refused with 413 before any routing. (A chunked
    body is refused as it is read; on a path that reads nothing it is never read at all.)"""
    path = random_paths()[0]
    try:
        status, _, _ = request(port, "POST", path, body=b"x" * (MAX_BODY + 1))
    except OSError as error:
        status, why = 0, f"got no answer ({error})"
    else:
        why = f"answered {status}"
    if status == 413:
        return []
    return [
        f"body limit: POST {path} of {MAX_BODY + 1} bytes {why}, not 413: the request "
        "limits middleware must be mounted with the platform's limit"
    ]


def anonymous_writes(
    port: int, routes: dict[str, dict[str, object]], paths: list[str]
) -> tuple[list[str], int]:
    """Without credentials, every write route of the schema answers 401 or 403, and a write
    to any other path is not accepted either. Also: how many schema routes were tried."""
    problems = []
    tried = 0
    for path, operations in routes.items():
        for method in WRITE_METHODS:
            if method not in operations:
                continue
            target = concrete(path, operations[method])
            tried += 1
            status, _, _ = request(
                port,
                method.upper(),
                target,
                body=b"{}",
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            )
            if status not in (401, 403):
                problems.append(
                    f"anonymous write: {method.upper()} {target} without credentials answered "
                    f"{status}, not 401/403: declare requires(...) on the route (docs/identity.md)"
                )
    for path in paths:
        for method in WRITE_METHODS:
            status, _, _ = request(port, method.upper(), path, body=b"{}")
            if 200 <= status < 300:
                problems.append(
                    f"anonymous write: {method.upper()} {path} without credentials answered "
                    f"{status}: a route outside the schema accepts anonymous writes"
                )
    return problems, tried
