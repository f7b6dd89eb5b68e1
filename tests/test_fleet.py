"""`paved-road fleet check` and `fleet collect` against a real fleet: a template repo with two
releases, products in bare git repositories, renders by the real copier."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import shutil
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import jsonschema
import pytest
import yaml
from paved_road.cli import main
from paved_road.fleet.backstage import RETRIEVER_ID, SCHEMA
from paved_road.fleet.schema import SCHEMA_FILE, schema_text
from playwright.sync_api import Page, sync_playwright

from tests.axe_support import axe_script, serious
from tests.design_support import CHROMIUM_FLAGS, chromium_path
from tests.drift_support import flip_one_byte, platform_key, render_entries
from tests.fleet_support import (
    GUARDED,
    PAVED_ROAD,
    WAIVER_DAYS,
    FleetSetup,
    approving,
    build_fleet,
    by_name,
    fleet,
    read_json,
)
from tests.support import REPO_ROOT, commit_all, git, tool_env

AXE_DIR = REPO_ROOT / "tests" / "axe"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> FleetSetup:
    return build_fleet(tmp_path_factory.mktemp("fleet"))


@pytest.fixture(scope="module")
def first_run(setup: FleetSetup) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One full check with every report written; later tests reuse its cache and outputs."""
    out = setup.root / "out"
    result = fleet(
        "check",
        str(setup.fleet_file),
        "--cache-dir",
        str(setup.root / "cache"),
        "--jobs",
        "2",
        "--json",
        str(out / "fleet.json"),
        "--markdown",
        str(out / "fleet.md"),
        "--html",
        str(out / "fleet.html"),
        "--backstage",
        str(out / "facts.json"),
    )
    return result, out


def test_check_reports_every_product_and_fails_on_violations(first_run) -> None:
    result, out = first_run
    assert result.returncode == 1, result.stdout + result.stderr
    report = read_json(out / "fleet.json")
    products = by_name(report)
    assert {name: p["status"] for name, p in products.items()} == {
        "billing": "ok",
        "ghost": "error",
        "ledger": "ok",
        "search": "violations",
        "shop": "ok",
    }
    assert products["search"]["violations"] == {"modified": 1}
    assert products["search"]["team"] == "discovery"
    assert (products["billing"]["release"], products["billing"]["behind"]) == ("1.0.0", 1)
    assert products["ledger"]["waived"] == 1
    assert "cannot fetch forge/ghost.git" in products["ghost"]["error"]
    assert report["summary"] == {
        "products": 5,
        "ok": 3,
        "violations": 1,
        "errors": 1,
        "roadless": 0,
        "behind": 1,
        "waivers_expiring_soon": 1,
        "exit_code": 1,
    }
    assert report["adoption"] == [
        {"label": "1.1.0", "products": 3},
        {"label": "1.0.0", "products": 1},
    ]
    assert report["lag"] == [{"label": "0", "products": 3}, {"label": "1", "products": 1}]
    [guardrail] = report["guardrails"]
    assert guardrail == {
        "path": GUARDED,
        "part": None,
        "kinds": ["modified"],
        "violated_by": ["search"],
        "waived_by": ["ledger"],
    }
    [waiver] = report["waivers"]
    assert (waiver["product"], waiver["status"], waiver["days_left"]) == (
        "ledger",
        "active",
        WAIVER_DAYS,
    )
    assert "search" in result.stdout and "violations: modified 1" in result.stdout
    assert result.stdout.rstrip().endswith("(exit 1)")


def test_json_report_validates_against_the_committed_schema(first_run) -> None:
    _, out = first_run
    report = read_json(out / "fleet.json")
    jsonschema.validate(report, json.loads(SCHEMA_FILE.read_text()))
    diff = by_name(report)["search"]["drift"]["findings"][0]["diff"]
    assert diff.startswith(f"--- template/{GUARDED}")


def test_committed_schema_is_generated_from_the_models() -> None:
    assert SCHEMA_FILE.read_text() == schema_text(), (
        "run `python -m paved_road.fleet.schema` and commit the schema"
    )


def test_markdown_and_backstage_facts(first_run) -> None:
    _, out = first_run
    markdown = (out / "fleet.md").read_text()
    assert markdown.startswith("## ❌ paved-road fleet: 5 product(s), 3 in policy")
    assert "| search | discovery | 1.1.0 | 0 | ❌ violations | modified 1 |" in markdown
    assert "| active | ledger |" in markdown
    facts = read_json(out / "facts.json")
    assert facts["id"] == "paved-road-drift"
    items = {item["entity"]["name"]: item for item in facts["items"]}
    # Entities come from each product's catalog-info.yaml (all are "demo-shop" here), except
    # for a product that could not be fetched, named as in the fleet file.
    assert items["ghost"]["facts"]["checked"] is False
    search = next(i for i in facts["items"] if i["facts"]["violationsModified"] == 1)
    assert search["entity"] == {"kind": "component", "namespace": "default", "name": "demo-shop"}
    assert search["facts"]["inPolicy"] is False
    assert set(search["facts"]) == set(facts["schema"])


