"""Helpers of the drift tests: run the check as users do, mutate products, fingerprint trees."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import yaml
from paved_road.cli import main
from paved_road.drift.policy import POLICY_FILE, Policy, parse_policy


def drift(capsys: pytest.CaptureFixture[str], product: Path, *args: str) -> tuple[int, str, str]:
    """`paved-road drift PRODUCT ARGS...` in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    code = main(["drift", str(product), *args])
    out, err = capsys.readouterr()
    return code, out, err


def product_policy(product: Path) -> Policy:
    return parse_policy((product / POLICY_FILE).read_text())


def rendered(product: Path) -> list[str]:
    return sorted(
        path.relative_to(product).as_posix()
        for path in product.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(product).parts
    )


def flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    if not data:
        path.write_bytes(b"#")
        return
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def change_part(path: Path, part: str) -> None:
    """Change the value of a TOML table or YAML key path, leaving the rest of the file be."""
    text = path.read_text()
    if path.suffix == ".toml":
        path.write_text(_change_toml_part(text, part))
        return
    data = yaml.safe_load(text)
    node = data
    keys = part.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = int(keys[-1]) if isinstance(node, list) else keys[-1]
    node[last] = {"drift-probe": "changed"}
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _change_toml_part(text: str, part: str) -> str:
    """Add a key under the first table header inside the part (``[part]``, ``[part.sub]``,
    ``[[part]]``), or change the value of a top-level key ``part = ...``."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        header = line.strip().lstrip("[").rstrip("]")
        if line.startswith("[") and (header == part or header.startswith(f"{part}.")):
            lines.insert(index + 1, 'drift-probe = "changed"\n')
            return "".join(lines)
    for index, line in enumerate(lines):
        if "." not in part and line.split("=")[0].strip() == part:
            lines[index] = f'{part} = "drift-probe"\n'
            return "".join(lines)
    raise AssertionError(f"no table or key {part} to change")


def fingerprint(root: Path) -> dict[str, tuple[str, int]]:
    """Every path under root (the .git directory included) with its content hash and mtime."""
    found = {}
    for current, _dirs, files in os.walk(root):
        for name in files:
            path = Path(current) / name
            stat = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[path.relative_to(root).as_posix()] = (digest, stat.st_mtime_ns)
    return found
