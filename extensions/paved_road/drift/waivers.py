"""Written waivers for guarded paths, kept in the product at ``.paved-road/waivers.yml``.

A waiver names a path (and optionally a part), says why, and expires. Waivers only soften
guarded findings (modified, missing, part-modified); conflicts and version lag cannot be
waived. The file belongs to the platform team through CODEOWNERS, so adding one is reviewed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import yaml_file
from .errors import CannotCheck

WAIVERS_FILE = ".paved-road/waivers.yml"


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1)
    part: str | None = None
    reason: str = Field(min_length=1)
    expires: dt.date

    def applies(self, today: dt.date) -> bool:
        return today <= self.expires

    def covers(self, path: str | None, part: str | None) -> bool:
        return self.path == path and (self.part is None or self.part == part)


class WaiversFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    waivers: list[Waiver] = Field(default_factory=list)


class WaiverStatus(BaseModel):
    """A waiver as every report lists it."""

    path: str
    part: str | None
    reason: str
    expires: dt.date
    status: Literal["active", "expired", "unused"]


def load_waivers(product: Path) -> list[Waiver]:
    path = product / WAIVERS_FILE
    if not path.is_file():
        return []
    try:
        data = yaml_file.load(path, WAIVERS_FILE) or {}
    except yaml_file.FileProblem as error:
        raise CannotCheck(f"{error}: fix it") from None
    try:
        return WaiversFile.model_validate(data).waivers
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        line = yaml_file.line_of(path.read_bytes(), first["loc"])
        raise CannotCheck(
            f"{WAIVERS_FILE}{f' line {line}' if line else ''} at {where}: {first['msg']} "
            "(each waiver needs path, reason and expires: YYYY-MM-DD)"
        ) from None
