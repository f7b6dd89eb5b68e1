"""Effective configuration of a Fly.io product: what ``fly deploy`` builds and runs.

``fly.toml`` is shared: its ``[deploy]``, ``[checks]`` and ``[http_service]`` are guarded
parts, the rest is the product's. But ``[build]`` decides what is built (another Dockerfile, a
prebuilt image, a buildpack: not the guarded Dockerfile), ``[env]`` decides the app's
environment, and a ``[[services]]`` entry opens ports beside the guarded HTTPS service. Each
is held to the template's own ``fly.toml`` here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .product_file import read_product_file
from .report import Finding, Kind, Severity

FLY_TOML = "fly.toml"


def _toml(data: bytes | None) -> dict[str, Any] | None:
    try:
        return tomllib.loads(data.decode("utf-8")) if data is not None else None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _finding(part: str, message: str) -> Finding:
    return Finding(
        kind=Kind.EFFECTIVE, severity=Severity.ERROR, path=FLY_TOML, part=part, message=message
    )


def fly_findings(render: Path, product: Path) -> list[Finding]:
    shipped = _toml((render / FLY_TOML).read_bytes()) if (render / FLY_TOML).is_file() else None
    if shipped is None:
        return []
    mine = _toml(read_product_file(product, FLY_TOML))
    if mine is None:  # missing or unreadable: the shared-file comparison names it
        return []
    return [*_build(shipped, mine), *_environment(shipped, mine), *_services(mine)]


def _build(shipped: dict[str, Any], mine: dict[str, Any]) -> list[Finding]:
    wanted = shipped.get("build") or {}
    build = mine.get("build") or {}
    if not isinstance(build, dict):
        return [_finding("build", "[build] is not a table: fly cannot be told what to build")]
    return [
        _finding(
            f"build.{key}",
            f"[build] {key} = {value!r} (the template's: {wanted.get(key)!r}): fly would build "
            "or run something other than the guarded Dockerfile",
        )
        for key, value in build.items()
        if wanted.get(key) != value
    ]


def _environment(shipped: dict[str, Any], mine: dict[str, Any]) -> list[Finding]:
    wanted = shipped.get("env") or {}
    env = mine.get("env") or {}
    key = next((key for key in wanted if str(key).endswith("_ENVIRONMENT")), None)
    if key is None or not isinstance(env, dict) or env.get(key) == wanted[key]:
        return []
    return [
        _finding(
            f"env.{key}",
            f"[env] {key} is {env.get(key)!r}, not {wanted[key]!r}: fly.toml deploys production "
            "(staging sets its environment on the deploy command line)",
        )
    ]


def _services(mine: dict[str, Any]) -> list[Finding]:
    """Every port of ``[[services]]`` terminates TLS, or serves HTTP only to redirect it."""
    findings = []
    services = mine.get("services") or []
    for index, service in enumerate(services if isinstance(services, list) else [services]):
        ports = service.get("ports") if isinstance(service, dict) else None
        for port in ports if isinstance(ports, list) else []:
            if not isinstance(port, dict):
                continue
            handlers = port.get("handlers") or []
            redirect = "http" in handlers and port.get("force_https") is True
            if "tls" not in handlers and not redirect:
                findings.append(
                    _finding(
                        f"services.{index}",
                        f"[[services]] port {port.get('port', '?')} serves plain "
                        f"{'HTTP' if 'http' in handlers else 'TCP'}: only HTTPS is served",
                    )
                )
    return findings
