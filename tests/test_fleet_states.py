"""Every state a drift report can hold reaches the fleet report (JSON valid against the
committed schema, Markdown, dashboard, Backstage facts) through `fleet collect`, and what
`collect` refuses to trust. Reports are written as products' CI writes them: no clone, no
render, so these tests take a second."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import stat
from pathlib import Path

import jsonschema
import pytest
from paved_road.cli import main
from paved_road.drift.report import Finding, Kind, Report, Severity, Template
from paved_road.drift.versions import Behind
from paved_road.drift.waivers import WaiverStatus
from paved_road.fleet import outputs
from paved_road.fleet.schema import SCHEMA_FILE

from tests.axe_support import axe_script, serious

TODAY = dt.date.today()
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
FORMATS = ("json", "markdown", "html", "backstage", "csv")


def report(name: str, **fields: object) -> Report:
    """A drift report of product ``name`` as its CI makes it: identity, commit, check time."""
    base: dict[str, object] = {
        "product": f"/home/runner/work/{name}",
        "status": "ok",
        "exit_code": 0,
        "template": Template(
            src_path="https://github.com/acme/paved-road.git",
            commit="v1.1.0",
            versions=Behind(current="1.1.0", latest="1.1.0", versions=0, majors=0, minors=0),
        ),
        "repository": f"acme/{name}",
        "commit": "c0ffee" * 6 + "abcd",
        "checked_at": NOW,
    }
    return Report.model_validate(base | fields)


def file_report(folder: Path, name: str, drift: Report | str) -> Path:
    path = folder / name / "drift-report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(drift if isinstance(drift, str) else drift.model_dump_json(indent=2))
    return path


def collect(
    folder: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict, str]:
    """``fleet collect`` writing every format; (exit code, the JSON report, stderr)."""
    files = [arg for kind in FORMATS for arg in (f"--{kind}", str(out / f"fleet.{kind}"))]
    code = main(["fleet", "collect", str(folder), *files, *extra])
    err = capsys.readouterr().err
    written = out / "fleet.json"
    return code, json.loads(written.read_text()) if written.exists() else {}, err


def valid(fleet: dict) -> dict[str, dict]:
    jsonschema.validate(fleet, json.loads(SCHEMA_FILE.read_text()))
    return {product["name"]: product for product in fleet["products"]}


def waiver(state: str, days: int = 20) -> WaiverStatus:
    return WaiverStatus(
        path=".pre-commit-config.yaml",
        part=None,
        reason="PLAT-7 trying a hook",
        expires=TODAY + dt.timedelta(days=days),
        status=state,  # type: ignore[arg-type]
        refused="it is not signed by the platform: ask the platform team to sign it"
        if state == "refused"
        else None,
    )


@pytest.mark.parametrize("state", ["active", "expired", "unused", "refused"])
def test_every_waiver_state_reaches_every_format(
    state: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    days = -3 if state == "expired" else 20
    severity = {"active": Severity.WAIVED, "unused": None}.get(state, Severity.ERROR)
    findings = (
        []
        if severity is None
        else [
            Finding(
                kind=Kind.MODIFIED if state != "refused" else Kind.WAIVER_REFUSED,
                severity=severity,
                path=".pre-commit-config.yaml",
                message="guarded file differs from the template",
            )
        ]
    )
    failing = severity is Severity.ERROR
    drift = report(
        "shop",
        status="violations" if failing else "ok",
        exit_code=1 if failing else 0,
        findings=findings,
        waivers=[waiver(state, days)],
    )
    file_report(tmp_path / "in", "shop", drift)
    code, fleet, err = collect(tmp_path / "in", tmp_path / "out", capsys)
    assert "Traceback" not in err
    assert code == (1 if failing else 0), err
    [row] = fleet["waivers"]
    assert (row["status"], row["days_left"]) == (state, days)
    if state == "refused":
        assert row["refused"].startswith("it is not signed")
    assert valid(fleet)["shop"]["status"] == ("violations" if failing else "ok")
    assert all((tmp_path / "out" / f"fleet.{kind}").stat().st_size for kind in FORMATS)


@pytest.mark.parametrize(
    ("kind", "severity"),
    [(kind, Severity.ERROR) for kind in Kind]
    + [(Kind.MODIFIED, severity) for severity in Severity if severity is not Severity.ERROR],
)
def test_every_finding_kind_and_severity_is_in_the_schema(
    kind: Kind, severity: Severity, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    finding = Finding(kind=kind, severity=severity, path="Dockerfile", message=f"{kind} here")
    failing = severity is Severity.ERROR
    drift = report(
        "shop",
        status="violations" if failing else "ok",
        exit_code=1 if failing else 0,
        findings=[finding],
    )
    file_report(tmp_path / "in", "shop", drift)
    code, fleet, err = collect(tmp_path / "in", tmp_path / "out", capsys)
    assert code == (1 if failing else 0), err
    row = valid(fleet)["shop"]
    assert row["violations"] == ({str(kind): 1} if failing else {})
    assert row["drift"]["findings"][0]["kind"] == str(kind)


def test_a_report_that_could_not_check_is_an_error_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = report("shop", status="error", exit_code=2, error="no .copier-answers.yml")
    file_report(tmp_path / "in", "shop", drift)
    code, fleet, _ = collect(tmp_path / "in", tmp_path / "out", capsys)
    assert code == 1
    assert valid(fleet)["shop"]["error"] == "no .copier-answers.yml"


def test_a_drift_report_file_that_does_not_validate_is_an_error_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file_report(tmp_path / "in", "broken", '{"schema_version": "1"')
    file_report(tmp_path / "in", "shop", report("shop"))
    code, fleet, _ = collect(tmp_path / "in", tmp_path / "out", capsys)
    assert code == 1
    assert valid(fleet)["broken"]["error"].startswith(
        "broken/drift-report.json is not a drift report (`paved-road drift --format json`)"
    )


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        (Kind.ADDED, ".github/workflows/release.yml"),  # a pull_request_target workflow
        (Kind.FORBIDDEN, "ruff.toml"),
        (Kind.EFFECTIVE, "deploy/kubernetes/overlays/production/patch.yaml"),  # privileged
    ],
)
def test_added_forbidden_and_effective_files_are_guardrails(
    kind: Kind, path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    finding = Finding(kind=kind, severity=Severity.ERROR, path=path, message="not allowed")
    note = Finding(kind=Kind.ADDED, severity=Severity.INFO, path="docs/notes.md", message="ok")
    lag = Finding(kind=Kind.BEHIND, severity=Severity.ERROR, path=None, message="behind")
    drift = report("shop", status="violations", exit_code=1, findings=[finding, note, lag])
    file_report(tmp_path / "in", "shop", drift)
    _, fleet, _ = collect(tmp_path / "in", tmp_path / "out", capsys)
    assert fleet["guardrails"] == [
        {"path": path, "part": None, "kinds": [str(kind)], "violated_by": ["shop"], "waived_by": []}
    ]
    assert path in (tmp_path / "out" / "fleet.markdown").read_text()


def test_report_files_are_readable_by_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file_report(tmp_path / "in", "shop", report("shop"))
    previous = os.umask(0o022)
    try:
        code, _, _ = collect(tmp_path / "in", tmp_path / "out", capsys)
    finally:
        os.umask(previous)
    assert code == 0
    for kind in FORMATS:
        mode = stat.S_IMODE((tmp_path / "out" / f"fleet.{kind}").stat().st_mode)
        assert mode == 0o644, (kind, oct(mode))


def test_a_crash_while_reporting_is_exit_3_with_one_line_and_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_report: object) -> str:
        raise KeyError("status")

    monkeypatch.setitem(outputs.WRITERS, "html", broken)
    file_report(tmp_path / "in", "shop", report("shop"))
    code, fleet, err = collect(tmp_path / "in", tmp_path / "out", capsys)
    assert code == 3
    assert err == ("paved-road fleet: internal error (KeyError: 'status'), no report: report it\n")
    assert fleet == {} and not (tmp_path / "out").exists()


def test_an_unreleased_commit_is_labelled_so_in_the_adoption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, current in (("shop", "0.post1.dev0+abc1234"), ("ledger", "1.1.0.post3.dev0+d00d")):
        versions = Behind(current=current, latest="1.1.0", versions=None, majors=None, minors=None)
        template = Template(src_path="s", commit=current, versions=versions)
        file_report(tmp_path / "in", name, report(name, template=template))
    _, fleet, _ = collect(tmp_path / "in", tmp_path / "out", capsys)
    assert [row["label"] for row in fleet["adoption"]] == [
        "unreleased, after 1.1.0",
        "unreleased commit",
    ]
    page = (tmp_path / "out" / "fleet.html").read_text()
    assert "0.post1" not in page.split('<script type="application/json"', 1)[0]
    assert 'data-release="unreleased commit"' in page


# --- what collect trusts ------------------------------------------------------------------


def test_collect_marks_unidentified_misfiled_and_stale_reports_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    file_report(folder, "shop", report("shop"))
    file_report(folder, "bare", report("bare", repository=None, commit=None, checked_at=None))
    file_report(folder, "billing", report("ledger"))  # ledger's report filed under billing
    old = NOW - dt.timedelta(days=20)
    file_report(folder, "search", report("search", checked_at=old))
    expired = waiver("active", days=-2)  # counted active when checked, expired since
    file_report(folder, "cart", report("cart", waivers=[expired]))
    code, fleet, err = collect(folder, tmp_path / "out", capsys)
    assert code == 1, err
    rows = valid(fleet)
    assert {name: row["status"] for name, row in rows.items()} == {
        "bare": "error",
        "billing": "error",
        "cart": "error",
        "search": "error",
        "shop": "ok",
    }
    assert rows["bare"]["error"].startswith(
        "unidentified: the report names no repository, commit, check time"
    )
    assert rows["billing"]["error"].startswith(
        "misfiled: this report is of acme/ledger, filed under billing"
    )
    assert rows["search"]["error"].startswith(f"stale: checked 20 days ago ({old.date()}")
    assert rows["cart"]["error"].startswith("stale: its waiver on .pre-commit-config.yaml expired")
    assert rows["shop"]["commit"] == "c0ffee" * 6 + "abcd"
    assert rows["shop"]["checked_at"] is not None
    markdown = (tmp_path / "out" / "fleet.markdown").read_text()
    assert "misfiled: this report is of acme/ledger" in markdown

    # --max-age: the platform decides how old is too old.
    code, fleet, _ = collect(folder, tmp_path / "out2", capsys, "--max-age", "30")
    assert valid(fleet)["search"]["status"] == "ok"


def test_collect_refuses_foreign_reports_and_ignores_other_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    file_report(folder, "shop", report("shop"))
    file_report(folder, "intruder", report("intruder"))
    (folder / "shop" / "package.json").write_text('{"name": "shop", "version": "1.0.0"}')
    (folder / "notes.json").write_text("[1, 2")
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text("products:\n  - repo: forge/shop.git\n    team: checkout\n")
    code, fleet, err = collect(folder, tmp_path / "out", capsys, "--fleet", str(fleet_file))
    assert code == 0, err
    assert set(valid(fleet)) == {"shop"}
    assert fleet["refused_reports"] == [
        {
            "file": "intruder/drift-report.json",
            "reason": "foreign: intruder is not in the fleet file",
        }
    ]
    assert err.splitlines() == [
        "paved-road fleet: ignored 2 JSON file(s) that are not drift reports",
        "paved-road fleet: refused intruder/drift-report.json: foreign: intruder is not in the "
        "fleet file",
    ]
    assert "intruder" in (tmp_path / "out" / "fleet.markdown").read_text()


def test_collect_of_only_other_json_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    code = main(["fleet", "collect", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"paved-road fleet: only other JSON in {tmp_path}: download `drift-report.json` files\n"
    )


def test_the_owner_comes_from_the_report_unless_the_fleet_file_names_a_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    file_report(folder, "shop", report("shop", owner="checkout"))
    file_report(folder, "ledger", report("ledger", owner="payments"))
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text(
        "products:\n  - forge/shop.git\n  - repo: forge/ledger.git\n    team: ledger-team\n"
    )
    _, fleet, _ = collect(folder, tmp_path / "out", capsys, "--fleet", str(fleet_file))
    rows = valid(fleet)
    assert (rows["shop"]["team"], rows["ledger"]["team"]) == ("checkout", "ledger-team")


# --- the dashboard at fleet scale -----------------------------------------------------------


def test_the_expiring_panel_shows_ten_and_the_rest_behind_show_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for index in range(30):
        waivers = [waiver("active", days=index), waiver("refused", days=index)]
        file_report(tmp_path / "in", f"p{index:02}", report(f"p{index:02}", waivers=waivers))
    _, fleet, _ = collect(tmp_path / "in", tmp_path / "out", capsys)
    assert fleet["summary"]["waivers_expiring_soon"] == 30  # refused ones never expire in force
    page = (tmp_path / "out" / "fleet.html").read_text()
    shown = page.split('<table id="waivers">', 1)[1].split("</table>", 1)[0]
    assert shown.count("<tr><td>") == 10 and "p00" in shown and "p10" not in shown
    assert "<summary>Show all 30 waivers</summary>" in page
    rest = page.split('<table id="waivers-rest">', 1)[1].split("</table>", 1)[0]
    assert rest.count("<tr><td>") == 20
    markdown = (tmp_path / "out" / "fleet.markdown").read_text()
    assert markdown.count("| active | p") == 20
    assert "10 more in the JSON report and dashboard." in markdown
    assert "30 waiver(s) refused by drift (they waive nothing):" in markdown


@pytest.mark.browser
def test_a_phone_sees_each_products_status_behind_and_violations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    from tests.design_support import CHROMIUM_FLAGS, chromium_path  # noqa: PLC0415

    if chromium_path() is None:
        pytest.skip("no Chromium: apt-get install chromium, or set CHROMIUM_PATH")
    names = ["payments-reconciliation-service", "shop", "ledger"]
    for name in names:
        file_report(tmp_path / "in", name, report(name, owner="platform-enablement-team"))
    file_report(tmp_path / "in", "broken", "{}")
    collect(tmp_path / "in", tmp_path / "out", capsys)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto((tmp_path / "out" / "fleet.html").as_uri())
            for header in ("Status", "Behind", "Violations"):
                box = page.get_by_role("button", name=header, exact=True).bounding_box()
                assert box is not None and box["x"] + box["width"] <= 390, (header, box)
            for row in page.locator("#products tbody tr").all():
                badge = row.locator(".badge").bounding_box()
                assert badge is not None and badge["x"] + badge["width"] <= 390, badge
        finally:
            browser.close()


# --- owners ---------------------------------------------------------------------------------


def test_each_owner_gets_a_digest_of_what_to_do_soonest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    modified = Finding(
        kind=Kind.MODIFIED, severity=Severity.ERROR, path="Dockerfile", message="differs"
    )
    file_report(
        folder,
        "shop",
        report("shop", owner="checkout", status="violations", exit_code=1, findings=[modified]),
    )
    behind = Behind(current="1.0.0", latest="1.1.0", versions=1, majors=0, minors=1)
    template = Template(src_path="s", commit="v1.0.0", versions=behind)
    waivers = [waiver("active", days=12)]
    file_report(
        folder, "cart", report("cart", owner="checkout", template=template, waivers=waivers)
    )
    file_report(folder, "ledger", report("ledger", owner="payments"))
    file_report(folder, "orphan", report("orphan"))
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text(
        "products:\n  - gh:acme/shop\n  - git@gitlab.com:acme/cart.git\n"
        "  - https://github.com/acme/ledger.git\n  - /srv/git/orphan.git\n"
    )
    digests = tmp_path / "digests"
    code, _, err = collect(
        folder, tmp_path / "out", capsys, "--fleet", str(fleet_file), "--digests", str(digests)
    )
    assert code == 1, err
    assert sorted(path.name for path in digests.iterdir()) == [
        "_unowned.md",
        "checkout.md",
        "payments.md",
    ]
    checkout = (digests / "checkout.md").read_text()
    expires = (TODAY + dt.timedelta(days=12)).isoformat()
    assert checkout.splitlines()[:9] == [
        "# paved-road: what checkout must do",
        "",
        f"2 product(s), 3 thing(s) to do, as of {TODAY.isoformat()}.",
        "",
        "| Deadline | Product | What to do |",
        "|---|---|---|",
        "| **now** | [shop](https://github.com/acme/shop) | fix the drift: modified 1 |",
        f"| {expires} (12 d) | [cart](https://gitlab.com/acme/cart) | waiver on "
        "`.pre-commit-config.yaml` expires: restore the file, or ask for a new waiver |",
        "| when you can | [cart](https://gitlab.com/acme/cart) | update from 1.0.0 to 1.1.0 "
        "(1 release(s) behind): `paved-road update`, or merge the update pull request |",
    ]
    assert "In policy and current: ledger." in (digests / "payments.md").read_text()
    unowned = (digests / "_unowned.md").read_text()
    assert "orphan" in unowned and "Name an owner: `team:` in the fleet file" in unowned


def test_a_product_names_its_owner_in_catalog_info_or_its_answers(tmp_path: Path) -> None:
    from paved_road.drift.identity import owner  # noqa: PLC0415

    (tmp_path / ".copier-answers.yml").write_text(
        "_commit: v1.0.0\n_src_path: https://github.com/acme/paved-road.git\n"
        "owner_team: ledger-team\n"
    )
    assert owner(tmp_path) == "ledger-team"
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ledger\n"
        "spec:\n  owner: group:default/payments\n"
    )
    assert owner(tmp_path) == "payments"
    (tmp_path / "catalog-info.yaml").write_text("spec: [\n")  # unreadable: the answer counts
    assert owner(tmp_path) == "ledger-team"


def test_the_csv_and_the_dashboard_put_products_in_need_first_with_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    modified = Finding(kind=Kind.MODIFIED, severity=Severity.ERROR, path="x", message="differs")
    file_report(folder, "a-fine", report("a-fine"))
    behind = Behind(current="1.0.0", latest="1.2.0", versions=2, majors=0, minors=2)
    template = Template(src_path="s", commit="v1.0.0", versions=behind)
    file_report(folder, "b-behind", report("b-behind", template=template))
    file_report(folder, "c-waiver", report("c-waiver", waivers=[waiver("active", days=5)]))
    file_report(
        folder,
        "d-failing",
        report("d-failing", status="violations", exit_code=1, findings=[modified]),
    )
    file_report(folder, "x", report("x"))
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text(
        "products:\n"
        + "".join(f"  - gh:acme/{n}\n" for n in ("a-fine", "b-behind", "c-waiver", "d-failing"))
        + '  - repo: gh:acme/x\n    team: "=SUM(1)"\n'
    )
    collect(folder, tmp_path / "out", capsys, "--fleet", str(fleet_file))
    rows = list(csv.DictReader((tmp_path / "out" / "fleet.csv").open()))
    assert [(row["name"], row["why"]) for row in rows] == [
        ("d-failing", "modified 1"),
        ("c-waiver", "a waiver expires in 5 d"),
        ("b-behind", "2 release(s) behind"),
        ("a-fine", ""),
        ("x", ""),
    ]
    assert rows[-1]["team"] == "'=SUM(1)"  # never a spreadsheet formula
    assert rows[0]["url"] == "https://github.com/acme/d-failing"
    page = (tmp_path / "out" / "fleet.html").read_text()
    table = page.split('<table id="products">', 1)[1]
    order = [table.index(f'data-name="{name}"') for name in ("d-failing", "c-waiver", "b-behind")]
    assert order == sorted(order)
    assert '"url":"https://github.com/acme/d-failing"' in page


# --- history ----------------------------------------------------------------------------------


def test_history_says_what_changed_since_the_last_run_and_draws_trends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, history = tmp_path / "in", tmp_path / "platform" / "fleet-history.jsonl"
    modified = Finding(kind=Kind.MODIFIED, severity=Severity.ERROR, path="Dockerfile", message="x")
    failing = {"status": "violations", "exit_code": 1, "findings": [modified]}
    old = Behind(current="1.0.0", latest="1.1.0", versions=1, majors=0, minors=1)
    file_report(folder, "shop", report("shop", owner="checkout"))
    file_report(folder, "cart", report("cart", owner="checkout", **failing))
    file_report(
        folder,
        "ledger",
        report(
            "ledger",
            owner="payments",
            template=Template(src_path="s", commit="v1.0.0", versions=old),
        ),
    )
    code, first, _ = collect(folder, tmp_path / "out1", capsys, "--history", str(history))
    assert code == 1 and first["changes"] is None and len(first["trend"]) == 1

    file_report(folder, "shop", report("shop", owner="checkout", **failing))
    file_report(folder, "cart", report("cart", owner="checkout"))
    file_report(folder, "ledger", report("ledger", owner="payments"))
    file_report(folder, "search", report("search", owner="discovery"))
    with history.open("a") as damaged:
        damaged.write('{"at": "not a date"\n')  # skipped: the rest of the history counts
    _, second, _ = collect(folder, tmp_path / "out2", capsys, "--history", str(history))
    changes = second["changes"]
    assert [(m["product"], m["before"], m["now"]) for m in changes["newly_failing"]] == [
        ("shop", "ok", "violations")
    ]
    assert [(m["product"], m["now"]) for m in changes["fixed"]] == [("cart", "ok")]
    assert [(m["product"], m["before"], m["now"]) for m in changes["adopted"]] == [
        ("ledger", "1.0.0", "1.1.0")
    ]
    assert (changes["added"], changes["removed"]) == (["search"], [])
    assert [point["in_policy"] for point in second["trend"]] == [2, 3]
    assert second["trend"][-1]["team_in_policy"] == {
        "checkout": 50,
        "discovery": 100,
        "payments": 100,
    }
    assert second["trend"][0]["guardrail_violations"] == {"Dockerfile": 1}
    assert len(history.read_text().splitlines()) == 3  # two runs and the damaged line

    markdown = (tmp_path / "out2" / "fleet.markdown").read_text()
    assert "- 1 newly failing: shop (ok → violations)" in markdown
    assert "- 1 on another release: ledger (1.0.0 → 1.1.0)" in markdown
    assert "| checkout | 50% | 50% |" in markdown and "| payments | 100% | 100% |" in markdown
    page = (tmp_path / "out2" / "fleet.html").read_text()
    assert "<li>1 fixed: cart (violations → ok)</li>" in page
    assert 'id="chart-trend"' in page
    valid(second)


# --- campaigns and levels ----------------------------------------------------------------------


CAMPAIGNS = """\
campaigns:
  - id: release-1-1
    title: Everyone on 1.1
    target: {release: ">=1.1.0"}
    start: 2026-01-01
    deadline: 2099-01-01
  - id: no-dockerfile-edits
    title: Hands off the Dockerfile
    target: {no_finding: {kind: modified, path: Dockerfile}}
    scope: {teams: [checkout]}
    start: 2020-01-01
    deadline: 2021-01-01
