"""A ``ci: gitlab`` product's pipeline, checked in GitLab's terms.

GitLab reads one pipeline: ``.gitlab-ci.yml`` (guarded) and what it includes. The platform's
files are compared like any guarded file; the product's own jobs live in the included
``.gitlab/ci/product.yml``, and GitLab merges that file into the platform's pipeline. So a
product job named ``drift`` would merge into the drift job (``rules: [{when: never}]`` would
switch it off), a ``workflow:`` or ``default:`` there would change every job, and a job in
``.pre`` or with ``needs: []`` would run before the drift check. This check fails those, and
any image or include that is not pinned and on the platform's approved list
(``.paved-road/gitlab.yml``, read from the template's render, never the product's copy):

- an image is ``name:tag@sha256:<digest>``, exactly as listed;
- an include is ``local:`` in the platform's files only, or exactly a listed entry, which is
  pinned: ``project:`` with ``ref:`` a full commit SHA, ``remote:`` with ``integrity:``, or a
  ``component:`` at ``@<full commit SHA>``. GitLab's own ``template:`` includes cannot be pinned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .fast_yaml import load_shared
from .product_file import read_product_file
from .report import Finding, Kind, Severity

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

APPROVED_FILE = ".paved-road/gitlab.yml"
PIPELINE_FILE = ".gitlab-ci.yml"
PRODUCT_FILE = ".gitlab/ci/product.yml"
# Top-level keys that are not jobs (GitLab's global keywords and the deprecated globals).
GLOBAL_KEYS = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "spec",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "types",
    }
)
BEFORE_DRIFT_STAGES = frozenset({".pre", "drift"})
DRIFT_JOB = "drift"
PROBE_JOB = "probe"  # the platform's black-box probe of the served app (after drift)
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_INTEGRITY = re.compile(r"^sha256-[A-Za-z0-9+/]{43}=$")
HELP = "see docs/ci-guardrails.md"


class _Loader(_SafeLoader):
    """GitLab's YAML: ``!reference [job, key]`` reads as the list it names."""


_Loader.add_constructor("!reference", lambda loader, node: loader.construct_sequence(node))


