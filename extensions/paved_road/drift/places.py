"""What a product adds, which comparing the files the template renders never sees: files in
places the platform owns whole, and files that would override guarded configuration.

A workflow added next to the guarded ones runs with the repository's secrets; a ``ruff.toml``
beside the guarded ``[tool.ruff]`` replaces it. Files the template renders are compared
elsewhere, so both checks look only at the product's other files.
"""

from __future__ import annotations

import configparser
import fnmatch
import tomllib
from collections.abc import Collection
from pathlib import Path

from . import parts
from .policy import Forbidden, Policy
from .product_file import read_product_file
from .report import Finding, Kind, Severity


def added_findings(policy: Policy, rendered: Collection[str], files: list[str]) -> list[Finding]:
    """Files in a closed place (``.github/workflows/**``) that the template does not render."""
    findings = []
    for path in files:
        if path in rendered:
            continue
        place = next((entry for entry in policy.closed if entry.closes(path)), None)
        if place is not None:
            findings.append(
                Finding(
                    kind=Kind.ADDED,
                    severity=Severity.ERROR,
                    path=path,
                    message=f"the platform owns {place.path} whole and the template does not "
                    "render this file: delete it, or ask the platform team to add it to the "
                    "template",
                )
            )
    return findings


def forbidden_findings(
    policy: Policy, rendered: Collection[str], files: list[str], product: Path
) -> list[Finding]:
    """Files the policy forbids (``ruff.toml``, a second ``Dockerfile``, ``[tool:pytest]`` in a
    ``setup.cfg``) that the template does not render."""
    findings = []
    for path in files:
        if path in rendered:
            continue
        for entry in policy.forbidden:
            if entry.matches(path) and (what := _overrides(entry, product, path)) is not None:
                findings.append(
                    Finding(
                        kind=Kind.FORBIDDEN,
                        severity=Severity.ERROR,
                        path=path,
                        message=f"{what}{entry.reason}: "
                        f"{'remove that section' if what.startswith('its [') else 'delete it'} "
                        "(ask the platform team to change the template's configuration instead)",
                    )
                )
                break
    return findings


def _overrides(entry: Forbidden, product: Path, path: str) -> str | None:
    """Why the file is forbidden ("" for the whole file, "its [section] " for a section it
    holds), or None when it holds none of the entry's sections."""
    if not entry.sections:
        return ""
    raw = read_product_file(product, path)
    try:
        text = raw.decode("utf-8") if raw is not None else None
    except UnicodeDecodeError:
        text = None
    if text is None:
        return "it cannot be read; it may hold settings that "
    if path.endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return "it does not parse; it may hold settings that "
        held = [name for name in entry.sections if parts.lookup(data, name) is not parts.MISSING]
    else:
        config = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            config.read_string(text)
        except configparser.Error:
            return "it does not parse; it may hold settings that "
        held = [
            section
            for section in config.sections()
            if any(fnmatch.fnmatchcase(section, pattern) for pattern in entry.sections)
        ]
    return f"its [{held[0]}] " if held else None
