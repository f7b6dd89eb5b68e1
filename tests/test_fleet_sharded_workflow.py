"""The fleet workflow's sharded path, end to end on 1,000 products: its own shell steps, run by
bash as the runner does (plan, each check shard, report), with the real `fleet shards`,
`--shard I/N` and `fleet collect`. Only the check itself is stood in for: a shard writes each
of its products' drift report as `fleet check --drift-dir` does, without cloning or rendering
1,000 products. Artifact upload and download (merge-multiple) are a copy of each shard's
folder into one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paved_road.cli import main

from tests.deploy_support import load_yaml
from tests.support import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "fleet.yml"
PRODUCTS = 1000
BIN = Path(sys.executable).parent

# Stands for `fleet check`: the products of the shard the real `shard()` picks, each with a
# drift report as a product's check writes it. Product i violates when i % 10 == 3, cannot be
# checked when i % 25 == 7 (first), is one release behind when i % 4 == 0.
FAKE_CHECK = """
import datetime as dt, sys
from pathlib import Path
from paved_road.drift.report import Finding, Kind, Report, Severity, Template
from paved_road.drift.versions import Behind
from paved_road.fleet.fleet_file import load_fleet
from paved_road.fleet.shards import shard

args = sys.argv[1:]
assert args[:2] == ["fleet", "check"], args
fleet = shard(load_fleet(Path(args[2])), args[args.index("--shard") + 1])
out = Path(args[args.index("--drift-dir") + 1])
now = dt.datetime.now(dt.UTC).replace(microsecond=0)
for product in fleet.products:
    i = int(product.name.removeprefix("p"))
    release = "1.0.0" if i % 4 == 0 else "1.1.0"
    base = dict(
        product=product.name, repository=f"acme/{product.name}", commit="ab" * 20,
        checked_at=now,
        template=Template(
            src_path="https://github.com/acme/paved-road.git", commit="v" + release,
            versions=Behind(current=release, latest="1.1.0", versions=int(i % 4 == 0),
                            majors=0, minors=int(i % 4 == 0)),
        ),
    )
    if i % 25 == 7:
        base.pop("template")  # never fetched: no release known
        report = Report(status="error", exit_code=2, error="cannot fetch", **base)
    elif i % 10 == 3:
        finding = Finding(kind=Kind.MODIFIED, severity=Severity.ERROR, path="Dockerfile",
                          message="guarded file differs from the template")
        report = Report(status="violations", exit_code=1, findings=[finding], **base)
    else:
        report = Report(status="ok", exit_code=0, **base)
    path = out / product.name / "drift-report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.model_dump_json())
sys.exit(1 if any(int(p.name[1:]) % 10 == 3 for p in fleet.products) else 0)
"""

# `uv run --frozen paved-road ARGS`: the real paved-road, except `fleet check`.
UV = """#!/bin/sh
[ "$1 $2 $3" = "run --frozen paved-road" ] || { echo "unexpected uv $*" >&2; exit 9; }
shift 3
if [ "$1 $2" = "fleet check" ]; then exec "@PYTHON@" "@FAKE@" "$@"; fi
exec "@BIN@/paved-road" "$@"
"""


def _step(job: str, marker: str) -> str:
    steps = load_yaml(WORKFLOW)["jobs"][job]["steps"]
    return next(step["run"] for step in steps if marker in step.get("run", ""))


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "HOME": str(cwd), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def _tools(tmp_path: Path) -> str:
    """PATH with the `uv` that stands for the runner's."""
    tools = tmp_path / "tools"
    tools.mkdir()
    fake = tools / "fake_check.py"
    fake.write_text(FAKE_CHECK)
    uv = tools / "uv"
    script = UV.replace("@PYTHON@", sys.executable).replace("@FAKE@", str(fake))
    uv.write_text(script.replace("@BIN@", str(BIN)))
    uv.chmod(0o755)
    return f"{tools}:{os.environ['PATH']}"


