"""Per-product drift reports kept in the cache, so an interrupted fleet check resumes.

A stored report is valid for exactly what it was computed from: the product commit, the
template source and its tags (the newest release moves the lag), the day (waivers expire) and
the checker's version. Anything else changes the key, and the product is checked again.
Reports that say "cannot check" are never stored: the next run should try again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from .. import __version__
from ..drift.rendering import copier_version
from ..drift.report import Report


def result_key(
    commit: str,
    src_path: str,
    tags: dict[str, str],
    today: dt.date,
    approved: tuple[str, ...] = (),
) -> str:
    payload = json.dumps(
        [
            commit,
            src_path,
            sorted(approved),  # what the run approves decides the result too
            sorted(tags.items()),
            today.isoformat(),
            __version__,
            copier_version(),
        ]
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:40]


class ResultStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Report | None:
        path = self._path(key)
        try:
            return Report.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError):
            return None  # absent or unreadable: check again

    def put(self, key: str, report: Report) -> None:
        if report.status == "error":
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".result-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(report.model_dump_json())
        try:
            Path(temporary).replace(path)  # whole or absent, even if interrupted
        except OSError:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise
