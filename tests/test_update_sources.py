"""Only approved template sources run: a fork named in `_src_path` is refused before any of it
runs (its tasks and Jinja extensions write marker files, which must never appear).

`paved-road update` applies drift's approval rules (the package's approved source, plus
`--approved-source`); `--local-template` trusts a template checkout on this machine, never a
remote one. The positive control (the same fork, trusted on purpose) shows the markers do
appear when the fork runs, so the refusals are not vacuous.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.support import commit_all
from tests.update_support import TINY_V2, tiny_product, tiny_template, tree_state, update

FORK_SOURCE = "https://github.com/someone/paved-road-fork.git"


def _fork_files(markers: Path) -> dict[str, str]:
    """The second release of a fork: a task and a Jinja extension that leave marker files."""
    task = f"open({str(markers / 'task-ran')!r}, 'w').close()"
    return {
        **TINY_V2,
        "copier.yml": "_subdirectory: template\n"
        "_jinja_extensions:\n"
        "  - copier_template_extensions.TemplateExtensionLoader\n"
        "  - extensions/marker.py:Marker\n"
        f"_tasks:\n  - [python3, -c, {task!r}]\n"
        "name:\n  type: str\n  default: tiny\n",
        "extensions/marker.py": "from pathlib import Path\n\n"
        "from jinja2.ext import Extension\n\n"
        f"Path({str(markers / 'extension-imported')!r}).touch()\n\n\n"
        "class Marker(Extension):\n"
        "    def __init__(self, environment):\n"
        "        super().__init__(environment)\n"
        f"        Path({str(markers / 'extension-ran')!r}).touch()\n",
    }


@pytest.fixture(scope="module")
def fork(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(the fork, a product made from it at its harmless first release, the marker folder)."""
    where = tmp_path_factory.mktemp("fork")
    markers = where / "markers"
    markers.mkdir()
    template = tiny_template(where / "fork", v2=_fork_files(markers))
    product = tiny_product(template, where / "product")
    assert not any(markers.iterdir())  # the first release ran nothing
    return template, product, markers


def _product(fork: tuple[Path, Path, Path], tmp_path: Path, src: str | None = None) -> Path:
    product = Path(shutil.copytree(fork[1], tmp_path / "product", symlinks=True))
    if src is not None:
        answers = product / ".copier-answers.yml"
        data = yaml.safe_load(answers.read_text())
        data["_src_path"] = src
        answers.write_text(yaml.safe_dump(data))
        commit_all(product, "answers: another source")
    return product


def _refused(product: Path, markers: Path, *args: str) -> str:
    before = tree_state(product)
    result = update(product, "--defaults", *args, trust=False)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert tree_state(product) == before
    assert not any(markers.iterdir()), sorted(path.name for path in markers.iterdir())
    assert not any((product / ".git/paved-road-update").glob("*"))
    return lines[0]


def test_a_fork_is_refused_before_any_of_it_runs(
    fork: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    template, _, markers = fork
    line = _refused(_product(fork, tmp_path), markers)
    assert line == (
        f"paved-road update: template {template} is unapproved: fix _src_path or --approved-source"
    )


def test_approving_another_source_does_not_approve_the_fork(
    fork: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _refused(_product(fork, tmp_path), fork[2], "--approved-source", FORK_SOURCE)


def test_local_template_never_trusts_a_remote_fork(
    fork: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Refused at once, before any network access."""
    line = _refused(_product(fork, tmp_path, src=FORK_SOURCE), fork[2], "--local-template")
    assert line.endswith(" is unapproved: use --approved-source")
    assert line.startswith("paved-road update: remote template ")


@pytest.mark.parametrize("option", ["--local-template", "--approved-source"])
def test_trusting_the_fork_on_purpose_runs_it(
    fork: tuple[Path, Path, Path], tmp_path: Path, option: str
) -> None:
    """The positive control: these markers are what the refusals above never let appear."""
    template, _, markers = fork
    product = _product(fork, tmp_path)
    args = [option] if option == "--local-template" else [option, f"file://{template}"]
    try:
        result = update(product, "--defaults", "--no-drift", *args, trust=False)
        assert result.returncode == 1, result.stdout + result.stderr  # src/app.py conflicts
        assert {path.name for path in markers.iterdir()} == {
            "extension-imported",
            "extension-ran",
            "task-ran",
        }
    finally:
        for marker in markers.iterdir():
            marker.unlink()