@pytest.mark.slow(reason="1,000 products' reports through the workflow's own bash steps")
def test_a_thousand_products_are_sharded_checked_once_each_and_collected(tmp_path: Path) -> None:
    path = _tools(tmp_path)
    names = [f"p{i:04d}" for i in range(PRODUCTS)]
    repo = tmp_path / "platform"
    repo.mkdir()
    (repo / "fleet.yml").write_text(
        "products:\n" + "".join(f"  - https://github.com/acme/{name}.git\n" for name in names)
    )

    # plan: the matrix, sized to the fleet.
    outputs = tmp_path / "plan-outputs"
    plan = _bash(
        _step("plan", "fleet shards"),
        repo,
        {"PATH": path, "FLEET_FILE": "fleet.yml", "GITHUB_OUTPUT": str(outputs)},
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr
    planned = _outputs(outputs)
    shards = int(planned["shards"])
    assert shards == 10  # one job per 100 products
    assert json.loads(planned["matrix"]) == {"shard": list(range(1, shards + 1))}

    # check: each matrix job in its own checkout, as the runner gives it.
    merged = tmp_path / "report-job"
    (merged / "out" / "reports").mkdir(parents=True)
    checked_by: dict[str, int] = {}
    for index in json.loads(planned["matrix"])["shard"]:
        job = tmp_path / f"shard-{index}"
        shutil.copytree(repo, job)
        done = _bash(
            _step("check", "fleet check"),
            job,
            {"PATH": path, "FLEET_FILE": "fleet.yml", "SHARD": str(index), "SHARDS": str(shards)},
        )
        assert done.returncode == 0, done.stdout + done.stderr  # exit 1 is the report's
        for folder in sorted((job / "reports").iterdir()):
            assert folder.name not in checked_by, f"{folder.name} in two shards"
            checked_by[folder.name] = index
            shutil.copytree(folder, merged / "out" / "reports" / folder.name)  # download
    assert sorted(checked_by) == names  # every product in exactly one shard
    sizes = [list(checked_by.values()).count(index) for index in range(1, shards + 1)]
    assert min(sizes) > 50 and max(sizes) < 150, sizes  # the hash spreads them

    # report: the shards' reports merged into the fleet report.
    shutil.copy(repo / "fleet.yml", merged / "fleet.yml")
    summary = tmp_path / "_temp" / "step_summary"  # the runner's, outside the workspace
    summary.parent.mkdir()
    report = _bash(
        _step("report", "fleet collect"),
        merged,
        {"PATH": path, "FLEET_FILE": "fleet.yml", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert report.returncode == 0, report.stdout + report.stderr
    fleet = json.loads((merged / "out" / "fleet.json").read_text())
    assert sorted(product["name"] for product in fleet["products"]) == names
    errors = [i for i in range(PRODUCTS) if i % 25 == 7]
    violating = [i for i in range(PRODUCTS) if i % 10 == 3 and i % 25 != 7]
    behind = [i for i in range(PRODUCTS) if i % 4 == 0 and i % 25 != 7]
    assert fleet["summary"] | {"waivers_expiring_soon": 0} == {
        "products": PRODUCTS,
        "ok": PRODUCTS - len(errors) - len(violating),
        "violations": len(violating),
        "errors": len(errors),
        "roadless": 0,
        "behind": len(behind),
        "waivers_expiring_soon": 0,
        "exit_code": 1,
    }
    by_name = {product["name"]: product for product in fleet["products"]}
    assert by_name["p0007"]["status"] == "error" and by_name["p0003"]["status"] == "violations"
    assert by_name["p0001"]["status"] == "ok"
    # Published together: the dashboard links each product to its drift report; the job
    # summary, elsewhere, links to nothing it does not hold.
    assert by_name["p0003"]["drift_report"] == "reports/p0003/drift-report.json"
    assert (
        '"report":"reports/p0003/drift-report.json"' in (merged / "out" / "fleet.html").read_text()
    )
    assert f"{PRODUCTS} product" in summary.read_text()
    assert "drift-report.json" not in summary.read_text()


def test_a_shard_that_wrote_nothing_leaves_its_products_as_rows_saying_so(tmp_path: Path) -> None:
    """A failed shard job uploads nothing: the report still lists its products, as errors."""
    reports = tmp_path / "out" / "reports"
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text("products:\n  - https://github.com/acme/shop.git\n")
    (reports / "elsewhere").mkdir(parents=True)
    (reports / "elsewhere" / "package.json").write_text("{}")
    done = _bash(
        _step("report", "fleet collect"),
        tmp_path,
        {
            "PATH": _tools(tmp_path),
            "FLEET_FILE": "fleet.yml",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    fleet = json.loads((tmp_path / "out" / "fleet.json").read_text())
    assert [(p["name"], p["status"]) for p in fleet["products"]] == [("shop", "error")]
    assert "no drift report collected" in fleet["products"][0]["error"]


@pytest.mark.parametrize(
    ("args", "shards"),
    [
        ((), 10),  # one job per 100 products
        (("--per-job", "1"), 256),  # GitHub's limit on one matrix
        (("--forge", "gitlab", "--per-job", "1"), 200),  # GitLab's `parallel` limit
        (("--max-jobs", "4"), 4),
        (("--per-job", "5000"), 1),
    ],
)
def test_the_matrix_grows_with_the_fleet_within_the_forges_limit(
    args: tuple[str, ...], shards: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text("products:\n" + "".join(f"  - gh:acme/p{i}\n" for i in range(1000)))
    assert main(["fleet", "shards", str(fleet_file), *args]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"shard": list(range(1, shards + 1))}
    assert f"1000 product(s) in {shards} shard(s)" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--max-jobs", "257"), "--max-jobs must be 1 to 256 (GitHub's limit on one matrix)"),
        (("--forge", "gitlab", "--max-jobs", "201"), "1 to 200 (GitLab's limit"),
        (("--per-job", "0"), "--per-job must be 1 or more"),
    ],
)
def test_a_matrix_beyond_the_limit_is_one_line_and_exit_2(
    args: tuple[str, ...], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text("products:\n  - gh:acme/shop\n")
    assert main(["fleet", "shards", str(fleet_file), *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and said in err and len(err.strip().splitlines()) == 1
    assert main(["fleet", "shards", str(tmp_path / "absent.yml")]) == 2
    assert "absent.yml: cannot read the fleet file" in capsys.readouterr().err