levels:
  - {name: bronze, require: [{in_policy: true}]}
  - {name: silver, require: [{release: ">=1.1.0"}, {no_waiver: {}}]}
"""


def test_campaigns_burn_down_by_owner_and_levels_per_product_and_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, plan = tmp_path / "in", tmp_path / "campaigns.yml"
    plan.write_text(CAMPAIGNS)
    history = tmp_path / "history.jsonl"
    modified = Finding(kind=Kind.MODIFIED, severity=Severity.ERROR, path="Dockerfile", message="x")
    old = Template(
        src_path="s",
        commit="v1.0.0",
        versions=Behind(current="1.0.0", latest="1.1.0", versions=1, majors=0, minors=1),
    )
    file_report(folder, "shop", report("shop", owner="checkout"))  # silver
    file_report(
        folder,
        "cart",
        report("cart", owner="checkout", status="violations", exit_code=1, findings=[modified]),
    )  # no level; breaks the Dockerfile campaign
    file_report(folder, "ledger", report("ledger", owner="payments", template=old))  # bronze
    args = ("--campaigns", str(plan), "--history", str(history))
    collect(folder, tmp_path / "out0", capsys, *args)
    file_report(folder, "ledger", report("ledger", owner="payments"))  # now on 1.1.0: silver
    code, fleet, err = collect(folder, tmp_path / "out", capsys, *args)
    assert code == 1, err
    rows = valid(fleet)
    assert {name: row["level"] for name, row in rows.items()} == {
        "cart": None,
        "ledger": "silver",
        "shop": "silver",
    }
    assert fleet["levels"] == [
        {"team": "checkout", "levels": {"none": 1, "silver": 1}},
        {"team": "payments", "levels": {"silver": 1}},
    ]
    release, dockerfile = fleet["campaigns"]
    assert (release["done"], release["products"], release["on_track"]) == (3, 3, True)
    assert release["target"] == "release >=1.1.0"
    assert (dockerfile["done"], dockerfile["products"], dockerfile["on_track"]) == (1, 2, False)
    assert dockerfile["missing"] == {"checkout": ["cart"]}
    assert dockerfile["days_left"] < 0
    assert [p["campaigns_left"] for p in fleet["trend"]] == [
        {"release-1-1": 1, "no-dockerfile-edits": 1},
        {"release-1-1": 0, "no-dockerfile-edits": 1},
    ]
    markdown = (tmp_path / "out" / "fleet.markdown").read_text()
    assert "| Hands off the Dockerfile | no modified finding on Dockerfile | 1/2 |" in markdown
    assert "⚠️ late | checkout: cart |" in markdown
    page = (tmp_path / "out" / "fleet.html").read_text()
    assert 'id="chart-burndown-release-1-1"' in page and "<strong>1 of 2</strong> done" in page
    facts = json.loads((tmp_path / "out" / "fleet.backstage").read_text())
    cart = next(i["facts"] for i in facts["items"] if i["facts"]["level"] == "")
    assert (cart["campaignsNotDone"], cart["campaignsLate"]) == (1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("campaigns:\n  - id: x\n    title: t\n    target: {release: 'soon'}\n"
         "    start: 2026-01-01\n    deadline: 2026-02-01\n",
         ":4: campaigns.0.target.release: Value error, 'soon' is no version specifier"),
        ("levels:\n  - {name: gold, require: []}\n", ":2: levels.0.require: List should have"),
        ("campaigns: [\n", ":2: does not parse as YAML"),
    ],
)  # fmt: skip
def test_a_bad_campaigns_file_exits_2_before_anything_is_read(
    text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "campaigns.yml"
    plan.write_text(text)
    file_report(tmp_path / "in", "shop", report("shop"))
    code, fleet, err = collect(tmp_path / "in", tmp_path / "out", capsys, "--campaigns", str(plan))
    assert (code, fleet) == (2, {})
    assert err.startswith(f"paved-road fleet: {plan}{expected}"), err
    assert len(err.splitlines()) == 1


@pytest.fixture(scope="module")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    return axe_script(tmp_path_factory.mktemp("axe"))


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_dashboard_with_campaigns_history_and_refusals_is_accessible(
    width: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], axe_source: str
) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    from tests.design_support import CHROMIUM_FLAGS, chromium_path  # noqa: PLC0415

    if chromium_path() is None:
        pytest.skip("no Chromium: apt-get install chromium, or set CHROMIUM_PATH")
    folder, plan = tmp_path / "in", tmp_path / "campaigns.yml"
    plan.write_text(CAMPAIGNS)
    modified = Finding(kind=Kind.MODIFIED, severity=Severity.ERROR, path="Dockerfile", message="x")
    for index in range(14):
        owner = ("checkout", "payments")[index % 2]
        fields = (
            {"status": "violations", "exit_code": 1, "findings": [modified]} if index % 3 else {}
        )
        waivers = [waiver("active", days=index), waiver("refused", days=index)]
        file_report(
            folder, f"p{index:02}", report(f"p{index:02}", owner=owner, waivers=waivers, **fields)
        )
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text("products:\n" + "".join(f"  - gh:acme/p{i:02}\n" for i in range(14)))
    file_report(folder, "intruder", report("intruder"))
    args = ("--fleet", str(fleet_file), "--campaigns", str(plan), "--history", str(tmp_path / "h"))
    collect(folder, tmp_path / "out0", capsys, *args)
    file_report(
        folder,
        "p00",
        report("p00", owner="checkout", status="violations", exit_code=1, findings=[modified]),
    )
    collect(folder, tmp_path / "out", capsys, *args)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto((tmp_path / "out" / "fleet.html").as_uri())
            for summary in page.locator("details > summary").all():
                summary.click()  # every "show all" open: axe judges what they hold too
            assert serious(page, axe_source) == []
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert page.get_by_role("heading", name="Since the last run", exact=False).is_visible()
            assert page.get_by_role("heading", name="Hands off the Dockerfile").is_visible()
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow(reason="a dashboard of 3,000 products in a real browser")
def test_a_dashboard_of_3000_products_stays_usable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """3,000 products, one in eleven with a waiver expiring: the panels stay capped, the
    table shows every product, filtering answers at once, and a screenshot is taken."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    from tests.design_support import CHROMIUM_FLAGS, chromium_path  # noqa: PLC0415

    if chromium_path() is None:
        pytest.skip("no Chromium: apt-get install chromium, or set CHROMIUM_PATH")
    folder = tmp_path / "in"
    modified = Finding(kind=Kind.MODIFIED, severity=Severity.ERROR, path="Dockerfile", message="x")
    for index in range(3000):
        name = f"product-{index:04}"
        fields: dict[str, object] = {"owner": f"team-{index % 40:02}"}
        if index % 7 == 0:
            fields |= {"status": "violations", "exit_code": 1, "findings": [modified]}
        if index % 11 == 0:
            fields["waivers"] = [waiver("active", days=index % 30)]
        file_report(folder, name, report(name, **fields))
    code, fleet, _ = collect(folder, tmp_path / "out", capsys)
    assert code == 1 and fleet["summary"]["products"] == 3000
    shots = os.environ.get("PAVED_ROAD_SCREENSHOTS")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto((tmp_path / "out" / "fleet.html").as_uri())
            assert page.locator("#waivers tbody tr").count() == 10
            assert page.locator("#products tbody tr").count() == 3000
            first = page.locator("#products tbody tr th").first.inner_text()
            assert first == "product-0000"  # violations and a waiver expiring: first in need
            # The filter's own time, in the page (the machine's load stays out of it).
            took = page.evaluate(
                """() => {
                  const select = document.getElementById("f-status");
                  select.value = "violations";
                  const started = performance.now();
                  select.dispatchEvent(new Event("input"));
                  return performance.now() - started;
                }"""
            )
            assert page.locator("#shown-count").inner_text() == str(len(range(0, 3000, 7)))
            assert took < 1000, f"filtering 3,000 rows took {took:.0f} ms"
            page.screenshot(path=str(tmp_path / "fleet-3000.png"))
            if shots:
                page.get_by_label("Status", exact=True).select_option("")
                page.screenshot(path=f"{shots}/fleet-dashboard-3000.png")
        finally:
            browser.close()
    assert (tmp_path / "fleet-3000.png").stat().st_size > 10_000


