"""Compiled Jinja templates kept in the render cache folder (issue 23): a later process
compiles none of the template's files again, renders exactly what it renders without them,
and never uses an entry made for another template identity or another source."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest
import yaml
from paved_road.drift import rendering
from paved_road.drift.answers_file import ANSWERS_FILE, read_answers
from paved_road.drift.git_remote import remote_tags
from paved_road.drift.rendering import bytecode, direct

from tests.cases import CHECK_CASES
from tests.drift_support import compiles_counted, rendered
from tests.support import copy_product


def _render(product: Path, cache: Path | None) -> tuple[Path, int]:
    """Drift's render of ``product`` as a new process makes it: (the render, how many
    template sources Jinja compiled for it)."""
    rendering.clear_memory_cache()
    recorded = read_answers(product)
    with compiles_counted() as compiles:
        _, render, _ = rendering.render_as_asked(recorded, remote_tags(recorded.src_path), cache)
    assert direct.FALLBACKS == [], direct.FALLBACKS
    return render, len(compiles)


def _answers(root: Path) -> dict[str, object]:
    data = yaml.safe_load((root / ANSWERS_FILE).read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if key != "_src_path"}


def _same_files(one: Path, other: Path) -> None:
    """Byte for byte, but the answers file's ``_src_path`` (each process's scratch copy)."""
    assert rendered(one) == rendered(other)
    differ = [p for p in rendered(one) if (one / p).read_bytes() != (other / p).read_bytes()]
    assert differ in ([], [ANSWERS_FILE])
    assert _answers(one) == _answers(other)


def _drop_renders(cache: Path) -> None:
    """Forget the stored renders, keep the compiled templates: the next render compiles."""
    for entry in cache.iterdir():
        if entry.name != bytecode.FOLDER:
            shutil.rmtree(entry)


@pytest.fixture
def product(template_repo: Path, tmp_path: Path) -> Path:
    return copy_product(
        template_repo,
        tmp_path / "product",
        CHECK_CASES["default"],
        skip_tasks=True,
        vcs_ref="v1.0.0",
    )


def test_a_later_process_compiles_nothing_and_renders_the_same(
    product: Path, tmp_path: Path
) -> None:
    plain, compiled_plain = _render(product, None)
    plain = Path(shutil.copytree(plain, tmp_path / "plain"))
    cache = tmp_path / "cache"
    _, compiled_first = _render(product, cache)
    assert compiled_first == compiled_plain > 100, "the first process compiles as before"
    (folder,) = (cache / bytecode.FOLDER).iterdir()
    assert len(list(folder.iterdir())) > 100
    _drop_renders(cache)
    again, compiled_again = _render(product, cache)
    # What is left is copier's own questions and context (not files or path parts).
    assert compiled_again < compiled_plain / 3, (compiled_again, compiled_plain)
    _same_files(again, plain)
    rendering.clear_memory_cache()


def test_a_stale_or_foreign_entry_is_never_used(product: Path, tmp_path: Path) -> None:
    plain, _ = _render(product, None)
    plain = Path(shutil.copytree(plain, tmp_path / "plain"))
    cache = tmp_path / "cache"
    _render(product, cache)
    (folder,) = (cache / bytecode.FOLDER).iterdir()
    entries = sorted(folder.iterdir())
    # Every entry now holds another template's compiled code (its source's checksum differs),
    # or garbage: Jinja compiles each template again and the render is unchanged.
    for index, entry in enumerate(entries):
        other = entries[(index + 1) % len(entries)]
        entry.write_bytes(other.read_bytes() if index % 2 else b"not bytecode")
    _drop_renders(cache)
    again, compiled = _render(product, cache)
    assert compiled > 100, "no foreign entry was used"
    _same_files(again, plain)
    rendering.clear_memory_cache()


def test_the_folder_is_per_template_identity_and_environment(tmp_path: Path) -> None:
    env = jinja2.Environment()
    other_env = jinja2.Environment(trim_blocks=True)
    scope = ("src", "a" * 40, "copier==9", "code")
    folder = bytecode.folder_for(tmp_path, scope, env)
    assert folder == bytecode.folder_for(tmp_path, scope, jinja2.Environment())
    assert folder != bytecode.folder_for(tmp_path, ("src", "b" * 40, "copier==9", "code"), env)
    assert folder != bytecode.folder_for(tmp_path, ("src", "a" * 40, "copier==10", "code"), env)
    assert folder != bytecode.folder_for(tmp_path, ("src", "a" * 40, "copier==9", "new"), env)
    assert folder != bytecode.folder_for(tmp_path, scope, other_env)
