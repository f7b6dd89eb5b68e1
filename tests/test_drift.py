"""`paved-road drift` against real template repositories, tags and `copier update` runs."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import copier
import jsonschema
import pytest
from paved_road.drift.rendering import reference as render_module
from paved_road.drift.schema import SCHEMA_FILE, schema_text

from tests.cases import CHECK_CASES
from tests.drift_support import (
    drift,
    fingerprint,
    flip_one_byte,
    render_entries,
    sign_waivers,
)
from tests.support import (
    REPO_ROOT,
    commit_all,
    copy_product,
    git,
    init_repo,
    run,
    snapshot_template,
)

ANSWERS = CHECK_CASES["default"]


@pytest.fixture(scope="module")
def template_v1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(tmp_path_factory.mktemp("drift-v1"), tag="v1.0.0")


@pytest.fixture(scope="module")
def pristine_product(template_v1: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = copy_product(
        template_v1,
        tmp_path_factory.mktemp("drift-pristine") / "product",
        ANSWERS,
        skip_tasks=True,
        vcs_ref="v1.0.0",
    )
    init_repo(made)
    return made


@pytest.fixture
def product(pristine_product: Path, tmp_path: Path) -> Path:
    """A fresh default product from v1.0.0, committed in its own git repository (a copy)."""
    return Path(shutil.copytree(pristine_product, tmp_path / "product", symlinks=True))


def release(template: Path, tag: str, edit: str | None = None) -> None:
    """A new commit of the template (appending `edit` to the README template) tagged `tag`."""
    if edit is not None:
        readme = template / "template" / "README.md.jinja"
        lines = readme.read_text().splitlines(keepends=True)
        lines[0] = lines[0].rstrip("\n") + f" {edit}\n"
        readme.write_text("".join(lines))
    commit_all(template, f"release {tag}")
    git(template, "tag", tag)


# --- conflicts left by a real `copier update` ----------------------------------------------


@pytest.mark.slow(reason="a real copier update across two template releases")
@pytest.mark.parametrize("mode", ["inline", "rej"])
def test_conflicts_from_a_real_copier_update_fail(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = snapshot_template(tmp_path / "template", tag="v1.0.0")
    made = copy_product(template, tmp_path / "product", ANSWERS, skip_tasks=True, vcs_ref="v1.0.0")
    init_repo(made)
    readme = made / "README.md"
    readme.write_text(readme.read_text().replace("# Demo Shop", "# Demo Shop (our edition)", 1))
    commit_all(made, "product edits its README title")
    release(template, "v1.1.0", edit="(platform edition)")

    # The template's finish_update migration fails a plain copier update whose conflicts
    # remain (issue 27): the files are written, the conflicts left for the product to resolve.
    with pytest.raises(copier.errors.TaskError):
        copier.run_update(
            made,
            vcs_ref="v1.1.0",
            defaults=True,
            overwrite=True,
            unsafe=True,
            skip_tasks=True,
            quiet=True,
            conflict=mode,
        )

    code, out, _ = drift(capsys, made, "--format", "json")
    findings = {(f["kind"], f["path"]) for f in json.loads(out)["findings"]}
    assert code == 1, out
    if mode == "inline":
        assert ("conflict-marker", "README.md") in findings
        assert ("unmerged", "README.md") in findings
    else:
        assert ("reject-file", "README.md.rej") in findings


def test_conflict_markers_in_any_file_and_untracked_rej_files(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = next((product / "src").rglob("main.py"))
    app.write_text(app.read_text() + "<<<<<<< before updating\nx = 1\n=======\n>>>>>>> after\n")
    (product / "notes.txt.rej").write_text("@@ -1 +1 @@\n")
    code, out, _ = drift(capsys, product)
    assert code == 1
    relative = app.relative_to(product).as_posix()
    assert f"conflict-marker {relative}:" in out
    assert "reject-file     notes.txt.rej" in out


def test_conflict_markers_past_the_scan_limit_are_not_looked_for_even_in_compared_files(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The comparison reads a rendered file whole and the conflict scan reuses that read: the
    scan still stops at 2 MB (drift/conflicts.py), as when it read the file itself."""
    config = product / ".pre-commit-config.yaml"  # guarded: compared, so read whole first
    marker = "<<<<<<< before updating\nx\n=======\n>>>>>>> after\n"
    config.write_text(config.read_text() + marker + "#" * 2_000_001 + "\n")
    app = next((product / "src").rglob("main.py"))  # under the limit: still found
    app.write_text(app.read_text() + marker)
    code, out, _ = drift(capsys, product)
    assert code == 1
    assert "modified        .pre-commit-config.yaml" in out
    assert "conflict-marker .pre-commit-config.yaml" not in out
    assert f"conflict-marker {app.relative_to(product).as_posix()}:" in out


# --- versions ------------------------------------------------------------------------------


def test_outdated_product_is_reported_behind_by_the_number_of_releases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = snapshot_template(tmp_path / "template", tag="v1.0.0")
    old = copy_product(template, tmp_path / "old", ANSWERS, skip_tasks=True, vcs_ref="v1.0.0")
    release(template, "v1.1.0")
    release(template, "v1.2.0-rc.1")  # a pre-release is no release
    between = copy_product(template, tmp_path / "between", ANSWERS, skip_tasks=True, vcs_ref="HEAD")
    release(template, "v1.2.0")
    release(template, "v1.3.0")

    code, out, _ = drift(capsys, old, "--format", "json")
    versions = json.loads(out)["template"]["versions"]
    assert versions == {
        "current": "1.0.0",
        "latest": "1.3.0",
        "versions": 3,
        "majors": 0,
        "minors": 3,
    }
    assert code == 1  # the policy allows 2 minor versions
    assert "is 3 release(s) behind 1.3.0" in out

    # An untagged commit records `git describe` output; it sits after v1.2.0-rc.1, before v1.2.0.
    code, out, _ = drift(capsys, between, "--format", "json")
    report = json.loads(out)
    assert report["template"]["commit"].startswith("v1.2.0-rc.1")
    assert report["template"]["versions"]["versions"] == 2
    assert code == 0, out

    # A major released longer ago than the policy's grace period (tests/test_update_majors.py
    # has the period itself): the tagger date is what counts.
    commit_all(template, "release v2.0.0")
    long_ago = "2020-01-01T00:00:00+00:00"
    tag = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "tag", "-a"]
    run([*tag, "-m", "v2.0.0", "v2.0.0"], template, GIT_COMMITTER_DATE=long_ago)
    code, out, _ = drift(capsys, between)
    assert code == 1
    assert "(newest release 2.0.0, 3 release(s) behind)" in out
    assert "2.0.0 was released 2020-01-01; the 90-day grace period for the previous major" in out