# --- the update requests, read back -------------------------------------------------------------


def test_check_and_collect_show_each_update_requests_state_and_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests import github_api, gitlab_api  # noqa: PLC0415

    branch = "paved-road/update-v1.1.0"
    old = Template(
        src_path="s",
        commit="v1.0.0",
        versions=Behind(current="1.0.0", latest="1.1.0", versions=1, majors=0, minors=1),
    )
    folder = tmp_path / "in"
    for name in ("shop", "cart", "ledger", "search"):
        file_report(folder, name, report(name, owner="checkout", template=old))
    file_report(folder, "current", report("current", owner="checkout"))
    with (
        github_api.fake_github("acme/shop", "acme/cart", "acme/search", "acme/current") as github,
        gitlab_api.fake_gitlab("acme/ledger") as gitlab,
    ):
        opened = github._pull(
            "acme/shop",
            1,
            {"title": "t", "head": branch, "base": "main", "body": "", "draft": True},
        )
        github.pulls["acme/shop"] = [opened]
        github.statuses[opened["head"]["sha"]] = "failure"
        merged = github._pull(
            "acme/cart", 4, {"title": "t", "head": branch, "base": "main", "body": ""}
        )
        github.pulls["acme/cart"] = [
            merged | {"state": "closed", "merged_at": "2026-12-01T10:00:00Z"}
        ]
        mr = gitlab._merge_request(
            "acme/ledger", 2, {"source_branch": branch, "target_branch": "main", "title": "t"}
        )
        gitlab.merge_requests["acme/ledger"] = [
            mr | {"head_pipeline": {"id": 7, "status": "success"}}
        ]
        fleet_file = tmp_path / "fleet.yml"
        fleet_file.write_text(
            "products:\n  - gh:acme/shop\n  - gh:acme/cart\n"
            f"  - {gitlab.url}/acme/ledger.git\n  - gh:acme/search\n  - gh:acme/current\n"
        )
        monkeypatch.setenv("PAVED_ROAD_GITHUB_API_URL", github.url)
        monkeypatch.setenv("PAVED_ROAD_GITHUB_TOKEN", github_api.TOKEN)
        monkeypatch.setenv("PAVED_ROAD_GITLAB_TOKEN", gitlab_api.TOKEN)
        args = (
            "--fleet",
            str(fleet_file),
            "--gitlab-url",
            gitlab.url,
            "--digests",
            str(tmp_path / "d"),
        )
        code, fleet, err = collect(folder, tmp_path / "out", capsys, *args)
        asked = [path for _, path in github.calls]
    assert code == 0, err
    rows = valid(fleet)
    requests = {name: row["update_request"] for name, row in rows.items()}
    assert requests["shop"] == {
        "url": "https://github.com/acme/shop/pull/1",
        "branch": branch,
        "state": "open",
        "draft": True,
        "ci": "failure",
    }
    assert (requests["cart"]["state"], requests["cart"]["url"]) == (
        "merged",
        "https://github.com/acme/cart/pull/4",
    )
    assert requests["ledger"] == {
        "url": f"{gitlab.url}/acme/ledger/-/merge_requests/2",
        "branch": branch,
        "state": "open",
        "draft": False,
        "ci": "success",
    }
    assert requests["search"] is None and requests["current"] is None
    assert not any("acme/current" in path for path in asked)  # current: nothing to ask
    table = (tmp_path / "out" / "fleet.html").read_text()
    assert "1 release(s) behind; update request open (draft), checks failing" in table
    digest = (tmp_path / "d" / "checkout.md").read_text()
    assert "https://github.com/acme/shop/pull/1 is open; its checks fail" in digest


