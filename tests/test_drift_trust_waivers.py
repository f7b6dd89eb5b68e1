"""Waivers need the platform, and CODEOWNERS keeps the platform's review: the bypasses a product
team could try on its own (approving its own waiver, a waiver for a year, a blank reason,
taking the waivers file over in CODEOWNERS), tried on rendered products."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from paved_road.cli import main
from paved_road.drift.codeowners import owners_of, parse_rules

from tests.cases import CHECK_CASES
from tests.drift_support import drift, flip_one_byte, platform_key, sign_waivers
from tests.support import copy_product, init_repo, snapshot_template

TODAY = dt.date.today()
PLATFORM = "@acme/platform"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = snapshot_template(tmp_path_factory.mktemp("waivers-template"), tag="v1.0.0")
    made = copy_product(
        template,
        tmp_path_factory.mktemp("waivers") / "product",
        CHECK_CASES["default"],
        skip_tasks=True,
        vcs_ref="v1.0.0",
    )
    init_repo(made)
    return made


@pytest.fixture
def product(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "product", symlinks=True))


def waive(product: Path, *waivers: dict[str, object]) -> None:
    """Write .paved-road/waivers.yml; each waiver defaults to a valid platform approval."""
    lines = ["waivers:"]
    for override in waivers:
        waiver = {
            "path": ".pre-commit-config.yaml",
            "reason": '"PLAT-7: a hook the template ships next release"',
            "expires": TODAY + dt.timedelta(days=30),
            "approved_by": f'"{PLATFORM}"',
            "approved_on": TODAY,
            **override,
        }
        lines.append(f"  - path: {waiver.pop('path')}")
        lines += [f"    {key}: {value}" for key, value in waiver.items() if value is not None]
    (product / ".paved-road" / "waivers.yml").write_text("\n".join(lines) + "\n")
    sign_waivers(product)


def report(capsys: pytest.CaptureFixture[str], product: Path) -> tuple[int, dict]:
    code, out, _ = drift(capsys, product, "--format", "json")
    return code, json.loads(out)


def severities(found: dict) -> dict[tuple[str, str | None], str]:
    return {(f["kind"], f["path"]): f["severity"] for f in found["findings"]}


@pytest.mark.parametrize(
    ("override", "why"),
    [
        (
            {"approved_by": '"@acme/shop-team"', "expires": TODAY + dt.timedelta(days=365)},
            "approved_by @acme/shop-team is not a platform approver (the policy allows "
            "@acme/platform)",
        ),
        (
            {"expires": TODAY + dt.timedelta(days=120)},
            "it lasts 120 days; the policy allows at most 90",
        ),
        (
            {
                "approved_on": TODAY - dt.timedelta(days=200),
                "expires": TODAY + dt.timedelta(days=1),
            },
            "it lasts 201 days; the policy allows at most 90",
        ),
        ({"approved_on": TODAY + dt.timedelta(days=2)}, "is in the future"),
        ({"reason": '"   "'}, "its reason is blank"),
        ({"approved_by": None}, "it names no approver"),
        ({"approved_on": None}, "it has no approved_on date"),
    ],
    ids=[
        "self-approved-year",
        "too-long",
        "backdated-long",
        "future",
        "blank",
        "no-approver",
        "no-date",
    ],
)
def test_a_waiver_the_policy_refuses_covers_nothing_and_fails(
    override: dict[str, object], why: str, product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_one_byte(product / ".pre-commit-config.yaml")
    waive(product, override)
    code, found = report(capsys, product)
    assert code == 1, found
    assert severities(found) == {
        ("modified", ".pre-commit-config.yaml"): "error",
        ("waiver-refused", ".paved-road/waivers.yml"): "error",
    }
    [refused] = [f for f in found["findings"] if f["kind"] == "waiver-refused"]
    assert refused["message"].startswith("the waiver for .pre-commit-config.yaml does not count: ")
    assert why in refused["message"]
    assert [(w["status"], w["refused"]) for w in found["waivers"]] == [
        ("refused", refused["message"].split("does not count: ")[1])
    ]


def test_a_platform_approved_waiver_within_the_limit_counts(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_one_byte(product / ".pre-commit-config.yaml")
    workflow = product / ".github" / "workflows" / "nightly.yml"
    workflow.write_text("name: nightly\non: {schedule: [{cron: '0 3 * * *'}]}\n")
    waive(
        product,
        {"approved_by": '"@ACME/Platform"', "approved_on": TODAY - dt.timedelta(days=60)},
        {"path": ".github/workflows/nightly.yml", "expires": TODAY + dt.timedelta(days=90)},
    )
    code, found = report(capsys, product)
    assert code == 0, found  # 60 + 30 days: exactly the longest waiver the policy allows
    assert severities(found) == {
        ("modified", ".pre-commit-config.yaml"): "waived",
        ("added", ".github/workflows/nightly.yml"): "waived",
    }
    assert [w["status"] for w in found["waivers"]] == ["active", "active"]


# --- CODEOWNERS ----------------------------------------------------------------------------


def test_generated_codeowners_gives_the_paved_roads_files_to_the_platform(product: Path) -> None:
    rules = parse_rules((product / ".github" / "CODEOWNERS").read_text())
    for path in (
        ".paved-road/waivers.yml",
        ".paved-road/policy.yml",
        ".copier-answers.yml",
        ".github/workflows/ci.yml",
        ".github/workflows/not-yet.yml",
        ".github/dependabot.yml",
        "deploy/base/deployment.yaml",
    ):
        assert owners_of(rules, path) == {PLATFORM}, path
    assert owners_of(rules, "src/demo_shop/main.py") == {"@acme/shop-team"}


@pytest.mark.parametrize(
    ("edit", "lost"),
    [
        (
            lambda text: text.replace(
                f"/.paved-road/  {PLATFORM}", "/.paved-road/  @acme/shop-team"
            ),
            ".paved-road/waivers.yml (@acme/platform, now @acme/shop-team)",
        ),
        (
            lambda text: text + "/.paved-road/waivers.yml  @acme/shop-team @acme/platform\n",
            ".paved-road/waivers.yml (@acme/platform, now @acme/platform @acme/shop-team)",
        ),
        (
            lambda text: text + "*.yml  @acme/shop-team\n",
            ".copier-answers.yml (@acme/platform, now @acme/shop-team)",
        ),
        (
            lambda text: text.replace(f"/.github/  {PLATFORM}\n", ""),
            ".github/workflows/a-new-workflow.yml (@acme/platform, now @acme/shop-team)",
        ),
    ],
    ids=["reassigned", "co-owned", "glob-after", "line-dropped"],
)
def test_codeowners_must_keep_the_platforms_lines_even_under_a_waiver(
    edit, lost: str, product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    owners = product / ".github" / "CODEOWNERS"
    owners.write_text(edit(owners.read_text()))
    # The product even got the edit of the guarded file waived: the ownership still fails.
    waive(product, {"path": ".github/CODEOWNERS"})
    code, found = report(capsys, product)
    assert code == 1, found
    assert severities(found) == {
        ("modified", ".github/CODEOWNERS"): "waived",
        ("codeowners", ".github/CODEOWNERS"): "error",
    }
    [finding] = [f for f in found["findings"] if f["kind"] == "codeowners"]
    assert lost in finding["message"], finding["message"]


def test_codeowners_for_the_products_own_paths_is_fine_and_a_moved_file_is_read(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    owners = product / ".github" / "CODEOWNERS"
    text = owners.read_text()
    # A folder with none of the platform's files in it (api/ holds the guarded sign-in routes).
    owners.write_text(text + "/src/demo_shop/crud/  @acme/shop-data\n")
    waive(product, {"path": ".github/CODEOWNERS"})
    code, found = report(capsys, product)
    assert code == 0, found

    # GitHub reads the first of .github/, the root, docs/: a root copy that drops the lines.
    owners.unlink()
    (product / "CODEOWNERS").write_text("*  @acme/shop-team\n")
    code, found = report(capsys, product)
    assert code == 1, found
    assert severities(found)[("codeowners", "CODEOWNERS")] == "error"


# --- the platform's signature (issue 28) ----------------------------------------------------


def _signature_refusal(capsys: pytest.CaptureFixture[str], product: Path) -> str:
    code, found = report(capsys, product)
    assert code == 1, found
    assert severities(found)[("modified", ".pre-commit-config.yaml")] == "error"
    [status] = found["waivers"]
    assert status["status"] == "refused"
    return status["refused"]


def test_a_waiver_the_product_approved_itself_covers_nothing(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Everything right but the signature: the product wrote `approved_by` itself."""
    flip_one_byte(product / ".pre-commit-config.yaml")
    waive(product, {})
    waivers = product / ".paved-road/waivers.yml"
    text = waivers.read_text()
    waivers.write_text(text[: text.index("  signature:")])
    assert "is not signed by the platform" in _signature_refusal(capsys, product)


