"""Drift trusts nothing the product controls: which template, which version, which answers.

Each test tries a bypass for real on a rendered product (a fork of the template with a relaxed
policy, a commit that is no release, hand-set platform constants, option injection through the
answers file) and expects a non-zero exit naming the problem.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from paved_road.template_source import is_approved, source_identity

from tests.cases import CHECK_CASES
from tests.drift_support import drift, fingerprint
from tests.support import commit_all, copy_product, git, init_repo, snapshot_template

ANSWERS = CHECK_CASES["default"]


@pytest.fixture(scope="module")
def canonical(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The platform's template (a scratch clone standing in for it), released as v1.0.0."""
    return snapshot_template(tmp_path_factory.mktemp("trust-canonical"), tag="v1.0.0")


@pytest.fixture(scope="module")
def pristine(canonical: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = copy_product(
        canonical,
        tmp_path_factory.mktemp("trust-pristine") / "product",
        ANSWERS,
        skip_tasks=True,
        vcs_ref="v1.0.0",
    )
    init_repo(made)
    return made


@pytest.fixture
def product(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "product", symlinks=True))


def findings(out: str) -> dict[str, list[dict]]:
    """The JSON report's findings by kind."""
    found: dict[str, list[dict]] = {}
    for finding in json.loads(out)["findings"]:
        found.setdefault(finding["kind"], []).append(finding)
    return found


def set_answer(product: Path, key: str, value: str) -> None:
    """Edit one line of the answers file by hand, as a product team could."""
    answers = product / ".copier-answers.yml"
    lines = [line for line in answers.read_text().splitlines() if not line.startswith(f"{key}:")]
    answers.write_text("\n".join([*lines, f"{key}: {value}"]) + "\n")


# --- which template ------------------------------------------------------------------------


