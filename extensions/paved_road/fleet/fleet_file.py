"""The fleet file: which products a platform team looks after, with their team and tier.

```yaml
products:
  - repo: https://github.com/acme/shop.git   # a git URL, or a path relative to this file
    team: shop-team                          # optional
    tier: 1                                  # optional
  - repo: ../billing
    name: billing-api                        # optional; default: the repo's last segment
    branch: main                             # optional; default: the repo's default branch
  - git@github.com:acme/search.git           # a bare string is just the repo
  - gl:acme/payments/ledger                  # gitlab.com, subgroups included
  - https://gitlab.acme.internal/acme/web/-/tree/stable   # a GitLab web address: its branch
```

Any mistake is one line naming the file and the line to fix (exit 2 for the command).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..one_line import fitted
from ..template_source import git_url
from ..yaml_file import FileProblem, line_of, parse

Model = TypeVar("Model", bound=BaseModel)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# What a message may take of an 80-column line after "paved-road fleet: ".
ROOM = 62


class FleetFileError(Exception):
    """The fleet file cannot be used: one line, ``FILE:LINE: what to fix``."""


def _bare_repo(value: Any) -> Any:
    return {"repo": value} if isinstance(value, str) else value


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: str = Field(min_length=1, description="A git URL, or a path relative to the fleet file.")
    name: str | None = Field(default=None, pattern=_NAME_RE.pattern)
    team: Annotated[str | None, BeforeValidator(_text)] = None
    tier: Annotated[str | None, BeforeValidator(_text)] = None
    branch: str | None = Field(default=None, min_length=1)


class FleetModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    products: list[Annotated[Entry, BeforeValidator(_bare_repo)]] = Field(min_length=1)


class Product(BaseModel):
    """One product of the fleet, its repo resolved to something ``git clone`` takes."""

    name: str
    repo: str
    url: str
    team: str | None = None
    tier: str | None = None
    branch: str | None = None


class Fleet(BaseModel):
    path: str
    products: list[Product]


def is_url(repo: str) -> bool:
    """A URL git understands (``https://``, ``file://``, scp-like ``git@host:path``, ``gh:``)."""
    if "://" in repo or repo.startswith(("gh:", "gl:")):
        return True
    head = repo.split("/", 1)[0]
    return ":" in head and "@" in head


def default_name(repo: str) -> str:
    last = repo.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    name = last.removesuffix(".git")
    return re.sub(r"[^A-Za-z0-9._-]", "-", name).lstrip(".-_") or "product"


def gitlab_web_address(repo: str) -> tuple[str, str | None]:
    """A GitLab page's address (``https://host/group/project/-/tree/BRANCH``, ``.../-/blob/...``)
    as the project's repository URL and the branch it shows, if any; anything else unchanged.
    Only GitLab puts ``/-/`` in its addresses, and no project or group path holds it."""
    if "://" not in repo or "/-/" not in repo:
        return repo, None
    project, _, page = repo.partition("/-/")
    kind, _, rest = page.partition("/")
    branch = rest.strip("/") if kind == "tree" and rest.strip("/") else None
    return f"{project.rstrip('/').removesuffix('.git')}.git", branch


def _resolve(repo: str, base: Path) -> str:
    if is_url(repo):
        return git_url(gitlab_web_address(repo)[0])
    path = Path(repo).expanduser()
    return (path if path.is_absolute() else base / path).resolve().as_uri()


def _where(loc: tuple[int | str, ...]) -> str:
    parts = [f"products[{key}]" if isinstance(key, int) else str(key) for key in loc]
    text = ".".join(parts).replace("products.products[", "products[")
    return text.replace(".function-before[_bare_repo(), Entry]", "") or "top level"


def load_yaml_model(
    path: Path,
    model: type[Model],
    kind: str,
    what: str,
    where: Callable[[tuple[int | str, ...]], str],
) -> tuple[Model, bytes]:
    """The platform's YAML file ``path`` (the fleet file, the campaigns file) as ``model``, with
    its raw bytes, which finding a line needs (`line_of`); FleetFileError (one line, file and
    line) if it cannot be read or is not one. ``kind`` names the file, ``what`` ends the line:
    where to read more."""
    try:
        data = path.read_bytes()
        document = parse(data, str(path))
    except FileProblem as error:
        raise FleetFileError(f"{path}:{error.line or 1}: {error.problem}") from None
    except OSError as error:
        raise FleetFileError(f"{path}: cannot read the {kind}: {error.strerror}") from None
    try:
        return model.model_validate(document if document is not None else {}), data
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(key for key in first["loc"] if not str(key).startswith("function-"))
        said = f"{path}:{line_of(data, loc) or 1}: {where(loc)}: {first['msg']}"
        raise FleetFileError(fitted(said, what, ROOM, str(path))) from None


def load_fleet(path: Path) -> Fleet:
    """The fleet of ``path``; FleetFileError (one line with file and line) if it is not one."""
    model, data = load_yaml_model(
        path,
        FleetModel,
        "fleet file",
        "see docs/fleet.md",  # each product needs `repo:`, a git URL or a path
        _where,
    )
    base = path.resolve().parent
    products: list[Product] = []
    seen: dict[str, int] = {}  # name -> index of its first product
    for index, entry in enumerate(model.products):
        repo, shown_branch = gitlab_web_address(entry.repo)
        name = entry.name or default_name(repo)
        if name in seen:  # lines only now: finding one parses the whole file again
            line = line_of(data, ("products", index)) or 1
            first_line = line_of(data, ("products", seen[name])) or 1
            raise FleetFileError(
                f"{path}:{line}: product name {name!r} is used twice (line {first_line}): "
                "add `name:`"
            )
        seen[name] = index
        products.append(
            Product(
                name=name,
                repo=entry.repo,
                url=_resolve(entry.repo, base),
                team=entry.team,
                tier=entry.tier,
                branch=entry.branch or shown_branch,
            )
        )
    return Fleet(path=str(path), products=products)