@pytest.mark.parametrize(
    "tamper",
    [
        "a later expiry",
        "another path",
        "another product's signature",
        "a key of the product's own",
    ],
)
def test_a_signature_holds_only_for_its_waiver_product_and_key(
    tamper: str, product: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_one_byte(product / ".pre-commit-config.yaml")
    waive(product, {})
    waivers = product / ".paved-road/waivers.yml"
    data = yaml.safe_load(waivers.read_text())
    entry = data["waivers"][0]
    if tamper == "a later expiry":
        entry["expires"] = TODAY + dt.timedelta(days=60)
    elif tamper == "another path":
        entry["path"] = "Dockerfile"
        flip_one_byte(product / "Dockerfile")
    elif tamper == "another product's signature":
        other = Path(shutil.copytree(product, tmp_path / "other", symlinks=True))
        catalog = other / "catalog-info.yaml"
        catalog.write_text(catalog.read_text().replace("acme/demo-shop", "acme/other-shop"))
        sign_waivers(other)
        entry["signature"] = yaml.safe_load((other / ".paved-road/waivers.yml").read_text())[
            "waivers"
        ][0]["signature"]
    else:
        key = tmp_path / "ours"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        waivers.write_text(yaml.safe_dump(data, sort_keys=False))
        sign_waivers(product, key)
        data = yaml.safe_load(waivers.read_text())
    waivers.write_text(yaml.safe_dump(data, sort_keys=False))
    assert "its signature is not the platform's" in _signature_refusal(capsys, product)


def test_paved_road_waiver_sign_prints_an_entry_that_counts(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_one_byte(product / ".pre-commit-config.yaml")
    key = platform_key()[0]
    capsys.readouterr()
    code = main(
        [
            "waiver", "sign", "--key", str(key), "--product", "acme/demo-shop",
            "--path", ".pre-commit-config.yaml", "--reason", "PLAT-8: hook fix",
            "--approved-by", PLATFORM, "--expires", str(TODAY + dt.timedelta(days=7)),
        ]
    )  # fmt: skip
    entry = capsys.readouterr().out
    assert code == 0
    (product / ".paved-road/waivers.yml").write_text("waivers:\n" + entry)
    code, found = report(capsys, product)
    assert code == 0, found
    assert [w["status"] for w in found["waivers"]] == ["active"]


BOMB = "".join(
    [f"l0: &l0 [{', '.join(['lol'] * 9)}]\n"]
    + [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 9)]
)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda path: path.mkdir(), "is a directory, not a file"),
        (lambda path: path.write_text(BOMB), "expands to over 100000 values through aliases"),
        (lambda path: path.write_text("waivers: " + "[" * 200 + "]" * 200), "nest"),
    ],
    ids=["a-folder", "an-alias-bomb", "deep-nesting"],
)
def test_a_waivers_file_drift_cannot_read_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], product: Path, make, says: str
) -> None:
    make(product / ".paved-road" / "waivers.yml")
    code, out, err = drift(capsys, product)
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert ".paved-road/waivers.yml" in lines[0] and says in lines[0], lines[0]
    assert not out


def test_an_alias_bomb_in_the_answers_file_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], product: Path
) -> None:
    """A few hundred bytes that expand to 10^9 values: refused at once, not a hang."""
    answers = product / ".copier-answers.yml"
    answers.write_text(answers.read_text() + BOMB)
    code, out, err = drift(capsys, product)
    assert code == 2, out + err
    assert "expands to over 100000 values through aliases" in err
    assert len(err.strip().splitlines()) == 1, err
