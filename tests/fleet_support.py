"""A small real fleet for the fleet tests: a template repo with two releases and products in
bare git repositories (as a forge holds them), some clean, one drifted, one behind, one with
a waiver, and a fleet file listing them plus one repository that does not exist."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.cases import CHECK_CASES
from tests.drift_support import flip_one_byte, platform_key, sign_waivers
from tests.support import commit_all, copy_product, git, init_repo, snapshot_template, tool_env

PAVED_ROAD = str(Path(sys.executable).parent / "paved-road")
DEFAULT = CHECK_CASES["default"]
NO_UI = CHECK_CASES["ui=none"]
GUARDED = ".pre-commit-config.yaml"
WAIVER_DAYS = 10


@dataclass(frozen=True)
class FleetSetup:
    root: Path
    template: Path
    fleet_file: Path
    bare: dict[str, Path]  # product name -> its bare repository


def release(template: Path, tag: str, edit: str) -> None:
    """A template release: the README template's first line changes, then a tag."""
    readme = template / "template" / "README.md.jinja"
    lines = readme.read_text().splitlines(keepends=True)
    lines[0] = lines[0].rstrip("\n") + f" {edit}\n"
    readme.write_text("".join(lines))
    commit_all(template, f"release {tag}")
    git(template, "tag", tag)


def publish(work: Path, bare: Path) -> Path:
    """Commit the product and push it to a new bare repository (its forge copy)."""
    init_repo(work)
    git(work.parent, "clone", "--quiet", "--bare", str(work), str(bare))
    return bare


def waive(product: Path, path: str, days: int) -> None:
    """A waiver the platform approved today (drift refuses any other)."""
    expires = dt.date.today() + dt.timedelta(days=days)
    (product / ".paved-road" / "waivers.yml").write_text(
        f"waivers:\n  - path: {path}\n    reason: PLAT-7 trying a hook\n"
        f"    expires: {expires.isoformat()}\n"
        f'    approved_by: "@acme/platform"\n    approved_on: {dt.date.today().isoformat()}\n'
    )
    sign_waivers(product)


def build_fleet(root: Path) -> FleetSetup:
    """shop and ledger share a render (v1.1.0, default answers); billing is one release
    behind; search (ui=none) changed a guarded file; ledger changed it under a waiver."""
    template = snapshot_template(root / "template", tag="v1.0.0")
    release(template, "v1.1.0", "(fleet edition)")
    work, forge = root / "work", root / "forge"
    work.mkdir()
    forge.mkdir()
    shop = copy_product(template, work / "shop", DEFAULT, skip_tasks=True, vcs_ref="v1.1.0")
    ledger = Path(shutil.copytree(shop, work / "ledger"))
    flip_one_byte(ledger / GUARDED)
    waive(ledger, GUARDED, WAIVER_DAYS)
    billing = copy_product(template, work / "billing", DEFAULT, skip_tasks=True, vcs_ref="v1.0.0")
    search = copy_product(template, work / "search", NO_UI, skip_tasks=True, vcs_ref="v1.1.0")
    flip_one_byte(search / GUARDED)
    bare = {
        name: publish(path, forge / f"{name}.git")
        for name, path in (
            ("shop", shop),
            ("ledger", ledger),
            ("billing", billing),
            ("search", search),
        )
    }
    fleet_file = root / "fleet.yml"
    fleet_file.write_text(
        "products:\n"
        "  - repo: forge/shop.git\n    team: checkout\n    tier: 1\n"
        "  - repo: forge/ledger.git\n    team: payments\n    tier: 1\n"
        "  - repo: forge/billing.git\n    team: payments\n    tier: 2\n"
        f"  - repo: {forge / 'search.git'}\n    team: discovery\n"
        "  - forge/ghost.git\n"
    )
    return FleetSetup(root, template, fleet_file, bare)


def approving(fleet_file: Path) -> list[str]:
    """The fleet's scratch template (``build_fleet`` puts it beside the fleet file) approved as
    the platform's template is: on the command line."""
    return ["--approved-source", str(fleet_file.parent / "template")]