def test_a_fork_with_a_relaxed_policy_fails_and_is_never_rendered(
    canonical: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As CI checks it (a local run would check a template on its own machine: test_drift_make).
    monkeypatch.setenv("CI", "true")
    fork = tmp_path / "fork"
    git(tmp_path, "clone", "--quiet", str(canonical), str(fork))
    policy = fork / "template" / ".paved-road" / "policy.yml.jinja"
    policy.write_text(policy.read_text().replace("  - .pre-commit-config.yaml\n", ""))
    marker = tmp_path / "fork-code-ran"
    # The fork's extension code announces itself whenever the fork is rendered.
    filters = fork / "extensions" / "paved_road" / "filters.py"
    filters.write_text(
        filters.read_text() + f"\n__import__('pathlib').Path({str(marker)!r}).touch()\n"
    )
    commit_all(fork, "relax the policy")
    git(fork, "tag", "v1.0.1")
    product = copy_product(fork, tmp_path / "product", ANSWERS, skip_tasks=True, vcs_ref="v1.0.1")
    init_repo(product)
    hooks = product / ".pre-commit-config.yaml"
    hooks.write_text(hooks.read_text().replace("--maxkb=500", "--maxkb=50000"))
    marker.unlink()

    code, out, _ = drift(capsys, product, "--format", "json", approve=canonical)

    assert code == 1, out
    [finding] = json.loads(out)["findings"]
    assert finding["kind"] == "unapproved-source"
    assert finding["severity"] == "error"
    assert f"template source {fork} is not an approved paved-road template" in finding["message"]
    assert not marker.exists(), "drift rendered the unapproved fork (its code ran)"
    code, out, _ = drift(capsys, product, approve=canonical)
    assert "FAIL   unapproved-source .copier-answers.yml" in out

    # What the check would have said had it trusted the fork: in policy, fork code run.
    code, out, _ = drift(
        capsys, product, "--approve-recorded-source", "--format", "json", approve=""
    )
    assert code == 0, out
    [note] = findings(out)["unapproved-source"]
    assert note["severity"] == "info"
    assert note["message"] == (
        f"template source {fork} is not the platform's; checked against it because "
        "--approve-recorded-source was given. CI accepts only the platform's sources"
    )
    assert marker.exists()


def test_the_packages_own_source_is_approved_in_every_spelling() -> None:
    for spelling in (
        "gh:acme/paved-road",
        "gh:Acme/Paved-Road.git",
        "https://github.com/acme/paved-road",
        "https://github.com/acme/paved-road.git/",
        "git+https://github.com/acme/paved-road.git",
        "git@github.com:acme/paved-road.git",
        "ssh://git@github.com/acme/paved-road",
    ):
        assert is_approved(spelling), spelling
    for other in (
        "gh:acme-labs/paved-road",
        "gh:acme/paved-road-fork",
        "http://github.com/acme/paved-road.git",
        "https://github.com.evil.example/acme/paved-road.git",
        "https://gitlab.com/acme/paved-road.git",
        "/srv/git/paved-road",
    ):
        assert not is_approved(other), other


def test_local_sources_compare_by_resolved_path(tmp_path: Path) -> None:
    (tmp_path / "template").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "template")
    same = source_identity(str(tmp_path / "template"))
    assert source_identity((tmp_path / "template").as_uri()) == same
    assert source_identity(str(tmp_path / "link")) == same
    assert source_identity(str(tmp_path / "x" / ".." / "template")) == same
    assert not is_approved(str(tmp_path / "template-fork"), [str(tmp_path / "template")])


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("_src_path", "--upload-pack=touch pwned", "_src_path '--upload-pack=touch pwned'"),
        ("_commit", "--orphan=pwned", "_commit '--orphan=pwned'"),
    ],
)
def test_answers_that_look_like_options_are_refused(
    key: str, value: str, message: str, product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_answer(product, key, value)
    before = fingerprint(product)
    code, out, err = drift(capsys, product, approve=product)
    assert code == 2, out
    [line] = err.strip().splitlines()
    assert f"{message} starts with '-': refused" in line
    assert fingerprint(product) == before
    assert not (product / "pwned").exists()


# --- which version -------------------------------------------------------------------------


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """A template with release v1.0.0, then an unreleased commit on main."""
    template = snapshot_template(tmp_path / "template", tag="v1.0.0")
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nUnreleased work.\n")
    commit_all(template, "work after v1.0.0")
    return template


def _from(template: Path, dst: Path, ref: str) -> Path:
    made = copy_product(template, dst, ANSWERS, skip_tasks=True, vcs_ref=ref)
    init_repo(made)
    return made


def test_commits_that_are_no_release_fail(
    released: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = git(released, "rev-parse", "HEAD").stdout.strip()
    # copier records an untagged HEAD as `git describe` output: v1.0.0-1-g<sha>.
    described = _from(released, tmp_path / "described", "HEAD")
    branch = _from(released, tmp_path / "branch", "v1.0.0")
    set_answer(branch, "_commit", "main")
    bare = _from(released, tmp_path / "bare", "v1.0.0")
    set_answer(bare, "_commit", head)
    # A tag spelled like a SHA, on the unreleased commit: it only renames that commit.
    git(released, "tag", "1234567", head)
    renamed = _from(released, tmp_path / "renamed", "v1.0.0")
    set_answer(renamed, "_commit", "1234567")

    for made, problem in (
        (described, "is 1 commit(s) after v1.0.0: an unreleased template commit"),
        (branch, "'main' is not a release tag (a branch?)"),
        (bare, f"commit {head} is not a tagged release"),
        (renamed, "tag '1234567' is not a release tag"),
    ):
        code, out, _ = drift(capsys, made, "--format", "json", approve=released)
        assert code == 1, out
        [finding] = findings(out)["unreleased-commit"]
        assert finding["severity"] == "error"
        assert problem in finding["message"], finding["message"]


def test_a_bare_sha_of_a_release_is_that_release_and_still_lags(
    released: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    product = _from(released, tmp_path / "product", "v1.0.0")
    sha = git(released, "rev-list", "-n", "1", "v1.0.0").stdout.strip()
    set_answer(product, "_commit", sha[:12])
    code, out, _ = drift(capsys, product, "--format", "json", approve=released)
    assert code == 0, out
    assert json.loads(out)["template"]["versions"]["current"] == "1.0.0"

    for tag in ("v1.1.0", "v1.2.0", "v1.3.0"):
        commit_all(released, tag)
        git(released, "tag", tag)
    code, out, _ = drift(capsys, product, "--format", "json", approve=released)
    assert code == 1, out
    [late] = findings(out)["behind"]
    assert late["severity"] == "error"
    assert "template 1.0.0 is 3 release(s) behind 1.3.0" in late["message"]
    assert "unreleased-commit" not in findings(out)


# --- which answers -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["platform_team", "github_org", "not_a_question"])
def test_answers_the_template_does_not_ask_are_ignored(
    key: str, product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Drift renders with the template's platform constants: a product from the platform's
    template stays in policy whatever its answers file claims they are."""
    set_answer(product, key, "shop-team")
    code, out, _ = drift(capsys, product, "--format", "json")
    assert code == 0, out
    [note] = findings(out)["ignored-answer"]
    assert note["severity"] == "info"
    assert f"{key!r} is not a question of the template" in note["message"]


def test_a_product_that_makes_itself_the_platform_team_fails(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bypass: set `platform_team` by hand and rewrite every file it renders into, so that
    a re-render with the product's answers would match."""
    set_answer(product, "platform_team", "shop-team")
    for path, old, new in (
        (".github/CODEOWNERS", "@acme/platform", "@acme/shop-team"),
        ("SECURITY.md", "**platform**", "**shop-team**"),
        ("renovate.json", "team:platform", "team:shop-team"),
    ):
        text = (product / path).read_text()
        assert old in text, path
        (product / path).write_text(text.replace(old, new))
    code, out, _ = drift(capsys, product, "--format", "json")
    assert code == 1, out
    failed = {f["path"] for f in json.loads(out)["findings"] if f["severity"] == "error"}
    assert failed == {".github/CODEOWNERS", "SECURITY.md"}


def test_a_pull_request_commit_of_the_platforms_repository_is_refused_before_rendering(
    released: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pull request to the platform's repository makes its commit reachable there
    (refs/pull/N/head). A product naming it would get a checker and a template of the pull
    request author's choosing: drift refuses it before anything is rendered."""
    git(released, "checkout", "--quiet", "-b", "attack", "v1.0.0")
    policy = released / "template/.paved-road/policy.yml.jinja"
    policy.write_text(policy.read_text().replace("guarded:\n", "guarded: []\nunused:\n", 1))
    commit_all(released, "relax the policy")
    attack = git(released, "rev-parse", "HEAD").stdout.strip()
    git(released, "update-ref", "refs/pull/7/head", attack)
    git(released, "checkout", "--quiet", "main")
    git(released, "branch", "--quiet", "-D", "attack")
    product = _from(released, tmp_path / "product", "v1.0.0")
    set_answer(product, "_commit", attack)
    renders = tmp_path / "renders"

    code, out, _ = drift(
        capsys, product, "--format", "json", "--cache-dir", str(renders), approve=released
    )
    assert code == 1, out
    errors = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert [f["kind"] for f in errors] == ["unreleased-commit"]
    assert f"commit {attack} is not a tagged release" in errors[0]["message"]
    assert not renders.exists() or not any(renders.rglob("*")), "nothing was rendered"
