"""Waiver approvals the product cannot write: signed by the platform's key.

A waiver lives in the product's own ``.paved-road/waivers.yml``, so whatever it says about its
approval (``approved_by: "@acme/platform"``) the product could have written itself. It counts
only with an SSH signature (``ssh-keygen -Y sign``, namespace ``paved-road-waiver``) over its
text and the product it is for, by a key of the platform: the ``allowed signers`` shipped in
the paved-road release that checks it (``paved_road/data/waiver_signers``), plus any
``--waiver-signers FILE`` the platform's own run passes. ``paved-road waiver sign`` makes one.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from .. import bounded

NAMESPACE = "paved-road-waiver"
PRINCIPAL = "paved-road-platform"
SHIPPED_SIGNERS = Path(__file__).resolve().parent.parent / "data" / "waiver_signers"
TIMEOUT_SECONDS = 20


class Signed(Protocol):
    path: str
    part: str | None
    reason: str
    approved_by: str | None
    approved_on: object
    expires: object


def message(product: str, waiver: Signed) -> bytes:
    """What is signed: every field of the waiver and the product (``org/repo``) it is for, so
    a signature neither stretches to another path or date nor travels to another product."""
    lines = [
        "paved-road waiver v1",
        f"product: {product}",
        f"path: {waiver.path}",
        f"part: {waiver.part or ''}",
        f"reason: {waiver.reason}",
        f"approved_by: {waiver.approved_by or ''}",
        f"approved_on: {waiver.approved_on or ''}",
        f"expires: {waiver.expires}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def allowed_signers(extra: Sequence[Path] = ()) -> str:
    """The shipped allowed signers and the extra files, as one allowed-signers text."""
    texts = [SHIPPED_SIGNERS.read_text(encoding="utf-8")]
    texts += [Path(path).read_text(encoding="utf-8") for path in extra]
    return "\n".join(texts)


def has_signers(signers: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in signers.splitlines())


def verified(data: bytes, signature: str, signers: str) -> bool:
    if not has_signers(signers):
        return False
    with tempfile.TemporaryDirectory(prefix="paved-road-waiver-") as scratch:
        allowed, sig = Path(scratch) / "allowed_signers", Path(scratch) / "waiver.sig"
        allowed.write_text(signers, encoding="utf-8")
        sig.write_text(signature.strip() + "\n", encoding="utf-8")
        try:
            done = bounded.run(
                [
                    *("ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", PRINCIPAL),
                    *("-n", NAMESPACE, "-s", str(sig)),
                ],
                input=data,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
    return done.returncode == 0


def sign(data: bytes, key: Path) -> str:
    """The armored signature of DATA with the private KEY (``ssh-keygen -Y sign``)."""
    done = bounded.run(
        ["ssh-keygen", "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE],
        input=data,
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        # ssh-keygen's last words, without the key's path the line names already.
        why = said[-1].replace(f" {key}", "") if said else f"ssh-keygen exited {done.returncode}"
        raise ValueError(f"--key {key}: {why}")
    return done.stdout.decode("ascii")
