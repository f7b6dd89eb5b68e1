"""Classes of answers that used to be accepted and then broke the product (issue 26), refused
in one line through each of the four ways answers arrive: `copier copy --data`, `copier copy
--data-file`, `paved-road new --data` and `paved-road new --data-file`. Names that only derive
from such an answer (a slug's default package) get a valid default instead, and that product
renders lint-clean, with manifests that build and a package that imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from paved_road.answers import shown
from paved_road.reserved import IGNORED_NAMES

from tests import test_hostile_answers, test_new
from tests.support import copy_product, tool_env
from tests.test_hostile_answers import _assert_imports, _assert_lint_clean, _assert_manifests_build
from tests.test_new import assert_refused, new

# Their fixtures: the template as `paved-road new` options, an environment to import products.
template = test_new.template
product_python = test_hostile_answers.product_python

# (question, answer, what the one line says)
REFUSED = [
    ("product_name", " Shop", "no spaces at "),
    ("product_name", "Shop\u00a0", "no spaces at "),
    ("description", "Sells things. ", "no spaces at "),
    *[("package_name", name, ".gitignore ignores") for name in sorted(IGNORED_NAMES)],
    ("package_name", "__main__", "sitecustomize"),
    ("package_name", "sitecustomize", "sitecustomize"),
    ("package_name", "usercustomize", "sitecustomize"),
    ("project_slug", "kube-system", "not default or kube-*"),
    ("project_slug", "kube-public", "not default or kube-*"),
    ("project_slug", "default", "not default or kube-*"),
]
IDS = [f"{question}={answer!r}" for question, answer, _ in REFUSED]


def copier_copy(template: Path, dst: Path, *data: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet",
               "-r", "HEAD", "--skip-tasks", *data, str(template), str(dst)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=tool_env(), check=False)


def assert_copier_refused(result: subprocess.CompletedProcess[str], says: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Invalid ") and says in lines[0], lines[0]


@pytest.mark.parametrize("case", REFUSED, ids=IDS)
def test_paved_road_new_refuses_the_class_from_data_and_data_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: list[str], case
) -> None:
    question, answer, says = case
    dst = tmp_path / "product"
    answers = {"product_name": "Shop", question: answer}
    argv = [f"--data={name}={value}" for name, value in answers.items()]
    code, err = new(capsys, str(dst), "--defaults", *argv, *template)
    assert_refused(code, err, says)
    data_file = tmp_path / "answers.yml"
    data_file.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    code, err = new(capsys, str(dst), "--defaults", "--data-file", str(data_file), *template)
    assert_refused(code, err, says)
    assert not dst.exists()


# The copier CLI costs a second or two a run: one answer of each class.
COPIER_SAMPLE = [REFUSED[0], REFUSED[2], REFUSED[3], REFUSED[8], REFUSED[10]]


@pytest.mark.parametrize(("question", "answer", "says"), COPIER_SAMPLE)
def test_plain_copier_refuses_the_class_from_data_and_data_file(
    template_repo: Path, tmp_path: Path, question: str, answer: str, says: str
) -> None:
    dst = tmp_path / "product"
    answers = {"product_name": "Shop", question: answer}
    assert_copier_refused(
        copier_copy(template_repo, dst, *[f"--data={n}={v}" for n, v in answers.items()]), says
    )
    data_file = tmp_path / "answers.yml"
    data_file.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    assert_copier_refused(copier_copy(template_repo, dst, "--data-file", str(data_file)), says)
    assert not dst.exists()


@pytest.mark.parametrize(
    "case",
    [
        ("Build", "build", "build_app"),
        ("Node Modules", "node-modules", "node_modules_app"),
        ("Sitecustomize", "sitecustomize", "sitecustomize_app"),
        ("Kube System", "p-kube-system", "p_kube_system"),
        ("Default", "default-app", "default_app"),
    ],
)
@pytest.mark.slow(reason="renders products, lints them and imports them in a synced venv")
def test_a_name_whose_defaults_would_be_refused_gets_valid_ones(
    template_repo: Path, tmp_path: Path, product_python: Path, case: tuple[str, str, str]
) -> None:
    product_name, slug, package = case
    product = copy_product(
        template_repo, tmp_path / "p", {"product_name": product_name}, skip_tasks=True
    )
    recorded = yaml.safe_load((product / ".copier-answers.yml").read_text())
    assert (recorded["project_slug"], recorded["package_name"]) == (slug, package)
    assert (product / "src" / package / "main.py").is_file()
    _assert_lint_clean(product)
    _assert_manifests_build(product)
    _assert_imports(product, product_python)


@pytest.mark.parametrize(
    "case",
    [
        ("shop%20", "may not contain '%' (alembic.ini reads it as a variable)"),
        ("shop (v2)", "may not contain '(' (lint globs read it as a pattern)"),
        ("shop\nv2", "may not contain a line break"),
        ("s" * 256, "has a name of 256 bytes; file systems allow 255"),
    ],
    ids=["percent", "parentheses", "newline", "too-long"],
)
def test_destinations_the_product_cannot_live_in_are_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    template_repo: Path,
    template: list[str],
    case: tuple[str, str],
) -> None:
    name, says = case
    dst = tmp_path / name
    code, err = new(capsys, str(dst), "--defaults", "--data=product_name=Shop", *template)
    assert_refused(code, err, says)
    result = copier_copy(template_repo, dst, "--data=product_name=Shop")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert says in lines[0]
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("ref", ["no-such-tag", "v99.0.0", "0" * 40, "--help"])
def test_an_unknown_vcs_ref_is_refused_before_anything_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template_repo: Path, ref: str
) -> None:
    dst = tmp_path / "product"
    code, err = new(capsys, str(dst), "--defaults", "--data=product_name=Shop", "--no-setup",
                    "--template", str(template_repo), f"--vcs-ref={ref}")  # fmt: skip
    assert_refused(code, err, f"--vcs-ref {shown(ref, 20)} is not a tag, branch or commit")
    assert len(err.rstrip("\n")) <= 80, err  # a commit's 40 digits are cut: '000...'
    assert not dst.exists()
