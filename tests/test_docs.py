"""The documentation builds strictly, lists every page, and cannot drift from copier.yml."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

from tests.support import REPO_ROOT, run


def _nav_pages(nav: list) -> set[str]:
    pages: set[str] = set()
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages |= _nav_pages(value) if isinstance(value, list) else {value}
    return pages


def test_docs_build_strict(tmp_path: Path) -> None:
    result = run(["mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")], REPO_ROOT)
    assert (tmp_path / "site" / "questions" / "index.html").is_file(), result.stderr


def test_every_page_is_in_the_nav() -> None:
    nav = yaml.safe_load((REPO_ROOT / "mkdocs.yml").read_text())["nav"]
    pages = {
        p.relative_to(REPO_ROOT / "docs").as_posix() for p in (REPO_ROOT / "docs").rglob("*.md")
    }
    assert pages == _nav_pages(nav)


def test_questions_page_is_generated_from_copier_yml() -> None:
    result = run(["python", "scripts/gen_questions_doc.py", "--check"], REPO_ROOT, check=False)
    assert result.returncode == 0, result.stdout
    page = (REPO_ROOT / "docs" / "questions.md").read_text()
    questions = [
        name
        for name, spec in yaml.safe_load((REPO_ROOT / "copier.yml").read_text()).items()
        if not name.startswith("_") and spec.get("when") is not False
    ]
    assert re.findall(r"^\| `(\w+)` \|", page, flags=re.MULTILINE) == questions


def test_readme_commands_exist_and_ci_runs_the_test_command() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split("## The two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["scripts/demo", "scripts/test"]
    for command in commands:
        assert os.access(REPO_ROOT / command, os.X_OK)
    assert "scripts/test" in (REPO_ROOT / ".ci" / "run").read_text()


def test_readme_starts_a_product_with_a_script_that_brings_its_own_uv(tmp_path: Path) -> None:
    """README's first command needs no uv installed: scripts/paved-road bootstraps .venv (uv
    included) and runs its paved-road where the user is (a relative path means theirs)."""
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split("## Starting a product", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    first = block.strip().splitlines()[0].split("#")[0].split()
    assert first[:2] == ["scripts/paved-road", "new"]
    assert os.access(REPO_ROOT / first[0], os.X_OK)
    (tmp_path / "my-product").mkdir()
    (tmp_path / "my-product" / "notes.txt").write_text("mine\n")
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/bin:/bin"  # no uv, no paved-road on PATH
    result = subprocess.run(
        [str(REPO_ROOT / first[0]), *first[1:], "--defaults", "--data", "product_name=Shop"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().startswith("paved-road new: destination my-product is not empty")
