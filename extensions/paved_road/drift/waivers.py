"""Written waivers for guarded paths, kept in the product at ``.paved-road/waivers.yml``.

A waiver names a path (and optionally a part), says why, who of the platform approved it and
when, and expires. It counts only when the policy's rules hold: a non-blank reason, an approver
the policy names, at most ``max_days`` from approval to expiry, and a signature by the
platform's key over all of it (``signatures``): the product writes this file, so nothing it
says about its own approval counts unsigned. Waivers only soften guarded findings; the
template's provenance, conflicts and version lag cannot be waived.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import yaml_file
from .errors import CannotCheck, file_problem, fitted
from .policy import WaiverRules

WAIVERS_FILE = ".paved-road/waivers.yml"


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1)
    part: str | None = None
    reason: str
    expires: dt.date
    approved_by: str | None = None
    approved_on: dt.date | None = None
    # The platform's SSH signature over the waiver and its product (drift/signatures.py).
    signature: str | None = None

    def refusal(self, rules: WaiverRules, today: dt.date) -> str | None:
        """Why the policy's rules refuse this waiver (the first reason), or None when it counts."""
        return next(self._problems(rules, today), None)

    def _problems(self, rules: WaiverRules, today: dt.date) -> Iterator[str]:
        if not self.reason.strip():
            yield "its reason is blank: say why the product must differ"
        if self.approved_by is None:
            yield f"it names no approver: approved_by must be one of {_names(rules)}"
        elif _handle(self.approved_by) not in {_handle(name) for name in rules.approvers}:
            yield (
                f"approved_by {self.approved_by} is not a platform approver "
                f"(the policy allows {_names(rules)})"
            )
        if self.approved_on is None:
            yield "it has no approved_on date"
        elif self.approved_on > today:
            yield f"approved_on {self.approved_on} is in the future"
        elif (days := (self.expires - self.approved_on).days) > rules.max_days:
            yield f"it lasts {days} days; the policy allows at most {rules.max_days}"

    def applies(self, today: dt.date) -> bool:
        return today <= self.expires

    def covers(self, path: str | None, part: str | None) -> bool:
        return self.path == path and (self.part is None or self.part == part)


class WaiversFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    waivers: list[Waiver] = Field(default_factory=list)


WaiverState = Literal["active", "expired", "unused", "refused"]


class WaiverStatus(BaseModel):
    """A waiver as every report lists it."""

    path: str
    part: str | None
    reason: str
    expires: dt.date
    status: WaiverState
    refused: str | None = Field(default=None, description="Why the policy refuses the waiver.")


def _handle(name: str) -> str:
    """GitHub handles compare without case, with or without the leading @."""
    return name.strip().lower().lstrip("@")


def _names(rules: WaiverRules) -> str:
    return ", ".join(rules.approvers) if rules.approvers else "(none: the policy names no approver)"


def load_waivers(product: Path) -> list[Waiver]:
    path = product / WAIVERS_FILE
    if not path.exists() and not path.is_symlink():
        return []  # a folder, a device or a broken link in its place is refused below
    try:
        data = yaml_file.load(path, WAIVERS_FILE) or {}
    except yaml_file.FileProblem as error:
        raise file_problem(error, "fix it (docs/drift.md)") from None
    try:
        return WaiversFile.model_validate(data).waivers
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        line = yaml_file.line_of(path.read_bytes(), first["loc"])
        # The fields a waiver needs are in docs/drift.md: one line has room for the first error.
        said = f"{WAIVERS_FILE}{f' line {line}' if line else ''} at {where}: {first['msg']}"
        raise CannotCheck(fitted(said, "see docs/drift.md", WAIVERS_FILE)) from None
