"""What `make resource` is asked for (a Spec), shared by the modules that write its code.
Platform-owned (guarded), like add_resource.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class BadInput(Exception):
    """What to fix, in one line."""


@dataclass(frozen=True)
class Field:
    name: str
    kind: str

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Spec:
    package: str
    name: str  # plural: plants
    singular: str  # plant
    fields: tuple[Field, ...]
    ui: str  # server, spa or none

    @property
    def model(self) -> str:
        return "".join(part.capitalize() for part in self.singular.split("_"))

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @property
    def one(self) -> str:
        return self.singular.replace("_", " ")


def example(field: Field) -> str:
    return {"str": f'"{field.label} 1"', "text": '"A few words."', "int": "1"}[field.kind]


def add_imports(text: str, imports: list[str], after: str) -> str:
    """The imports after the last line starting with `after` (ruff sorts them afterwards)."""
    lines = text.splitlines(keepends=True)
    last = max((i for i, line in enumerate(lines) if line.startswith(after)), default=-1)
    if last < 0:
        raise BadInput(f"found no line starting with {after!r} to add imports after")
    return "".join([*lines[: last + 1], *(f"{line}\n" for line in imports), *lines[last + 1 :]])
