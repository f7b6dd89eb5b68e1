"""Helpers of the drift tests: run the check as users do, mutate products, fingerprint trees."""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from paved_road.answers_file import read_answers
from paved_road.cli import main
from paved_road.drift import kustomize_cache
from paved_road.drift.policy import POLICY_FILE, Policy, parse_policy
from paved_road.drift.rendering import bytecode
from paved_road.drift.signatures import NAMESPACE, PRINCIPAL, message, sign
from paved_road.drift.waivers import WAIVERS_FILE, Waiver
from paved_road.template_source import resolve_src
from paved_road.yaml_file import FileProblem


def drift(
    capsys: pytest.CaptureFixture[str],
    product: Path,
    *args: str,
    approve: Path | str | None = None,
) -> tuple[int, str, str]:
    """`paved-road drift PRODUCT ARGS...` in this process: exit code, stdout, stderr.

    The tests' template is a scratch clone, so it is approved as CI approves the platform's
    (`--approved-source`): ``approve``, else the source the product's answers record as rendered
    (tests of source approval pass ``approve``; ``approve=""`` approves nothing)."""
    source = approve if approve is not None else recorded_source(product)
    capsys.readouterr()
    approval = ["--approved-source", str(source)] if source else []
    # The tests' platform key signs waivers (sign_waivers): trusted as the platform's keys are.
    signers = ["--waiver-signers", str(platform_key()[1])]
    code = main(["drift", str(product), *approval, *signers, *args])
    out, err = capsys.readouterr()
    return code, out, err


def recorded_source(product: Path) -> str | None:
    """The `_src_path` of a product's answers file (read as drift reads it), when it has one."""
    try:
        return resolve_src(read_answers(product).src_path, product)
    except FileProblem:
        return None


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
    ``[[part]]``), or set a key ``part = ...`` (top level, or ``table.key`` under ``[table]``)
    to a new value, adding it when the template leaves it out."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        header = line.strip().lstrip("[").rstrip("]")
        if line.startswith("[") and (header == part or header.startswith(f"{part}.")):
            lines.insert(index + 1, 'drift-probe = "changed"\n')
            return "".join(lines)
    table, _, key = part.rpartition(".")
    start = 0
    if table:
        headers = [i for i, line in enumerate(lines) if line.strip() == f"[{table}]"]
        if not headers:
            raise AssertionError(f"no table or key {part} to change")
        start = headers[0] + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
    probe = f'{key} = "drift-probe"\n'
    for index in range(start, end):
        if lines[index].split("=")[0].strip() == key:
            lines[index] = probe  # the template writes these values on one line
            return "".join(lines)
    lines.insert(start, probe)
    return "".join(lines)


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


@functools.cache
def platform_key() -> tuple[Path, Path]:
    """The tests' stand-in for the platform's waiver signing key: (private key, allowed
    signers file naming its public key), made once per test process."""
    folder = Path(tempfile.mkdtemp(prefix="paved-road-test-platform-key-"))
    # Removed when the process ends: every run left one folder per worker behind in /tmp.
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    key = folder / "platform"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test-platform", "-f", str(key)],
        check=True,
    )
    allowed = folder / "allowed_signers"
    public = key.with_suffix(".pub").read_text().strip()
    allowed.write_text(f'{PRINCIPAL} namespaces="{NAMESPACE}" {public}\n')
    return key, allowed


def product_slug(product: Path) -> str:
    catalog = yaml.safe_load((product / "catalog-info.yaml").read_text())
    return str(catalog["metadata"]["annotations"]["github.com/project-slug"]).lower()


def sign_waivers(product: Path, key: Path | None = None) -> None:
    """Sign each waiver of the product's waivers file as the platform does (`paved-road waiver
    sign`), with the tests' platform key unless another KEY is given. Entries that are not
    valid waivers stay as they are (tests of bad waiver files)."""
    path = product / WAIVERS_FILE
    data = yaml.safe_load(path.read_text())
    slug, signed = product_slug(product), False
    for entry in data.get("waivers") or [] if isinstance(data, dict) else []:
        try:
            waiver = Waiver.model_validate(entry)
        except ValueError:
            continue
        entry["signature"] = sign(message(slug, waiver), key or platform_key()[0])
        signed = True
    if signed:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def render_entries(cache: Path) -> list[Path]:
    """The stored renders of a cache folder, not its compiled templates or overlay builds."""
    kept = {bytecode.FOLDER, kustomize_cache.FOLDER}
    return [path for path in cache.iterdir() if path.name not in kept]


@contextlib.contextmanager
def compiles_counted() -> Iterator[list[str]]:
    """Every template source Jinja compiles in the block, in order (as a new process would
    compile them when the block starts with ``rendering.clear_memory_cache()``)."""
    import jinja2  # noqa: PLC0415

    compiled: list[str] = []
    original = jinja2.Environment.compile

    def counted(self, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(source, str):
            compiled.append(source)
        return original(self, source, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Environment, "compile", counted)
        yield compiled