def test_owner_issues_are_opened_refreshed_and_closed_once_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests import github_api  # noqa: PLC0415

    folder = tmp_path / "in"
    modified = Finding(kind=Kind.MODIFIED, severity=Severity.ERROR, path="Dockerfile", message="x")
    failing = {"status": "violations", "exit_code": 1, "findings": [modified]}
    file_report(folder, "shop", report("shop", owner="checkout", **failing))
    file_report(folder, "ledger", report("ledger", owner="payments"))
    with github_api.fake_github("acme/platform") as github:
        monkeypatch.setenv("PAVED_ROAD_GITHUB_API_URL", github.url)
        monkeypatch.setenv("PAVED_ROAD_GITHUB_TOKEN", github_api.TOKEN)
        args = ("--owner-issues", "acme/platform")
        code, _, err = collect(folder, tmp_path / "out1", capsys, *args)
        assert code == 1
        assert "paved-road fleet: opened https://github.com/acme/platform/issues/1" in err
        [issue] = github.issues["acme/platform"]  # payments has nothing to do: no issue
        assert issue["title"] == "paved-road: what checkout must do"
        assert "fix the drift: modified 1" in issue["body"]
        assert [label["name"] for label in issue["labels"]] == ["paved-road-digest"]

        collect(folder, tmp_path / "out2", capsys, *args)  # still failing: the same issue
        assert len(github.issues["acme/platform"]) == 1 and issue["state"] == "open"

        file_report(folder, "shop", report("shop", owner="checkout"))  # fixed
        _, _, err = collect(folder, tmp_path / "out3", capsys, *args)
        assert "paved-road fleet: closed https://github.com/acme/platform/issues/1" in err
        assert issue["state"] == "closed" and "In policy and current: shop." in issue["body"]

    monkeypatch.delenv("PAVED_ROAD_GITHUB_TOKEN")
    code = main(["fleet", "collect", str(folder), "--owner-issues", "acme/platform"])
    assert code == 2
    assert capsys.readouterr().err == (
        "paved-road fleet: --owner-issues: set $PAVED_ROAD_GITHUB_TOKEN (issues: write)\n"
    )


