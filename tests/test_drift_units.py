"""The drift check's pure pieces: globs, policy, parts, versions, waivers, annotations."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from paved_road.cli import COMMANDS
from paved_road.drift import parts
from paved_road.drift.check import apply_waivers, behind_finding
from paved_road.drift.compare import compare_file
from paved_road.drift.formats import github, markdown, text
from paved_road.drift.policy import BehindLimits, WaiverRules, glob_regex, parse_policy
from paved_road.drift.rendering.compiled import compiles_remembered
from paved_road.drift.report import Finding, Kind, Report, Severity, Template
from paved_road.drift.versions import behind, commit_version
from paved_road.drift.waivers import Waiver
from paved_road.fleet.aggregate import product_result
from paved_road.template_source import git_url


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("src/**", "src/pkg/main.py", True),
        ("src/**", "src", False),
        ("src/**", "srcx/a.py", False),
        ("deploy/base/**", "deploy/base/k.yaml", True),
        ("**/*.css", "a/b/c.css", True),
        ("**/*.css", "c.css", True),
        ("*.toml", "pyproject.toml", True),
        ("*.toml", "sub/pyproject.toml", False),
        ("a?.txt", "ab.txt", True),
        ("a?.txt", "a/.txt", False),
        (".paved-road/policy.yml", ".paved-road/policy.yml", True),
        (".paved-road/policy.yml", ".paved-road/policyXyml", False),
    ],
)
def test_glob(pattern: str, path: str, matches: bool) -> None:
    assert (glob_regex(pattern).match(path) is not None) is matches


POLICY = """
version: 1
guarded:
  - src/pkg/core/security.py
  - path: deploy/base/**
shared:
  - path: pyproject.toml
    parts: [tool.ruff]
seeded:
  - path: src/**
  - path: README.md
    required: true
"""


def test_strictest_entry_wins() -> None:
    policy = parse_policy(POLICY)
    owner = policy.owner
    assert owner("src/pkg/core/security.py")[0] == "guarded"
    assert owner("src/pkg/main.py")[0] == "seeded"
    assert owner("pyproject.toml")[1].parts == ["tool.ruff"]
    assert owner("deploy/base/x.yaml")[0] == "guarded"
    assert owner("Makefile") is None
    assert policy.behind == BehindLimits(max_major=0, max_minor=None)


def test_the_first_entry_in_policy_order_owns_a_path_whether_literal_or_glob() -> None:
    # Literal paths are looked up by path (drift.policy's index): a glob listed before a literal
    # of the same path still wins, a later one does not, and a literal matches only itself.
    policy = parse_policy(
        "version: 1\n"
        "guarded: ['src/*.py', 'a.txt']\n"
        "shared: ['src/app.py', 'a.txt', 'docs/**']\n"
        "seeded: ['docs/index.md', '**']\n"
    )
    owned = {
        path: (owner[0], owner[1].path) if (owner := policy.owner(path)) else None
        for path in ("src/app.py", "a.txt", "docs/index.md", "a.txt/b", "x/a.txt", "src/a/b.py")
    }
    assert owned == {
        "src/app.py": ("guarded", "src/*.py"),
        "a.txt": ("guarded", "a.txt"),
        "docs/index.md": ("shared", "docs/**"),
        "a.txt/b": ("seeded", "**"),
        "x/a.txt": ("seeded", "**"),
        "src/a/b.py": ("seeded", "**"),
    }
    literal = parse_policy("version: 1\nguarded: ['a.b[c]']\n")
    assert literal.owner("a.b[c]") is not None
    assert literal.owner("aXb[c]") is None and literal.owner("a.bc") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 2\n", "at version"),
        ("version: 1\nguarded: [{pth: x}]\n", "at guarded.0"),
        ("version: 1\nsurprise: true\n", "at surprise"),
        ("version: [1\n", "does not parse as YAML"),
    ],
)
def test_bad_policies_say_where(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_policy(text)


def test_parts_by_key_path() -> None:
    toml = parts.parse("pyproject.toml", "[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\n")
    assert parts.lookup(toml, "tool.ruff") == {"line-length": 100, "lint": {}}
    assert parts.lookup(toml, "tool.mypy") is parts.MISSING
    workflow = parts.parse("ci.yml", "on:\n  push: {}\njobs:\n  a:\n    steps: [x, y]\n")
    assert parts.lookup(workflow, "on.push") == {}  # YAML 1.1 read `on` as True
    assert parts.lookup(workflow, "jobs.a.steps.1") == "y"
    assert parts.lookup(workflow, "jobs.a.steps.2") is parts.MISSING
    with pytest.raises(ValueError, match="does not parse"):
        parts.parse("pyproject.toml", "[tool\n")


@pytest.mark.parametrize(
    ("commit", "version"),
    [
        ("v1.2.0", "1.2.0"),
        ("1.2.0", "1.2.0"),
        ("v1.1.0-3-gabc1234", "1.1.0.post3.dev0+abc1234"),
        ("abc1234", None),
        ("main", None),
    ],
)
def test_commit_version_reads_like_copier(commit: str, version: str | None) -> None:
    parsed = commit_version(commit)
    assert (str(parsed) if parsed else None) == version


TAGS = {tag: "0" * 40 for tag in ["v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0rc1", "v1.3.0", "junk"]}


def test_behind_counts_releases_not_prereleases_or_junk() -> None:
    lag = behind("v1.0.0", TAGS)
    assert (lag.latest, lag.versions, lag.majors, lag.minors) == ("1.3.0", 3, 0, 3)
    assert behind("v1.3.0", TAGS).versions == 0
    assert behind("abc1234", TAGS).versions is None


@pytest.mark.parametrize(
    ("commit", "limits", "severity"),
    [
        ("v1.0.0", BehindLimits(max_major=0, max_minor=2), Severity.ERROR),
        ("v1.1.0", BehindLimits(max_major=0, max_minor=2), Severity.INFO),
        ("v1.0.0", BehindLimits(max_major=0, max_minor=None), Severity.INFO),
        ("v1.3.0", BehindLimits(max_major=0, max_minor=0), None),
    ],
)
def test_behind_limits(commit: str, limits: BehindLimits, severity: Severity | None) -> None:
    finding = behind_finding(behind(commit, TAGS), limits)
    assert (finding.severity if finding else None) == severity


def test_major_lag_fails_under_max_major_zero() -> None:
    lag = behind("v1.3.0", {**TAGS, "v2.0.0": "0" * 40})
    finding = behind_finding(lag, BehindLimits(max_major=0))
    assert finding is not None
    assert finding.severity is Severity.ERROR
    assert lag.minors is None


def test_waivers_cover_guarded_findings_until_they_expire() -> None:
    today = dt.date(2026, 11, 25)
    rules = WaiverRules(max_days=90, approvers=["@acme/platform"])
    approval = {"approved_by": "@acme/platform", "approved_on": today - dt.timedelta(days=80)}

    def findings() -> list[Finding]:
        return [
            Finding(kind=Kind.MODIFIED, severity=Severity.ERROR, path="a", message="m"),
            Finding(kind=Kind.CONFLICT_MARKER, severity=Severity.ERROR, path="a", message="c"),
        ]

    waiver = Waiver(path="a", reason="why", expires=today, **approval)
    found = findings()
    [status] = apply_waivers(found, [waiver], rules, today)
    assert [f.severity for f in found] == [Severity.WAIVED, Severity.ERROR]
    assert status.status == "active"
    found = findings()
    [status] = apply_waivers(found, [waiver], rules, today + dt.timedelta(days=1))
    assert [f.severity for f in found] == [Severity.ERROR, Severity.ERROR]
    assert status.status == "expired"
    other = Waiver(path="b", reason="why", expires=today, **approval)
    assert apply_waivers(findings(), [other], rules, today)[0].status == "unused"


def test_github_annotations_escape_their_properties_and_data() -> None:
    report = Report(
        product="/p",
        status="violations",
        exit_code=1,
        findings=[
            Finding(
                kind=Kind.MODIFIED,
                severity=Severity.ERROR,
                path="odd,name:1.txt",
                line=3,
                message="100% wrong\nsecond line",
            )
        ],
    )
    first = github(report).splitlines()[0]
    assert first == (
        "::error file=odd%2Cname%3A1.txt,line=3,title=paved-road drift%3A modified"
        "::100%25 wrong%0Asecond line"
    )


@pytest.mark.parametrize(
    ("src", "url"),
    [
        ("gh:acme/paved-road", "https://github.com/acme/paved-road.git"),
        ("gl:acme/paved-road.git", "https://gitlab.com/acme/paved-road.git"),
        ("git+https://example.com/t.git", "https://example.com/t.git"),
        ("/srv/templates/paved-road", "/srv/templates/paved-road"),
    ],
)
def test_copier_sources_as_git_urls(src: str, url: str) -> None:
    assert git_url(src) == url


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("src/pkg/core/security.py", [("missing", "error")]),
        ("pyproject.toml", [("missing", "error")]),  # it holds a guarded part
        ("README.md", [("missing", "error")]),  # seeded, but required
        ("src/pkg/main.py", []),
        ("Makefile", [("undeclared", "info")]),
    ],
)
def test_deleted_files(path: str, expected: list[tuple[str, str]]) -> None:
    found = compare_file(parse_policy(POLICY), path, b"x = 1\n", None)
    assert [(f.kind.value, f.severity.value) for f in found] == expected


def test_deleted_shared_file_without_parts_is_a_note() -> None:
    policy = parse_policy(POLICY.replace("shared:\n", "shared:\n  - path: Makefile\n"))
    [finding] = compare_file(policy, "Makefile", b"all:\n", None)
    assert (finding.kind, finding.severity) == (Kind.MISSING, Severity.INFO)


def test_the_cli_imports_only_the_command_it_runs() -> None:
    """`paved-road drift` does not import copier to build its parser (update's module does);
    every command still shows in `--help`, and the chosen one has its full arguments."""
    probe = (
        "import sys\n"
        "from paved_road.cli import build_parser\n"
        "args = build_parser(['drift']).parse_args(['drift', '--format', 'json'])\n"
        "assert args.format == 'json'\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'copier', 'jinja2'}))\n"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert imported.stdout.strip() == "[]", imported.stdout
    script = Path(sys.executable).with_name("paved-road")
    usage = subprocess.run([script, "--help"], capture_output=True, text=True, check=True)
    for command in COMMANDS:
        assert f"    {command} " in usage.stdout, usage.stdout
    update = subprocess.run(
        [script, "update", "--help"], capture_output=True, text=True, check=True
    )
    assert "--vcs-ref" in update.stdout


def test_compiles_are_shared_within_a_template_scope_only() -> None:
    """The same source compiles once per scope for environments the compiler cannot tell
    apart; another configuration, another scope or no scope compiles again; afterwards (also
    after a failure) Jinja compiles as before, so nothing else in the process is affected."""
    original = jinja2.Environment.compile
    env, twin = jinja2.Environment(), jinja2.Environment()
    other = jinja2.Environment(trim_blocks=True)
    with pytest.raises(RuntimeError), compiles_remembered(("template", "sha")):
        first = env.compile("{{ x }}")
        assert twin.compile("{{ x }}") is first
        assert other.compile("{{ x }}") is not first
        assert env.compile("{{ y }}") is not first
        twin.filters["extra"] = lambda value: value  # read when compiling: another key
        raise RuntimeError
    with compiles_remembered(("template", "sha")):
        assert env.compile("{{ x }}") is first
    with compiles_remembered(("template", "other sha")):
        assert env.compile("{{ x }}") is not first
    with compiles_remembered():
        assert env.compile("{{ x }}") is not first
    assert jinja2.Environment.compile is original
    assert env.compile("{{ x }}") is not env.compile("{{ x }}")


def test_a_product_without_sign_in_is_named_in_every_report_format() -> None:
    template = Template(src_path="t", commit="v1.0.0", versions=behind("v1.0.0", {}))
    report = Report(product="p", status="ok", exit_code=0, template=template, sign_in="none")
    assert "sign-in: none (auth=none)" in text(report)
    assert "Sign-in: none (auth=none)" in markdown(report)
    assert product_result(name="p", repo="r", report=report, source="checked").sign_in == "none"
    signed = Report(product="p", status="ok", exit_code=0, template=template, sign_in="oidc")
    assert "sign-in" not in text(signed)