def fleet(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``paved-road fleet ARGS...`` as a platform engineer or CI runs it (no terminal); a
    ``check`` or ``update`` approves the fleet's template (``approving``)."""
    if args[:1] in {("check",), ("update",)}:
        args = (*args, *approving(Path(args[1])))
    if args[:1] == ("check",):  # the tests' platform key signs the fleet's waivers
        args = (*args, "--waiver-signers", str(platform_key()[1]))
    return subprocess.run(
        [PAVED_ROAD, "fleet", *args],
        cwd=cwd,
        env=tool_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def by_name(report: dict) -> dict[str, dict]:
    return {product["name"]: product for product in report["products"]}


def build_update_fleet(root: Path) -> FleetSetup:
    """Products for `fleet update`, the template at v1.0.0 and v1.1.0 (README's first line
    changes): `behind` updates cleanly, `edited` changed that line too (a conflict), `broken`
    records a template commit that does not exist (the update refuses), `current` is on v1.1.0,
    `forked` records a fork of the template as its source (refused: never rendered)."""
    template = snapshot_template(root / "template", tag="v1.0.0")
    work, forge = root / "work", root / "forge"
    work.mkdir()
    forge.mkdir()
    behind = copy_product(template, work / "behind", DEFAULT, skip_tasks=True, vcs_ref="v1.0.0")
    edited = Path(shutil.copytree(behind, work / "edited"))
    readme = edited / "README.md"
    readme.write_text(readme.read_text().replace("# Demo Shop", "# Demo Shop (our edition)", 1))
    broken = Path(shutil.copytree(behind, work / "broken"))
    answers = broken / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: v1.0.0", "_commit: v0.9.0"))
    release(template, "v1.1.0", "(fleet edition)")
    current = copy_product(template, work / "current", DEFAULT, skip_tasks=True, vcs_ref="v1.1.0")
    # `forked` is `behind` whose answers name a fork of the template (same releases).
    fork = root / "fork"
    git(root, "clone", "--quiet", str(template), str(fork))
    forked = Path(shutil.copytree(behind, work / "forked"))
    answers = forked / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(f"_src_path: {template}", f"_src_path: {fork}"))
    assert str(fork) in answers.read_text()
    products = {
        "behind": behind,
        "edited": edited,
        "broken": broken,
        "current": current,
        "forked": forked,
    }
    bare = {name: publish(path, forge / f"{name}.git") for name, path in products.items()}
    fleet_file = root / "fleet.yml"
    fleet_file.write_text("products:\n" + "".join(f"  - forge/{name}.git\n" for name in bare))
    return FleetSetup(root, template, fleet_file, bare)


def refs(bare: Path) -> str:
    """Every branch and tag of a repository with its commit: equal means untouched."""
    return git(bare, "for-each-ref", "--format=%(refname) %(objectname)").stdout


def show(bare: Path, ref: str, path: str) -> str:
    return git(bare, "show", f"{ref}:{path}").stdout


def update_on_github(root: Path, api: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``fleet update ROOT/fleet.yml`` as on github.com: https://github.com/OWNER/NAME is read
    from ROOT/forge/OWNER/NAME.git (git's insteadOf), the API is the fake at ``api``, and the
    template at ROOT/template is approved."""
    from tests.github_api import TOKEN  # noqa: PLC0415 - only the GitHub tests need it

    git_config = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{(root / 'forge').as_uri()}/.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://github.com/",
    }
    return subprocess.run(
        [
            PAVED_ROAD, "fleet", "update", str(root / "fleet.yml"),
            "--approved-source", str(root / "template"), "--cache-dir", str(root / "cache"),
            *args,
        ],
        cwd=root,
        env=tool_env(
            **git_config, PAVED_ROAD_GITHUB_TOKEN=TOKEN, PAVED_ROAD_GITHUB_API_URL=api
        ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