def test_outputs_link_each_product_to_the_drift_report_they_were_made_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Published as one folder (outputs and reports inside it), each product links to its
    report file; an output written elsewhere (a job summary) links to nothing."""
    modified = Finding(kind=Kind.MODIFIED, severity=Severity.ERROR, path="Dockerfile", message="x")
    out = tmp_path / "site"
    file_report(out / "reports", "shop [eu]", report("shop [eu]", repository="acme/shop [eu]"))
    drift = report("shop [eu]", status="violations", exit_code=1, findings=[modified])
    file_report(out / "reports", "shop [eu]", drift)
    code, fleet, _ = collect(out / "reports", out, capsys)
    assert code == 1
    link = "reports/shop [eu]/drift-report.json"
    assert fleet["products"][0]["drift_report"] == link
    assert (
        "[shop \\[eu\\]](reports/shop%20%5Beu%5D/drift-report.json)"
        in (out / "fleet.markdown").read_text()
    )
    assert (
        '"report":"reports/shop%20%5Beu%5D/drift-report.json"' in (out / "fleet.html").read_text()
    )
    code, fleet, _ = collect(out / "reports", tmp_path / "elsewhere", capsys)
    assert fleet["products"][0]["drift_report"] is None
    assert "drift-report.json" not in (tmp_path / "elsewhere" / "fleet.markdown").read_text()