def _load(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return load_shared(data, _Loader)  # parsed once per process: only read here
    except (yaml.YAMLError, UnicodeDecodeError, ValueError):
        return _UNREADABLE


_UNREADABLE = object()


def gitlab_findings(rendered: Path, product: Path, files: list[str]) -> list[Finding]:
    """Findings for the product's pipeline files; nothing for a template without GitLab CI."""
    approved_file = rendered / APPROVED_FILE
    approved = _load(approved_file.read_bytes()) if approved_file.is_file() else None
    if not isinstance(approved, dict):
        return []
    images = {
        f"{entry['image']}@{entry['digest']}"
        for entry in (approved.get("images") or {}).values()
        if isinstance(entry, dict)
    }
    includes = [entry for entry in approved.get("includes") or [] if isinstance(entry, dict)]
    platform_files = [
        path
        for path in [PIPELINE_FILE, *_ci_files(rendered)]
        if path != PRODUCT_FILE and (rendered / path).is_file()
    ]
    platform: dict[str, Any] = {}  # the platform's jobs and hidden jobs, by name
    stages: list[str] = []
    for path in platform_files:
        document = _load((rendered / path).read_bytes())
        if isinstance(document, dict):
            platform |= {str(key): value for key, value in _jobs(document) if key != "default"}
            stages = stages or [str(stage) for stage in document.get("stages") or []]
    findings: list[Finding] = []
    pipeline = [path for path in files if path == PIPELINE_FILE or path.startswith(".gitlab/ci/")]
    for path in pipeline:
        if not path.endswith((".yml", ".yaml")):
            continue
        document = _load(read_product_file(product, path))
        if document is _UNREADABLE:
            findings.append(_finding(path, None, "does not parse as GitLab CI YAML"))
            continue
        if not isinstance(document, dict):
            continue
        ours = path != PRODUCT_FILE
        findings += _image_findings(path, document, images)
        findings += _include_findings(path, document.get("include"), includes, local=ours)
        if not ours:
            findings += _product_findings(path, document, platform, stages)
    return _drift_job_findings(rendered, product) + findings


def _drift_job_findings(rendered: Path, product: Path) -> list[Finding]:
    """The pipeline still runs the platform's drift job first, as shipped (never waivable, as
    GitHub's ``ci-drift-job``): an edit there switches drift off for every later change."""
    shipped = _load((rendered / PIPELINE_FILE).read_bytes())
    if not isinstance(shipped, dict) or not isinstance(shipped.get(DRIFT_JOB), dict):
        return []
    mine = _load(read_product_file(product, PIPELINE_FILE))
    if not isinstance(mine, dict):
        problems = [f"{PIPELINE_FILE} is missing or does not parse: drift no longer runs in CI"]
    else:
        problems = _drift_job_problems(shipped, mine)
    return [
        Finding(kind=Kind.CI_DRIFT_JOB, severity=Severity.ERROR, path=PIPELINE_FILE, message=why)
        for why in problems
    ]


def _drift_job_problems(shipped: dict[Any, Any], mine: dict[Any, Any]) -> list[str]:
    problems = []
    if not isinstance(mine.get(DRIFT_JOB), dict):
        problems.append("the drift job is missing: drift no longer runs in CI")
    elif mine[DRIFT_JOB] != shipped[DRIFT_JOB]:
        problems.append(
            "the drift job is altered (it differs from the template's): CI no longer checks "
            "drift as the platform does"
        )
    shipped_probe, probe = shipped.get(PROBE_JOB), mine.get(PROBE_JOB)
    if isinstance(shipped_probe, dict) and not isinstance(probe, dict):
        problems.append(f"the {PROBE_JOB} job is missing: CI no longer probes the app")
    elif isinstance(shipped_probe, dict) and probe != shipped_probe:
        problems.append(
            f"the {PROBE_JOB} job is altered (it differs from the template's): CI no longer "
            "probes the app as the platform does"
        )
    if (mine.get("stages") or [None])[0] != DRIFT_JOB:
        problems.append("the drift stage is no longer the first stage")
    if mine.get("workflow") != shipped.get("workflow"):
        problems.append("the pipeline's `workflow:` changed: drift may no longer run")
    problems += [
        f"job {name} no longer waits for the drift job (needs: [drift])"
        for name, job in shipped.items()
        if isinstance(job, dict)
        and name != PROBE_JOB  # its own finding above
        and _needs_drift(job.get("needs"))
        and not (isinstance(mine.get(name), dict) and _needs_drift(mine[name].get("needs")))
    ]
    return problems


def _ci_files(root: Path) -> list[str]:
    folder = root / ".gitlab" / "ci"
    if not folder.is_dir():
        return []
    return sorted(f".gitlab/ci/{child.name}" for child in folder.iterdir() if child.is_file())


def _jobs(document: dict[Any, Any]) -> Iterator[tuple[str, dict[Any, Any]]]:
    """Every job and hidden job (a mapping that is not a global keyword), and ``default``."""
    for key, value in document.items():
        if isinstance(value, dict) and (str(key) not in GLOBAL_KEYS or key == "default"):
            yield str(key), value


def _image_names(job: dict[Any, Any]) -> Iterator[str]:
    image = job.get("image")
    if isinstance(image, dict):
        image = image.get("name")
    if image is not None:
        yield str(image)
    for service in job.get("services") or []:
        name = service.get("name") if isinstance(service, dict) else service
        if name is not None:
            yield str(name)


def _image_findings(path: str, document: dict[Any, Any], approved: set[str]) -> list[Finding]:
    findings = []
    top = {key: document[key] for key in ("image", "services") if key in document}
    for name, job in [("(top level)", top), *_jobs(document)]:
        for image in _image_names(job):
            if not _DIGEST.search(image):
                why = "is not pinned by digest (name:tag@sha256:...)"
            elif image not in approved:
                why = f"is not on the approved list ({APPROVED_FILE})"
            else:
                continue
            findings.append(
                _finding(path, name, f"image {image} {why}: use an approved image, or ask the "
                         "platform team to approve it")
            )  # fmt: skip
    return findings


def _include_findings(
    path: str, value: Any, approved: list[dict[str, Any]], *, local: bool
) -> list[Finding]:
    entries = value if isinstance(value, list) else [] if value is None else [value]
    findings = []
    for entry in entries:
        include = _include(entry)
        if "local" in include and len(include) == 1 and local:
            continue  # the platform's own file, at this pipeline's commit
        why = _unpinned(include)
        if why is None and include not in approved:
            why = (
                "runs jobs drift cannot see (only includes on the approved list, "
                f"{APPROVED_FILE}, may)"
            )
        if why is not None:
            findings.append(_finding(path, "include", f"include {_show(include)} {why}"))
    return findings


def _include(entry: Any) -> dict[str, Any]:
    """An include in its mapping form (a string is a local file or a remote URL)."""
    if isinstance(entry, str):
        return {"remote": entry} if "://" in entry else {"local": entry}
    if isinstance(entry, dict):
        return {str(key): value for key, value in entry.items() if key not in ("rules", "inputs")}
    return {"local": str(entry)}


def _unpinned(include: dict[str, Any]) -> str | None:
    """Why ``include`` is not pinned to exact content, or None."""
    if "project" in include:
        ref = str(include.get("ref", ""))
        return None if _SHA.match(ref) else "is not pinned: give `ref:` a full commit SHA"
    if "remote" in include:
        integrity = str(include.get("integrity", ""))
        return None if _INTEGRITY.match(integrity) else "has no `integrity: sha256-...`"
    if "component" in include:
        version = str(include["component"]).rpartition("@")[2]
        return None if _SHA.match(version) else "is not pinned: end it in @<full commit SHA>"
    if "template" in include:
        return "is a GitLab template, which cannot be pinned"
    return "is a local file: the product's pipeline file may not include files"


def _show(include: dict[str, Any]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in include.items())


def _product_findings(
    path: str, document: dict[Any, Any], platform: dict[str, Any], stages: list[str]
) -> list[Finding]:
    findings = []
    later = [stage for stage in [*stages, ".post"] if stage not in BEFORE_DRIFT_STAGES]
    for key, value in document.items():
        name = str(key)
        if name in GLOBAL_KEYS:
            if name != "include":
                findings.append(
                    _finding(path, name, f"`{name}:` here would change the platform's jobs, "
                             "drift's included: set it in your jobs instead")
                )  # fmt: skip
            continue
        if name in platform:
            findings.append(
                _finding(path, name, f"`{name}` is the platform's (GitLab would merge this into "
                         "it): rename your job")
            )  # fmt: skip
            continue
        if name.startswith(".") or not isinstance(value, dict):
            continue
        definitions = platform | {str(key): job for key, job in document.items()}
        findings += _job_findings(path, name, _extended(value, definitions), later)
    return findings


def _job_findings(path: str, name: str, job: dict[Any, Any], later: list[str]) -> list[Finding]:
    findings = []
    stage = job.get("stage")
    if stage is None or str(stage) not in later:
        findings.append(
            _finding(path, name, f"job {name} must name its stage, one of {', '.join(later)} "
                     f"(stage {stage if stage is not None else 'test (the default)'} would run "
                     "before drift or not at all)")
        )  # fmt: skip
    needs = job.get("needs")
    if needs is not None and not _needs_drift(needs):
        findings.append(
            _finding(path, name, f"job {name} has `needs:` without drift, so it would start "
                     "before the drift check passes: add `drift` to its needs")
        )  # fmt: skip
    rules = job.get("rules") if isinstance(job.get("rules"), list) else []
    whens = [job.get("when"), *(rule.get("when") for rule in rules if isinstance(rule, dict))]
    if "always" in whens:
        findings.append(
            _finding(path, name, f"job {name} runs `when: always`, even when the drift check "
                     "fails: use on_success (the default)")
        )  # fmt: skip
    return findings


# What decides when a job runs; GitLab's `extends:` merges it from the named jobs.
_ORDER_KEYS = ("stage", "needs", "when", "rules")


def _extended(job: dict[Any, Any], definitions: dict[str, Any], depth: int = 0) -> dict[Any, Any]:
    """The job's ordering keys once its `extends:` are merged in, as GitLab merges them (the
    later of several wins, the job's own keys over all; GitLab stops at 11 levels)."""
    names = job.get("extends")
    names = [names] if isinstance(names, str) else names if isinstance(names, list) else []
    merged: dict[Any, Any] = {}
    for name in names:
        parent = definitions.get(str(name))
        if isinstance(parent, dict) and depth < 11:
            merged |= _extended(parent, definitions, depth + 1)
    return merged | {key: job[key] for key in _ORDER_KEYS if key in job}


def _needs_drift(needs: Any) -> bool:
    if not isinstance(needs, list):
        return False
    for need in needs:
        if need == "drift":
            return True
        if isinstance(need, dict) and need.get("job") == "drift" and not need.get("optional"):
            return True
    return False


def _finding(path: str, part: str | None, message: str) -> Finding:
    return Finding(
        kind=Kind.PIPELINE,
        severity=Severity.ERROR,
        path=path,
        part=part,
        message=f"{message} ({HELP})",
    )