def test_renders_cached_on_disk_are_reused_by_a_later_process(
    product: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    render_module.clear_memory_cache()  # earlier tests of this process rendered the same key
    assert drift(capsys, product, "--cache-dir", str(cache))[0] == 0
    assert len(render_entries(cache)) == 1
    render_module.clear_memory_cache()  # as a new process would start

    def no_render(*_: object) -> None:
        raise AssertionError("rendered again despite the on-disk cache")

    # Both renders, the direct one and copier's, start in ``_render_into``: an entry whose
    # manifest (the direct render's own digests) did not match its files would render again.
    monkeypatch.setattr(render_module, "_render_into", no_render)
    monkeypatch.setattr(render_module, "copier_render", no_render)
    flip_one_byte(product / ".pre-commit-config.yaml")
    code, out, _ = drift(capsys, product, "--cache-dir", str(cache))
    assert code == 1
    assert "modified        .pre-commit-config.yaml" in out


def test_a_poisoned_render_cache_entry_is_rendered_again(
    product: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    render_module.clear_memory_cache()
    assert drift(capsys, product, "--cache-dir", str(cache))[0] == 0
    [entry] = render_entries(cache)
    # The poison: the cached policy no longer guards the pre-commit config, and the cached
    # config is the product's edited one, so a check trusting the entry would pass.
    config = product / ".pre-commit-config.yaml"
    config.write_text(config.read_text() + "# hooks switched off\n")
    policy = entry / "files" / ".paved-road" / "policy.yml"
    assert "  - .pre-commit-config.yaml\n" in policy.read_text()
    policy.write_text(policy.read_text().replace("  - .pre-commit-config.yaml\n", ""))
    (entry / "files" / ".pre-commit-config.yaml").write_bytes(config.read_bytes())
    render_module.clear_memory_cache()  # as a new process would start

    code, out, err = drift(capsys, product, "--cache-dir", str(cache))

    assert code == 1, out
    assert "modified        .pre-commit-config.yaml" in out
    assert err.startswith(f"paved-road drift: render cache entry {entry} cannot be trusted")
    render_module.clear_memory_cache()
    code, out, err = drift(capsys, product, "--cache-dir", str(cache))
    assert (code, err) == (1, ""), "the entry was not replaced by a sound one"


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_render_cache_entry_holding_a_symlink_is_rendered_again(
    product: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    """A symlink whose target holds the very bytes the manifest hashed is still refused: what
    it points at can change after the check verified it."""
    cache = tmp_path / "cache"
    render_module.clear_memory_cache()
    assert drift(capsys, product, "--cache-dir", str(cache))[0] == 0
    [entry] = render_entries(cache)
    moved = entry / "files" / (".pre-commit-config.yaml" if what == "file" else ".paved-road")
    elsewhere = tmp_path / "elsewhere"
    moved.rename(elsewhere)
    moved.symlink_to(elsewhere)
    render_module.clear_memory_cache()  # as a new process would start

    code, out, err = drift(capsys, product, "--cache-dir", str(cache))

    assert code == 0, out
    assert err.startswith(f"paved-road drift: render cache entry {entry} cannot be trusted")
    assert "(it holds a symlink)" in err
    assert not moved.is_symlink(), "the entry was not replaced by a sound one"


@pytest.mark.parametrize("via", ["path", "symlink"])
def test_a_render_cache_inside_the_product_is_refused(
    via: str, product: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = product / ".cache" / "renders"
    if via == "symlink":
        (product / ".cache").mkdir()
        (tmp_path / "cache").symlink_to(product / ".cache")
        cache = tmp_path / "cache" / "renders"
    render_module.clear_memory_cache()
    code, _, err = drift(capsys, product, "--cache-dir", str(cache))
    assert code == 2
    assert "is in the product: use one outside it" in err
    assert not cache.exists()


def test_ci_renders_afresh_whatever_paved_road_cache_dir_says(
    product: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PAVED_ROAD_CACHE_DIR", str(cache))
    monkeypatch.setenv("CI", "true")
    render_module.clear_memory_cache()
    assert drift(capsys, product)[0] == 0
    assert not cache.exists()
    monkeypatch.setenv("CI", "")
    render_module.clear_memory_cache()
    assert drift(capsys, product)[0] == 0
    assert len(render_entries(cache)) == 1


# --- cannot check: exit 2, one line, product untouched -------------------------------------


def _break(product: Path, template: Path, how: str) -> tuple[str, list[str]]:  # noqa: PLR0911, PLR0912
    """Break the product (or the command line) as `how` says: the words the one line must
    hold, and the extra arguments of the check."""
    answers = product / ".copier-answers.yml"
    waivers = product / ".paved-road" / "waivers.yml"
    text = answers.read_text()
    if how == "missing":
        answers.unlink()
        return "no .copier-answers.yml: run it in a product's root", []
    if how == "unparseable":
        answers.write_text(text + "broken: [unclosed\n")
        line = len(text.splitlines()) + 2  # the parser notices at the end of the file
        return f".copier-answers.yml line {line}: invalid YAML", []
    if how == "answers-not-utf8":
        answers.write_bytes(text.encode().replace(b"Demo Shop", b"Demo Sh\xf6p"))
        line = text.splitlines().index("product_name: Demo Shop") + 1
        return f".copier-answers.yml line {line}: is not UTF-8 text", []
    if how == "no-src-path":
        answers.write_text("\n".join(x for x in text.splitlines() if "_src_path" not in x))
        return "has no _src_path", []
    if how == "no-commit":
        answers.write_text("\n".join(x for x in text.splitlines() if "_commit" not in x))
        return "has no _commit", []
    if how == "impossible-commit-date":
        answers.write_text(text.replace("_commit: v1.0.0", "_commit: 2026-02-30"))
        line = text.splitlines().index("_commit: v1.0.0") + 1
        return f".copier-answers.yml line {line}: 2026-02-30 is not a real date", []
    if how == "commit-is-a-date":
        answers.write_text(text.replace("_commit: v1.0.0", "_commit: 2026-01-31"))
        line = text.splitlines().index("_commit: v1.0.0") + 1
        return f".copier-answers.yml line {line}: _commit is a date, not a tag", []
    if how == "unknown-commit":
        answers.write_text(text.replace("_commit: v1.0.0", "_commit: v9.9.9"))
        return "template commit 'v9.9.9' does not exist", []
    if how == "unreachable":
        answers.write_text(text.replace(str(template), str(template.with_name("moved-away"))))
        return "is unreachable", []
    if how == "bad-waivers":
        waivers.write_text("waivers:\n  - path: Makefile\n")
        return "waivers.yml line 2 at waivers.0.reason: Field required", []
    if how == "impossible-waiver-date":
        waivers.write_text(
            "waivers:\n  - path: Makefile\n    reason: PLAT-1\n    expires: 2026-02-30\n"
        )
        return "waivers.yml line 4: 2026-02-30 is not a real date", []
    if how == "waivers-not-utf8":
        waivers.write_bytes(b"waivers:\n  - path: Makefile\n    reason: \xff\xfe PLAT-1\n")
        return "waivers.yml line 3: is not UTF-8 text", []
    if how == "summary-into-missing-folder":
        summary = product.parent / "no-such-folder" / "summary.md"
        return f"--summary {summary}: no such folder: create it", [
            "--summary",
            str(summary),
        ]
    if how == "cache-dir-is-a-file":
        cache = product.parent / "cache-file"
        cache.write_text("not a folder\n")
        return f"--cache-dir {cache} is a file: name a folder", [
            "--cache-dir",
            str(cache),
        ]
    raise AssertionError(how)


# Every way `_break` leaves a product drift cannot check (test_refusal_lines_tools.py runs
# them too, for the width of the line).
CANNOT_CHECK = [
    "missing",
    "unparseable",
    "answers-not-utf8",
    "no-src-path",
    "no-commit",
    "impossible-commit-date",
    "commit-is-a-date",
    "unknown-commit",
    "unreachable",
    "bad-waivers",
    "impossible-waiver-date",
    "waivers-not-utf8",
    "summary-into-missing-folder",
    "cache-dir-is-a-file",
]


@pytest.mark.parametrize("how", CANNOT_CHECK)
@pytest.mark.parametrize("output", ["text", "json"])
def test_cannot_check_exits_2_with_one_line_and_changes_nothing(
    how: str, output: str, product: Path, template_v1: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = product
    expected, extra = _break(made, template_v1, how)
    before = fingerprint(made)
    outside = sorted(path.name for path in made.parent.iterdir())

    code, out, err = drift(capsys, made, "--format", output, *extra)

    assert code == 2
    assert fingerprint(made) == before, "the check changed the product"
    assert sorted(path.name for path in made.parent.iterdir()) == outside
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("paved-road drift: cannot check ")
    assert expected in err
    if output == "json":
        report = json.loads(out)
        assert (report["status"], report["exit_code"]) == ("error", 2)
        assert expected in report["error"]
        jsonschema.validate(report, json.loads(SCHEMA_FILE.read_text()))
    else:
        assert out == ""


def test_a_normal_check_changes_nothing_in_the_product(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_one_byte(product / ".pre-commit-config.yaml")
    before = fingerprint(product)
    code, _, _ = drift(capsys, product)
    assert code == 1
    assert fingerprint(product) == before


# --- waivers -------------------------------------------------------------------------------


def _waive(product: Path, expires: dt.date, part: str | None = None) -> None:
    lines = [
        "waivers:",
        "  - path: pyproject.toml" if part else "  - path: .pre-commit-config.yaml",
        f"    part: {part}" if part else "",
        "    reason: PLAT-42 trying a new hook before it lands in the template",
        f"    expires: {expires.isoformat()}",
        '    approved_by: "@acme/platform"',
        f"    approved_on: {min(expires, dt.date.today()).isoformat()}",
    ]
    (product / ".paved-road" / "waivers.yml").write_text("\n".join(filter(None, lines)) + "\n")
    sign_waivers(product)


def test_an_active_waiver_covers_a_guarded_file_and_is_listed(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_one_byte(product / ".pre-commit-config.yaml")
    _waive(product, dt.date.today() + dt.timedelta(days=30))
    code, out, _ = drift(capsys, product, "--format", "json")
    report = json.loads(out)
    assert code == 0
    [finding] = [f for f in report["findings"] if f["path"] == ".pre-commit-config.yaml"]
    assert finding["severity"] == "waived"
    assert "PLAT-42" in finding["waiver"]
    assert [w["status"] for w in report["waivers"]] == ["active"]


def test_an_expired_waiver_no_longer_applies_but_is_still_listed(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_one_byte(product / ".pre-commit-config.yaml")
    _waive(product, dt.date.today() - dt.timedelta(days=1))
    code, out, _ = drift(capsys, product)
    assert code == 1
    assert "waiver expired .pre-commit-config.yaml" in out
    code, out, _ = drift(capsys, product, "--format", "github")
    assert (
        "::warning file=.paved-road/waivers.yml,title=paved-road drift%3A waiver expired::" in out
    )


def test_a_waiver_for_a_part_covers_that_part_only(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = product / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("[tool.ruff]\n", "[tool.ruff]\nfix = true\n")
    )
    _waive(product, dt.date.today() + dt.timedelta(days=1), part="tool.ruff")
    assert drift(capsys, product)[0] == 0
    pyproject.write_text(
        pyproject.read_text().replace("[tool.mypy]\n", "[tool.mypy]\nstrict = false\n")
    )
    code, out, _ = drift(capsys, product)
    assert code == 1
    assert "part-modified   pyproject.toml [tool.mypy]" in out


# --- output formats ------------------------------------------------------------------------


def test_json_output_validates_against_the_committed_schema(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_one_byte(product / ".pre-commit-config.yaml")
    (product / "pyproject.toml").unlink()
    _waive(product, dt.date.today() - dt.timedelta(days=3))
    code, out, _ = drift(capsys, product, "--format", "json")
    assert code == 1
    report = json.loads(out)
    jsonschema.validate(report, json.loads(SCHEMA_FILE.read_text()))
    assert report["schema_version"] == "1"
    assert {f["kind"] for f in report["findings"]} >= {"modified", "missing"}


def test_committed_schema_is_generated_from_the_models() -> None:
    assert SCHEMA_FILE.read_text() == schema_text(), (
        "run `python -m paved_road.drift.schema` and commit the schema"
    )


def test_text_shows_a_unified_diff_for_each_guarded_violation(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = product / ".pre-commit-config.yaml"
    config.write_text(config.read_text().replace("--maxkb=500", "--maxkb=5000"))
    code, out, _ = drift(capsys, product)
    assert code == 1
    assert "--- template/.pre-commit-config.yaml" in out
    assert "-        entry: uv run --locked check-added-large-files --maxkb=500" in out
    assert "+        entry: uv run --locked check-added-large-files --maxkb=5000" in out


def test_github_annotations_point_at_the_offending_files(
    product: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_one_byte(product / ".pre-commit-config.yaml")
    summary = tmp_path / "step-summary.md"
    code, out, _ = drift(capsys, product, "--format", "github", "--summary", str(summary))
    assert code == 1
    assert "::error file=.pre-commit-config.yaml,title=paved-road drift%3A modified::" in out
    markdown = summary.read_text()
    assert markdown.startswith("### ❌ paved-road drift: 1 violation(s)")
    assert "| FAIL | `modified` | `.pre-commit-config.yaml` |" in markdown
    assert "```diff" in markdown


def test_markdown_of_a_clean_product(product: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = drift(capsys, product, "--format", "markdown")
    assert code == 0
    assert out.startswith("### ✅ paved-road drift: 0 violation(s)")


# --- where it runs -------------------------------------------------------------------------


def test_console_script_exit_codes(product: Path, template_v1: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("paved-road")
    ok = subprocess.run(
        [script, "drift", str(product), "--approved-source", str(template_v1)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "result: in policy" in ok.stdout
    nowhere = subprocess.run(
        [script, "drift", str(tmp_path / "nowhere")], capture_output=True, text=True, check=False
    )
    assert nowhere.returncode == 2
    assert nowhere.stderr.strip().endswith("not a folder: name the product's folder")


def test_pre_commit_hook_manifest_is_valid() -> None:
    result = subprocess.run(
        [
            Path(sys.executable).with_name("pre-commit"),
            "validate-manifest",
            ".pre-commit-hooks.yaml",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
