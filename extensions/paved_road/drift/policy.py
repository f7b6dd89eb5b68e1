"""The ownership policy: who owns each file the template renders.

The policy is ``.paved-road/policy.yml`` in the *re-render* of the template at the product's
recorded commit, so it carries the product's answers and a product cannot weaken it by
editing its own copy. See docs/ownership.md for the format.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from .errors import CannotCheck

POLICY_FILE = ".paved-road/policy.yml"

Ownership = Literal["guarded", "shared", "seeded"]


@lru_cache(maxsize=4096)  # each product's policy has the same globs, or nearly
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob: ``*`` and ``?`` stay within one segment, ``**`` spans any number of them."""
    out = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(out) + r"\Z")


def _entry(value: Any) -> Any:
    """An entry may be just its path: ``- alembic.ini`` means ``- path: alembic.ini``."""
    return {"path": value} if isinstance(value, str) else value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return glob_regex(self.path)

    def matches(self, path: str) -> bool:
        # A pattern without ``*`` or ``?`` is all escaped literals anchored at both ends: it
        # matches only itself. Comparing strings spares a regex compile for each product's
        # own literal paths (``src/<package>/...``), which no two products share.
        if not self.is_glob:
            return path == self.path
        return self.regex.match(path) is not None

    @cached_property
    def is_glob(self) -> bool:
        return "*" in self.path or "?" in self.path


class Guarded(_Entry):
    pass


class Shared(_Entry):
    parts: list[str] = Field(default_factory=list)
    # Platform-managed blocks inside the file (drift/blocks.py): their lines are guarded.
    blocks: list[str] = Field(default_factory=list)


class Seeded(_Entry):
    required: bool = False
    blocks: list[str] = Field(default_factory=list)


class Closed(_Entry):
    """Files the platform owns whole (``.github/workflows/**``): a file matching ``path`` that
    the template does not render fails, unless it matches ``allow`` (files the product adds
    there on purpose, such as its waivers)."""

    allow: list[str] = Field(default_factory=list)

    @cached_property
    def allowed(self) -> list[re.Pattern[str]]:
        return [glob_regex(pattern) for pattern in self.allow]

    def closes(self, path: str) -> bool:
        return self.matches(path) and not any(regex.match(path) for regex in self.allowed)


class Forbidden(_Entry):
    """A file that must not exist unless the template renders it: it would override guarded
    configuration. With ``sections``, only when it holds one of them (INI sections, with ``*``
    globs, or dotted TOML tables): ``setup.cfg`` may exist, its ``[tool:pytest]`` may not."""

    reason: str = Field(min_length=1)
    sections: list[str] = Field(default_factory=list)


class WaiverRules(BaseModel):
    """What a waiver needs: an approver named here, and at most ``max_days`` of life."""

    model_config = ConfigDict(extra="forbid")

    max_days: int = Field(default=90, ge=1)
    approvers: list[str] = Field(default_factory=list)


class BehindLimits(BaseModel):
    """How far behind the newest release a product may be (None: no limit)."""

    model_config = ConfigDict(extra="forbid")

    max_major: int | None = Field(default=0, ge=0)
    max_minor: int | None = Field(default=None, ge=0)
    # Days a product may stay on the previous major after the next major's release (None:
    # none). Within them, max_minor counts within the product's own major (drift/grace.py).
    major_grace_days: int | None = Field(default=None, ge=0)


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    behind: BehindLimits = Field(default_factory=BehindLimits)
    guarded: list[Annotated[Guarded, BeforeValidator(_entry)]] = Field(default_factory=list)
    shared: list[Annotated[Shared, BeforeValidator(_entry)]] = Field(default_factory=list)
    seeded: list[Annotated[Seeded, BeforeValidator(_entry)]] = Field(default_factory=list)
    closed: list[Annotated[Closed, BeforeValidator(_entry)]] = Field(default_factory=list)
    forbidden: list[Forbidden] = Field(default_factory=list)
    waivers: WaiverRules = Field(default_factory=WaiverRules)
    _owners: dict[str, tuple[Ownership, Guarded | Shared | Seeded] | None] = PrivateAttr(
        default_factory=dict
    )
    _index: _Index | None = PrivateAttr(default=None)

    def is_guarded(self, path: str) -> bool:
        owner = self.owner(path)
        return owner is not None and owner[0] == "guarded"

    def owner(self, path: str) -> tuple[Ownership, Guarded | Shared | Seeded] | None:
        """The strictest entry that matches ``path``: guarded, then shared, then seeded."""
        # A policy is parsed once per render and asked about the same paths for every product.
        if path not in self._owners:
            self._owners[path] = self._match(path)
        return self._owners[path]

    def _match(self, path: str) -> tuple[Ownership, Guarded | Shared | Seeded] | None:
        """The first entry, guarded then shared then seeded, that matches ``path``."""
        if self._index is None:
            self._index = _Index.of(self)
        return self._index.first(path)


class _Index:
    """A policy's ownership entries in their order, literal paths (most of them) by path:
    asking about a product's ~125 files then costs a dict lookup and the globs before the
    literal hit, not a test of every entry (the fleet benchmark's worker profile)."""

    def __init__(self, ordered: list[tuple[Ownership, Any]]) -> None:
        self.literal: dict[str, int] = {}
        self.globs: list[int] = []
        self.ordered = ordered
        for position, (_, entry) in enumerate(ordered):
            if entry.is_glob:
                self.globs.append(position)
            else:
                self.literal.setdefault(entry.path, position)  # the first one wins

    @classmethod
    def of(cls, policy: Policy) -> _Index:
        kinds: tuple[tuple[Ownership, list[Any]], ...] = (
            ("guarded", policy.guarded),
            ("shared", policy.shared),
            ("seeded", policy.seeded),
        )
        return cls([(kind, entry) for kind, entries in kinds for entry in entries])

    def first(self, path: str) -> tuple[Ownership, Any] | None:
        hit = self.literal.get(path, len(self.ordered))
        for position in self.globs:
            if position > hit:
                break
            if self.ordered[position][1].matches(path):
                return self.ordered[position]
        return self.ordered[hit] if hit < len(self.ordered) else None


@lru_cache(maxsize=8)
def parse_policy(text: str) -> Policy:
    """The policy from its YAML text; ValueError with one line when it is not a valid one.

    A check reads its render's policy twice (the render leaves out the files it only seeds,
    then the comparison): the second time gets the first's object, with the ownership of
    every path it already worked out. Nothing changes a parsed policy."""
    try:
        data = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as error:
        raise ValueError(f"{POLICY_FILE} does not parse as YAML: {error}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        raise ValueError(
            f"{POLICY_FILE} is not a valid policy at {where}: {first['msg']}"
        ) from None


@lru_cache(maxsize=64)
def load_policy(render: Path, commit: str) -> Policy:
    """The policy of a render; renders never change, so each is parsed once per process."""
    path = render / POLICY_FILE
    if not path.is_file():
        raise CannotCheck(f"template {commit} has no {POLICY_FILE}: too old to check")
    try:
        return parse_policy(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise CannotCheck(f"template at {commit}: {error}") from None