def test_renders_are_shared_between_products_with_the_same_release_and_answers(
    setup: FleetSetup, first_run
) -> None:
    # shop and ledger: v1.1.0 + default answers; billing: v1.0.0; search: v1.1.0 + ui=none.
    renders = [path for path in render_entries(setup.root / "cache" / "renders") if path.is_dir()]
    assert len([path for path in renders if not path.name.startswith(".")]) == 3


def test_a_second_run_reuses_results_until_a_product_moves(setup: FleetSetup, first_run) -> None:
    cache = str(setup.root / "cache")
    again = fleet("check", str(setup.fleet_file), "--cache-dir", cache, "--format", "json")
    assert again.returncode == 1
    assert "0 checked, 4 reused" in again.stderr
    assert {p["name"]: p["source"] for p in json.loads(again.stdout)["products"]} == {
        "billing": "cached",
        "ghost": "checked",  # an unreachable product is tried every time
        "ledger": "cached",
        "search": "cached",
        "shop": "cached",
    }

    work = setup.root / "fix-search"
    git(setup.root, "clone", "--quiet", str(setup.bare["search"]), str(work))
    flip_one_byte(work / GUARDED)  # flips the same byte back: the guarded file is restored
    commit_all(work, "restore the guarded file")
    git(work, "push", "--quiet", "origin", "HEAD")

    fixed = fleet("check", str(setup.fleet_file), "--cache-dir", cache, "--format", "json")
    assert "1 checked, 3 reused" in fixed.stderr
    search = by_name(json.loads(fixed.stdout))["search"]
    assert (search["status"], search["source"]) == ("ok", "checked")


