"""A fleet check's renders link the files they share with the products' blobs instead of writing
them (issue 23, the marginal cost per product): the same verdicts, a tampered product still
caught through the shortcut, and a blob that does not hold what its name says never linked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from paved_road.drift.answers_file import read_answers
from paved_road.drift.git_remote import remote_tags
from paved_road.drift.rendering import clear_memory_cache, render_as_asked, reuse

from tests.cases import CHECK_CASES
from tests.drift_support import flip_one_byte
from tests.fleet_support import GUARDED, by_name, fleet, read_json
from tests.support import copy_product, init_repo, snapshot_template

OWN = {  # every product of a fleet has its own names: no render is shared
    "shop": {"product_name": "Shop", "project_slug": "shop", "package_name": "shop"},
    "till": {"product_name": "Till Desk", "project_slug": "till-desk", "package_name": "till"},
}


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """shop (clean) and till (a guarded file changed), checked once with a cache folder."""
    root = tmp_path_factory.mktemp("links")
    template = snapshot_template(root / "template", tag="v1.0.0")
    for name, names in OWN.items():
        answers = {**CHECK_CASES["default"], **names}
        product = copy_product(template, root / name, answers, skip_tasks=True)
        if name == "till":
            flip_one_byte(product / GUARDED)
        init_repo(product)
    fleet_file = root / "fleet.yml"
    fleet_file.write_text(f"products:\n  - repo: {root / 'shop'}\n  - repo: {root / 'till'}\n")
    cache = root / "cache"
    result = fleet(
        "check", str(fleet_file), "--cache-dir", str(cache), "--json", str(root / "f.json")
    )
    assert result.returncode == 1, result.stdout + result.stderr
    return root, cache, by_name(read_json(root / "f.json"))


def _render_of(cache: Path, slug: str) -> Path:
    [files] = [
        entry / "files"
        for entry in (cache / "renders").iterdir()
        if (entry / "files" / "catalog-info.yaml").is_file()
        and f"name: {slug}\n" in (entry / "files" / "catalog-info.yaml").read_text()
    ]
    return files


def _blob_inodes(cache: Path) -> set[int]:
    return {path.stat().st_ino for path in (cache / "blobs").rglob("*") if path.is_file()}


def test_a_tampered_product_is_caught_through_linked_renders(checked) -> None:
    root, cache, products = checked
    assert (products["shop"]["status"], products["till"]["status"]) == ("ok", "violations")
    assert products["till"]["violations"] == {"modified": 1}
    findings = products["till"]["drift"]["findings"]
    assert [(f["kind"], f["path"]) for f in findings] == [("modified", GUARDED)]
    blobs = _blob_inodes(cache)
    for slug in ("shop", "till-desk"):
        render = _render_of(cache, slug)
        files = [path for path in render.rglob("*") if path.is_file()]
        linked = [path for path in files if path.stat().st_ino in blobs]
        assert len(linked) > 0.9 * len(files), (slug, len(linked), len(files))
    # till's render holds the template's bytes (shop's file), not till's changed ones.
    till = _render_of(cache, "till-desk") / GUARDED
    assert till.read_bytes() == (root / "shop" / GUARDED).read_bytes()
    assert till.read_bytes() != (root / "till" / GUARDED).read_bytes()


def test_a_render_never_links_a_file_whose_bytes_differ(checked, tmp_path: Path) -> None:
    """A finder that answers with the wrong file (a corrupted store) changes nothing: every
    file is written, byte for byte and executable bit for bit what a plain render writes."""
    root, _, _ = checked
    recorded = read_answers(root / "till")
    tags = remote_tags(recorded.src_path)
    clear_memory_cache()
    _, plain, _ = render_as_asked(recorded, tags, tmp_path / "plain")
    wrong = tmp_path / "wrong"
    wrong.write_bytes(b"not what was rendered\n")
    asked: list[bytes] = []

    def liar(content: bytes, executable: bool) -> Path:
        asked.append(content)
        return wrong

    clear_memory_cache()
    with reuse.linking_from(liar):
        _, lied_to, _ = render_as_asked(recorded, tags, tmp_path / "lied")
    assert len(asked) > 50
    assert wrong.stat().st_nlink == 1  # every link was taken back
    assert _contents(lied_to) == _contents(plain)


def _contents(root: Path) -> dict[str, tuple[bytes, bool]]:
    """Every file's bytes and executable bit; the answers file without ``_src_path``, which
    names the scratch folder each render reads the template from."""
    found = {
        path.relative_to(root).as_posix(): (path.read_bytes(), os.access(path, os.X_OK))
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    answers, executable = found[".copier-answers.yml"]
    kept = [line for line in answers.splitlines(True) if not line.startswith(b"_src_path:")]
    found[".copier-answers.yml"] = (b"".join(kept), executable)
    return found
