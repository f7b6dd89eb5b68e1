"""Copier loads this checkout's extensions, and each template version runs its own code."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import copier
import paved_road
import pytest

from tests.support import commit_all, copy_product, git, init_repo, run, snapshot_template

MARKER_FILTER = '\nFILTERS["version_marker"] = lambda _: "{marker}"\n'


def _set_marker(template: Path, marker: str) -> None:
    """Give this template version a filter whose output names the version."""
    filters = template / "extensions" / "paved_road" / "filters.py"
    text = filters.read_text().split("\n# test marker")[0]
    filters.write_text(text + "\n# test marker" + MARKER_FILTER.format(marker=marker))
    (template / "template" / "version-marker.txt.jinja").write_text("{{ '' | version_marker }}\n")


@pytest.mark.slow(reason="a real copier update across two template releases")
def test_update_renders_each_version_with_its_own_extension_code(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template")
    _set_marker(template, "one")
    commit_all(template, "v1")
    git(template, "tag", "v1.0.0")
    _set_marker(template, "two")
    commit_all(template, "v2")
    git(template, "tag", "v2.0.0")

    answers = {"product_name": "Marker", "owner_team": "team-a"}
    product = copy_product(
        template, tmp_path / "product", answers, skip_tasks=True, vcs_ref="v1.0.0"
    )
    assert (product / "version-marker.txt").read_text() == "one\n"
    init_repo(product)

    # One process renders v1 (the old version, to diff) and v2 (the new one).
    copier.run_update(
        product,
        vcs_ref="v2.0.0",
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=True,
        skip_tasks=True,
    )
    assert (product / "version-marker.txt").read_text() == "two\n"
    assert "_commit: v2.0.0" in (product / ".copier-answers.yml").read_text()


def test_rendering_leaves_the_installed_package_alone(template_repo: Path, tmp_path: Path) -> None:
    before = sys.modules["paved_road"]
    copy_product(template_repo, tmp_path / "product", {"product_name": "Iso"}, skip_tasks=True)
    assert sys.modules["paved_road"] is before
    assert paved_road.__file__ == before.__file__


@pytest.mark.slow(reason="builds a venv with only copier in it")
def test_copier_alone_loads_the_extensions(template_repo: Path, tmp_path: Path) -> None:
    """A product engineer has only copier and copier-template-extensions, not this package."""
    venv = tmp_path / "venv"
    run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=tmp_path)
    versions = {name: metadata.version(name) for name in ("copier", "copier-template-extensions")}
    run(["uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         *(f"{name}=={version}" for name, version in versions.items())], cwd=tmp_path)  # fmt: skip
    installed = run(["uv", "pip", "list", "--python", str(venv / "bin" / "python")], tmp_path)
    assert "paved-road" not in installed.stdout

    dst = tmp_path / "product"
    run([str(venv / "bin" / "copier"), "copy", "--trust", "--defaults", "--quiet", "--skip-tasks",
         "-r", "HEAD", "--data", "product_name=Plain Copier", str(template_repo), str(dst)],
        cwd=tmp_path)  # fmt: skip
    assert 'name = "plain-copier"' in (dst / "pyproject.toml").read_text()
    assert "PLAIN_COPIER_" in (dst / ".env.example").read_text()