def test_an_interrupted_check_resumes_from_the_stored_results(
    setup: FleetSetup, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    results = cache / "results"
    running = subprocess.Popen(
        [
            PAVED_ROAD,
            "fleet",
            "check",
            str(setup.fleet_file),
            *approving(setup.fleet_file),
            # The waiver signers the resumed run (`fleet`) trusts: results are kept per signers.
            "--waiver-signers",
            str(platform_key()[1]),
            "--cache-dir",
            str(cache),
            "-j",
            "1",
        ],
        env=tool_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while running.poll() is None and time.monotonic() < deadline:
        if results.is_dir() and any(results.rglob("*.json")):
            running.send_signal(signal.SIGINT)  # Ctrl-C after the first stored result
            break
        time.sleep(0.05)
    _, err = running.communicate(timeout=300)
    stored = len(list(results.rglob("*.json")))
    if running.returncode == 130:
        assert "interrupted:" in err and "run it again to resume" in err
        assert "Traceback" not in err
        assert 1 <= stored < 4
    assert not list(results.rglob(".result-*")), "a half-written result was left behind"

    resumed = fleet(
        "check", str(setup.fleet_file), "--cache-dir", str(cache), "-j", "1", "--format", "json"
    )
    assert f"{4 - stored} checked, {stored} reused" in resumed.stderr
    assert resumed.returncode == 1  # ghost cannot be checked
    sources = [p["source"] for p in json.loads(resumed.stdout)["products"] if p["name"] != "ghost"]
    assert sorted(sources) == sorted(["cached"] * stored + ["checked"] * (4 - stored))


def test_progress_bar_on_a_terminal_only(setup: FleetSetup, first_run, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(setup.root / "cache", cache)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with subprocess.Popen(
        [
            PAVED_ROAD,
            "fleet",
            "check",
            str(setup.fleet_file),
            *approving(setup.fleet_file),
            "--cache-dir",
            str(cache),
        ],
        env=tool_env(COLUMNS="100"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    ) as running:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the command ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        running.wait(timeout=300)
    os.close(leader)
    terminal = b"".join(chunks).decode(errors="replace")
    assert "checking: 100%" in terminal
    assert "5/5" in terminal
    piped = fleet("check", str(setup.fleet_file), "--cache-dir", str(cache))
    assert "checking:" not in piped.stderr and "%|" not in piped.stderr


# --- collect: the same reports from drift JSON files, nothing rendered ---------------------


def test_collect_builds_the_same_report_from_drift_json_files(
    setup: FleetSetup, first_run, tmp_path: Path
) -> None:
    _, out = first_run
    checked = read_json(out / "fleet.json")
    reports = tmp_path / "reports"
    for product in checked["products"]:
        if product["status"] != "error":
            target = reports / product["name"] / "drift-report.json"
            target.parent.mkdir(parents=True)
            target.write_text(json.dumps(product["drift"]))
    (reports / "broken").mkdir()
    (reports / "broken" / "drift-report.json").write_text('{"schema_version": "1"')

    result = fleet(
        "collect",
        str(reports),
        "--fleet",
        str(setup.fleet_file),
        "--json",
        str(tmp_path / "collected.json"),
    )
    assert result.returncode == 1
    collected = read_json(tmp_path / "collected.json")
    rows = by_name(collected)
    assert set(rows) == {"billing", "ghost", "ledger", "search", "shop"}
    assert collected["refused_reports"] == [
        {"file": "broken/drift-report.json", "reason": "foreign: broken is not in the fleet file"}
    ]
    assert "no drift report collected" in rows["ghost"]["error"]
    for name in ("billing", "ledger", "search", "shop"):
        for key in ("status", "release", "behind", "violations", "waived", "team", "tier"):
            assert rows[name][key] == by_name(checked)[name][key], (name, key)
        assert rows[name]["source"] == "collected"
    assert collected["guardrails"] == checked["guardrails"]
    assert collected["adoption"] == checked["adoption"]
    jsonschema.validate(collected, json.loads(SCHEMA_FILE.read_text()))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nowhere", "is not a directory of drift reports"),
        (lambda d: d, "no drift report in "),
    ],
)
def test_collect_without_reports_exits_2(
    make, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["fleet", "collect", str(make(tmp_path))])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err


def test_shards_cover_the_fleet_once_and_collect_merges_their_drift_reports(
    setup: FleetSetup, first_run, tmp_path: Path
) -> None:
    """What the fleet workflow does: a matrix of `check --shard I/N --drift-dir`, then one
    `collect` over every shard's drift reports."""
    cache, reports = str(setup.root / "cache"), tmp_path / "reports"
    seen: list[str] = []
    for index in (1, 2, 3):
        shard = fleet(
            "check",
            str(setup.fleet_file),
            "--shard",
            f"{index}/3",
            "--cache-dir",
            cache,
            "--drift-dir",
            str(reports),
            "--format",
            "json",
        )
        assert shard.returncode in (0, 1), shard.stderr
        seen += [product["name"] for product in json.loads(shard.stdout)["products"]]
    whole = fleet("check", str(setup.fleet_file), "--cache-dir", cache, "--format", "json")
    expected = {p["name"]: p["status"] for p in json.loads(whole.stdout)["products"]}
    assert sorted(seen) == sorted(expected)
    assert (reports / "ghost" / "drift-report.json").is_file()  # error rows travel too

    collected = fleet("collect", str(reports), "--fleet", str(setup.fleet_file), "--format", "json")
    assert collected.returncode == whole.returncode == 1
    assert {p["name"]: p["status"] for p in json.loads(collected.stdout)["products"]} == expected


@pytest.mark.parametrize("spec", ["0/3", "4/3", "1", "a/b", "1/0"])
def test_a_bad_shard_exits_2_with_one_line(
    spec: str, setup: FleetSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["fleet", "check", str(setup.fleet_file), "--shard", spec])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"paved-road fleet: --shard {spec}: give I/N with 1 <= I <= N, e.g. --shard 3/8\n"


# --- a bad fleet file: exit 2, one line with the file and line ----------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("products: [\n", ":2: does not parse as YAML"),
        ("products: []\n", ":1: products: List should have at least 1 item"),
        ("products:\n  - repo: a\n  - team: x\n", ":3: products[1].repo: Field required"),
        ("products:\n  - repo: a\n    tier: [1]\n", ":3: products[0].tier: Input should be"),
        ("products:\n  - repo: a\n    colour: red\n", ":3: products[0].colour: Extra inputs"),
        ("products:\n  - a/x.git\n  - b/x\n", ":3: product name 'x' is used twice"),
        ("- a\n", ":1: top level: Input should be a valid dictionary"),
        ("", ":1: products: Field required"),
    ],
)
def test_a_bad_fleet_file_exits_2_with_one_line(
    text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text(text)
    out_file = tmp_path / "out.json"
    code = main(
        [
            "fleet",
            "check",
            str(fleet_file),
            "--cache-dir",
            str(tmp_path / "c"),
            "--json",
            str(out_file),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"paved-road fleet: {fleet_file}{expected}"), err
    assert not out_file.exists()
    assert not (tmp_path / "c").exists(), "nothing is fetched for a bad fleet file"


def test_a_missing_fleet_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["fleet", "check", str(tmp_path / "absent.yml")])
    err = capsys.readouterr().err
    assert code == 2
    assert "absent.yml: cannot read the fleet file: No such file or directory" in err


# --- the dashboard in Chromium: accessible, readable, filters agree with the JSON ----------


@pytest.fixture(scope="module")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe-core from npm, at the version tests/axe/package-lock.json pins."""
    return axe_script(tmp_path_factory.mktemp("axe"))


def _shown(page: Page) -> tuple[int, list[str]]:
    count = int(page.locator("#shown-count").inner_text())
    names = page.locator("#products tbody tr:not([hidden]) th").all_inner_texts()
    return count, names


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_dashboard_is_accessible_and_readable(first_run, axe_source: str, width: int) -> None:
    if chromium_path() is None:
        pytest.skip("no Chromium: apt-get install chromium, or set CHROMIUM_PATH")
    _, out = first_run
    page_url = (out / "fleet.html").as_uri()
    shots = os.environ.get("PAVED_ROAD_SCREENSHOTS")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(page_url)
            assert requested == [page_url], "the dashboard made a request"
            assert serious(page, axe_source) == []
            # Readable: nothing wider than the window, chart text at least 10 px high.
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            label = page.locator(".chart-label").first.bounding_box()
            assert label is not None and label["height"] >= 10
            if shots:
                page.screenshot(path=f"{shots}/fleet-dashboard-{width}.png", full_page=True)

            page.get_by_role("button", name="search", exact=True).click()
            dialog = page.get_by_role("dialog")
            assert "guarded file differs from the template" in dialog.inner_text()
            assert f"--- template/{GUARDED}" in dialog.locator("pre.diff").inner_text()
            assert serious(page, axe_source) == []
            if shots:
                page.screenshot(path=f"{shots}/fleet-drill-down-{width}.png")
        finally:
            browser.close()


@pytest.mark.browser
def test_dashboard_filters_and_sorts_as_the_json_says(first_run) -> None:
    if chromium_path() is None:
        pytest.skip("no Chromium: apt-get install chromium, or set CHROMIUM_PATH")
    _, out = first_run
    report = read_json(out / "fleet.json")
    products = report["products"]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto((out / "fleet.html").as_uri())
            # Most in need first: cannot check and violations, a waiver expiring, behind, fine.
            attention = ["ghost", "search", "ledger", "billing", "shop"]
            assert _shown(page) == (len(products), attention)

            for status in ("ok", "violations", "error"):
                page.get_by_label("Status", exact=True).select_option(status)
                count, names = _shown(page)
                assert count == report["summary"]["errors" if status == "error" else status]
                assert names == [n for n in attention if by_name(report)[n]["status"] == status]

            page.get_by_label("Status", exact=True).select_option("")
            page.get_by_label("Team", exact=True).select_option("payments")
            count, names = _shown(page)
            assert names == [n for n in attention if by_name(report)[n]["team"] == "payments"]
            assert count == len(names) == 2

            page.get_by_label("Team", exact=True).select_option("")
            page.get_by_label("Search name or repo", exact=True).fill("ledg")
            assert _shown(page) == (1, ["ledger"])
            page.get_by_label("Search name or repo", exact=True).fill("")
            page.get_by_label("Release", exact=True).select_option("1.0.0")
            assert _shown(page)[1] == [
                n for n in attention if by_name(report)[n]["release"] == "1.0.0"
            ]

            page.get_by_label("Release", exact=True).select_option("")
            page.get_by_role("button", name="Behind").click()
            header = page.locator("th", has=page.get_by_role("button", name="Behind"))
            assert header.get_attribute("aria-sort") == "ascending"
            page.get_by_role("button", name="Behind").click()
            assert header.get_attribute("aria-sort") == "descending"
            assert _shown(page)[1][0] == "billing"  # the only product behind
        finally:
            browser.close()


def test_the_documented_backstage_checks_read_facts_that_exist() -> None:
    docs = (REPO_ROOT / "docs" / "fleet.md").read_text()
    block = docs.split("```yaml\ntechInsights:", 1)[1].split("```", 1)[0]
    checks = yaml.safe_load("techInsights:" + block)["techInsights"]["factChecker"]["checks"]
    assert len(checks) >= 3
    for check in checks.values():
        assert check["factIds"] == [RETRIEVER_ID]
        for condition in check["rule"]["conditions"]["all"]:
            assert condition["fact"] in SCHEMA, condition


def test_a_cache_that_is_a_file_exits_2_with_one_line(setup: FleetSetup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.write_text("not a folder\n")
    result = fleet("check", str(setup.fleet_file), "--cache-dir", str(cache))
    assert result.returncode == 2
    assert result.stderr.strip() == f"paved-road fleet: cache {cache} is unusable: Not a directory"
