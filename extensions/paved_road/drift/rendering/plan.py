"""Rendering only what drift compares: leave out the files the policy only seeds.

A seeded file that is not ``required`` never yields a finding (its content is the product's,
its absence is allowed), yet it is about half of what copier renders. So before the real
render, a small one asks copier, with the same answers, for two things: the policy at this
commit, and what each distinct templated path part (``{{ package_name }}``,
``{% if ui == 'spa' %}frontend{% endif %}``) renders to, in the same environment and context
copier renders path parts in. A template file whose name renders to nothing (copier skips
it), or whose rendered path the policy only seeds, is then removed from the scratch copy of
the template, and copier renders the rest as usual.

Anything unexpected (no single policy file, changed Jinja delimiters, a path part that sets,
yields or imports, parts that do not come back whole, a policy that does not parse) means no
plan: copier renders everything.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import yaml

try:  # libyaml when present: copier.yml is read for every render's plan
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from ..errors import CannotCheck
from ..policy import POLICY_FILE, Policy, parse_policy

SUFFIX = ".jinja"
NAMES = ".paved-road-drift-names"
# After each part: a visible character (Jinja's whitespace control would eat an ASCII
# separator, which Python counts as whitespace), found in no file name.
PART_END = "\u241f"
_ASIDE = ".paved-road-drift-aside"
_STATEMENTS = re.compile(r"\{%[-+]?\s*(set|yield|extends|import|from|macro|include|block)\b")
# Always rendered, seeded or not: a product whose deploy/ is the render's, byte for byte,
# deploys what the platform shipped, and drift then builds none of it (drift/effective.py).
WHOLE = "deploy/"


def only_seeded(policy: Policy, path: str) -> bool:
    """True when the policy's only word on ``path`` is that the product owns it (seeded, not
    required): no finding can come from it. Any other rule that names the path (whatever the
    policy version calls it) keeps it rendered, and so does all of ``deploy/`` (``WHOLE``)."""
    if path.startswith(WHOLE):
        return False
    owner = policy.owner(path)
    if owner is None or owner[0] != "seeded" or getattr(owner[1], "required", False):
        return False
    for name in type(policy).model_fields:
        if name in ("guarded", "shared", "seeded"):
            continue
        value = getattr(policy, name)
        for entry in value if isinstance(value, list) else ():
            test = getattr(entry, "matches", None) or getattr(entry, "closes", None)
            if test is not None and test(path):
                return False
    return True


def _plain_text_renders_as_is(tree: Path) -> bool:
    """Whether a path part without ``{`` renders to itself: true unless the template's
    ``_envops`` change Jinja's delimiters or add line statements (or cannot be read)."""
    configs = [tree / name for name in ("copier.yml", "copier.yaml") if (tree / name).is_file()]
    try:
        config = yaml.load(configs[0].read_bytes(), Loader=_Loader) if len(configs) == 1 else None
    except (yaml.YAMLError, UnicodeDecodeError):
        return False
    if not isinstance(config, dict):
        return False
    envops = config.get("_envops") or {}
    return isinstance(envops, dict) and not any(
        str(key).endswith(("_string", "_prefix")) for key in envops
    )


def _templated_parts(sources: list[PurePosixPath]) -> list[str]:
    """Every distinct path part with Jinja in it (suffix dropped); the others render as is."""
    return sorted({part for source in sources for part in _source_parts(source) if "{" in part})


def _source_parts(source: PurePosixPath) -> list[str]:
    parts = list(source.parts)
    if parts[-1].endswith(SUFFIX):
        parts[-1] = parts[-1][: -len(SUFFIX)]
    return parts


def _rendered_parts(text: str, parts: list[str]) -> dict[str, str] | None:
    rendered = text.split(PART_END)
    if len(rendered) != len(parts) + 1 or rendered[-1]:
        return None
    return dict(zip(parts, rendered, strict=False))


def _prunable(policy: Policy, parts: list[str]) -> bool:
    if any(part == "" for part in parts):
        return True  # copier skips a path any part of which renders empty
    if any("/" in part or "\\" in part for part in parts):
        return False
    return only_seeded(policy, "/".join(parts))


def _policy_source(tree: Path) -> Path | None:
    """The template's one ``.paved-road/policy.yml.jinja`` (its folder is copier's
    subdirectory), or None."""
    found = [
        path for path in tree.rglob(f"policy.yml{SUFFIX}") if path.parent.name == ".paved-road"
    ]
    return found[0] if len(found) == 1 else None


def _ask_copier(
    subdir: Path,
    policy: Path,
    parts: list[str],
    render: Callable[[Path], None],
    into: Path,
) -> tuple[str, str] | None:
    """(rendered parts, policy) as copier renders them: the template folder is set aside
    meanwhile, replaced by the policy and a template of the parts alone."""
    aside = subdir.with_name(subdir.name + _ASIDE)
    subdir.rename(aside)
    try:
        (subdir / ".paved-road").mkdir(parents=True)
        shutil.copy2(aside / ".paved-road" / policy.name, subdir / ".paved-road")
        names = "".join(f"{part}{PART_END}" for part in parts)
        (subdir / f"{NAMES}{SUFFIX}").write_text(names, encoding="utf-8")
        render(into)
    except CannotCheck:  # the full render will say what is wrong, as it always did
        return None
    finally:
        shutil.rmtree(subdir, ignore_errors=True)
        aside.rename(subdir)
    try:
        return (into / NAMES).read_text(encoding="utf-8"), (into / POLICY_FILE).read_text(
            encoding="utf-8"
        )
    except (OSError, UnicodeDecodeError):
        return None


def plan(tree: Path, render: Callable[[Path], None], scratch: Path) -> list[Path] | None:
    """The template files under ``tree`` that drift need not render, or None (render all).

    ``render(dst)`` renders ``tree`` with copier into ``dst``; ``scratch`` is an empty folder."""
    policy_source = _policy_source(tree)
    if policy_source is None:
        return None
    subdir = policy_source.parent.parent
    files = sorted(path for path in subdir.rglob("*") if path.is_file() or path.is_symlink())
    sources = [PurePosixPath(path.relative_to(subdir).as_posix()) for path in files]
    if not _plain_text_renders_as_is(tree):
        return None
    parts = _templated_parts(sources)
    # Copier renders each part on its own; here they are rendered together, so a part that
    # sets a variable or yields (several files from one) could render differently: no plan.
    if any(_STATEMENTS.search(part) for part in parts):
        return None
    answered = _ask_copier(subdir, policy_source, parts, render, scratch / "names")
    if answered is None or (rendered := _rendered_parts(answered[0], parts)) is None:
        return None
    try:
        policy = parse_policy(answered[1])
    except ValueError:
        return None
    return [
        path
        for path, source in zip(files, sources, strict=True)
        if _prunable(policy, [rendered.get(part, part) for part in _source_parts(source)])
    ]


def prune(files: list[Path], tree: Path) -> None:
    """Remove ``files`` from the scratch template, and the folders they leave empty."""
    for path in files:
        path.unlink()
    for parent in sorted({path.parent for path in files}, key=lambda p: len(p.parts), reverse=True):
        folder = parent
        while folder != tree and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
