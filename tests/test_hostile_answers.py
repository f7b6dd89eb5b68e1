"""Hostile answers are refused with one line before anything is written, or they render a product
whose files parse, whose code is formatted and lint-clean, whose manifests build, and which
imports; a fixed hostile set also passes the product's own make check."""

from __future__ import annotations

import itertools
import json
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import copier
import pytest
import yaml
from copier.errors import UserMessageError
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from paved_road.answers import DESCRIPTION_MAX, PACKAGE_MAX, PRODUCT_NAME_MAX, SLUG_MAX, TEAM_MAX
from paved_road.drift import effective
from paved_road.reserved import IGNORED_NAMES, STARTUP_MODULES, YAML_WORDS

from tests.cases import ALL_CASES, CHECK_CASES, DEFAULTS, sampled, tiered
from tests.deploy_support import tool
from tests.shared import MypyCaches
from tests.support import commit_all, copy_product, git, run, tool_env
from tests.test_render import check_rendered_product

HOSTILE = {
    "product_name": 'Ünïcode "Quotes": #1 \\ back 🎉 </title><script>',
    "description": "He said \"hi\": it's #1 \\o/ — ünïcode 🎉 <b>bold</b> & 'single' ''' \"\"\"",
    "owner_team": "a-team",
}
# Free text that YAML, TOML, JSON, Make, shells or Jinja would read as something else if it
# were written unescaped.
HOSTILE_TEXTS = [
    "null", "Yes", "off", "~", "- item", "key: value", "#hash", "'single", '"double',
    "@at", "`tick`", "!tag", "&anchor", "*alias", "{brace}", "[bracket]", "%percent",
    "|pipe", ">fold", "3.12", "0x1F", "1e3", "2026-12-02", "ends with \\", "\\n literal",
    "$HOME ${X} $(id)", "{{ product_name }}", "{% raw %}", "<script>x</script>",
    "Caf\u00e9\u00a0Bar", "Dev \U0001f469\u200d\U0001f4bb team",
]  # fmt: skip
# Near misses: slugs and package names that look like YAML values but are accepted.
HOSTILE_SLUGS = ["yes-no", "null-app", "on1", "true-false", "n0"]
HOSTILE_PACKAGES = ["null_", "yes_no", "on_off", "true1", "n_"]
REFUSED_SLUGS = sorted(
    YAML_WORDS | {"fastapi", "pytest", "click", "uvicorn", "sqlalchemy", "kube-system", "default"}
)
REFUSED_PACKAGES = sorted(
    YAML_WORDS
    | IGNORED_NAMES
    | STARTUP_MODULES
    | {"test", "pipes", "click", "yaml", "json", "tests", "__foo__"}
)
# Free text with spaces around it: the formatter would strip them from docstrings.
OUTER_SPACES = [" Shop", "Shop ", "\u00a0Shop", "Shop\u2003", "  "]
_counter = itertools.count()


def _assert_answers_survive(product: Path, answers: dict[str, str]) -> None:
    recorded = yaml.safe_load((product / ".copier-answers.yml").read_text())
    pyproject = tomllib.loads((product / "pyproject.toml").read_text())
    catalog = yaml.safe_load((product / "catalog-info.yaml").read_text())
    for question in ("product_name", "description", "project_slug", "package_name"):
        if question in answers:
            assert recorded[question] == answers[question]
    assert pyproject["project"]["description"] == recorded["description"]
    assert pyproject["project"]["name"] == recorded["project_slug"]
    assert catalog["metadata"]["name"] == recorded["project_slug"]
    assert catalog["metadata"]["title"] == recorded["product_name"]


def _assert_lint_clean(product: Path) -> None:
    run(["ruff", "format", "--check", "--quiet", "."], cwd=product)
    run(["ruff", "check", "--quiet", "."], cwd=product)


def _assert_manifests_build(product: Path) -> None:
    overlays = sorted((product / "deploy" / "overlays").glob("*/kustomization.yaml"))
    for kustomization in overlays:
        result = tool("kubectl", "kustomize", str(kustomization.parent), cwd=product)
        assert result.returncode == 0, result.stderr
        slug = yaml.safe_load((product / ".copier-answers.yml").read_text())["project_slug"]
        names = {doc["metadata"]["name"] for doc in yaml.safe_load_all(result.stdout)}
        assert slug in names, names
    # Whatever the names, the render deploys nothing drift would find: drift builds nothing
    # for a product that deploys it unchanged (test_drift_effective_renders.py).
    assert effective.built_findings(product, product) == []


def _assert_imports(product: Path, venv_python: Path) -> None:
    """The product's package imports as an installed one would (after the stdlib and the
    dependencies on sys.path, as uv's editable install puts it), and builds its app."""
    package = yaml.safe_load((product / ".copier-answers.yml").read_text())["package_name"]
    src = str(product / "src")
    probe = (
        "import importlib, sys\n"
        f"sys.path.append({src!r})\n"
        f"main = importlib.import_module({package + '.main'!r})\n"
        f"assert main.__file__.startswith({src!r}), main.__file__\n"
        "main.create_app()\n"
    )
    environment = {f"{package.upper()}_ENVIRONMENT": "test"}
    run([str(venv_python), "-c", probe], cwd=product, **environment)


@pytest.fixture(scope="session")
def product_python(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One installed environment of the default product (its locked dependencies), in which
    any rendered product's package can be imported."""
    dst = tmp_path_factory.mktemp("venv") / "p"
    product = copy_product(template_repo, dst, CHECK_CASES["default"], skip_tasks=True)
    run(["uv", "sync", "--quiet", "--no-install-project"], cwd=product)
    return product / ".venv" / "bin" / "python"


def _optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    """None leaves the question to its default (derived from earlier answers)."""
    return st.one_of(st.none(), strategy)


TEXT_ANSWERS = {
    "product_name": st.one_of(
        st.text(max_size=PRODUCT_NAME_MAX + 10), st.sampled_from(HOSTILE_TEXTS + OUTER_SPACES)
    ),
    "description": _optional(
        st.one_of(
            st.text(max_size=DESCRIPTION_MAX + 20), st.sampled_from(HOSTILE_TEXTS + OUTER_SPACES)
        )
    ),
    "project_slug": _optional(
        st.one_of(
            st.from_regex(rf"[a-z][a-z0-9-]{{0,{SLUG_MAX + 3}}}", fullmatch=True),
            st.sampled_from(REFUSED_SLUGS + HOSTILE_SLUGS),
            st.text(max_size=12),
        )
    ),
    "package_name": _optional(
        st.one_of(
            st.from_regex(rf"[a-z_][a-z0-9_]{{0,{PACKAGE_MAX + 3}}}", fullmatch=True),
            st.sampled_from(REFUSED_PACKAGES + HOSTILE_PACKAGES),
            st.text(max_size=12),
        )
    ),
    "owner_team": _optional(
        st.one_of(st.from_regex(r"[a-z0-9][a-z0-9-]{0,40}", fullmatch=True), st.text(max_size=8))
    ),
}


# Each example is a real render plus ruff, kustomize and an import (~3 s): few examples and no
# shrinking, so a failure reports at once; the falsifying answers are printed.
@pytest.mark.slow(reason="renders 30 hypothesis-drawn products through four entry points")
@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answers=st.fixed_dictionaries(TEXT_ANSWERS))
# A name that is itself a template expression is data, rendered as given (hypothesis drew it
# once and the unrendered-Jinja check took it for a template left unrendered).
@example(answers={**dict.fromkeys(TEXT_ANSWERS), "product_name": "{{ product_name }}"})
def test_any_text_is_refused_in_one_line_or_renders_a_working_product(
    template_repo: Path, tmp_path: Path, product_python: Path, answers: dict[str, str | None]
) -> None:
    given_answers = {name: value for name, value in answers.items() if value is not None}
    dst = tmp_path / f"product-{next(_counter)}"
    try:
        copy_product(template_repo, dst, given_answers, skip_tasks=True)
    except UserMessageError as error:
        assert str(error).startswith("Invalid ")
        assert "\n" not in str(error)
        assert not dst.exists()
        return
    check_rendered_product(dst, given_answers)
    _assert_answers_survive(dst, given_answers)
    _assert_lint_clean(dst)
    _assert_manifests_build(dst)
    _assert_imports(dst, product_python)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("product_name", "x" * (PRODUCT_NAME_MAX + 1)),
        ("product_name", ""),
        ("description", "y" * (DESCRIPTION_MAX + 1)),
        ("description", "two\nlines"),
        ("package_name", "class"),
        ("project_slug", "ümlaut"),
        ("project_slug", "a" * (SLUG_MAX + 1)),
        *[("product_name", text) for text in OUTER_SPACES],
        *[("description", text) for text in OUTER_SPACES[:4]],
        *[("project_slug", slug) for slug in REFUSED_SLUGS],
        *[("package_name", package) for package in REFUSED_PACKAGES],
    ],
)
def test_refused_answers_write_nothing(
    template_repo: Path, tmp_path: Path, question: str, value: str
) -> None:
    dst = tmp_path / "product"
    with pytest.raises(UserMessageError, match=f"^Invalid {question} ") as refused:
        copy_product(template_repo, dst, {"product_name": "Ok", question: value}, skip_tasks=True)
    assert "\n" not in str(refused.value)
    assert len(str(refused.value)) <= 80, refused.value  # copier prints it bare
    assert not dst.exists()


@pytest.mark.parametrize("name", ["Null", "Yes", "off", "True", "FastAPI", "Click"])
def test_product_names_that_default_to_a_reserved_slug_get_a_valid_one(
    template_repo: Path, tmp_path: Path, name: str
) -> None:
    product = copy_product(template_repo, tmp_path / "p", {"product_name": name}, skip_tasks=True)
    recorded = yaml.safe_load((product / ".copier-answers.yml").read_text())
    assert recorded["project_slug"] == f"{name.lower()}-app"
    assert recorded["package_name"] == f"{name.lower()}_app"
    _assert_answers_survive(product, {"product_name": name})


# Every structured file of a hostile render must read exactly like the benign render of the same
# case with the answers swapped: an unquoted answer would turn into a bool, null, number, list,
# mapping or a parse error somewhere, and show up here as a difference.
BENIGN = {
    "product_name": "Benign Product Name",
    "description": "Benign description text",
    "project_slug": "benign-slug",
    "package_name": "benign_pkg",
    "owner_team": "benign-team",
}
STRUCTURED = {".yml": "yaml", ".yaml": "yaml", ".toml": "toml", ".json": "json"}


def _structured_files(root: Path) -> dict[str, object]:
    parsed: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        kind = STRUCTURED.get(path.suffix)
        if not path.is_file() or kind is None or ".git" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        if kind == "yaml":
            parsed[rel] = list(yaml.safe_load_all(text))
        elif kind == "toml":
            parsed[rel] = tomllib.loads(text)
        else:
            parsed[rel] = json.loads(text)
    return parsed


def _swap(tree: object, pairs: list[tuple[str, str]]) -> object:
    if isinstance(tree, str):
        for old, new in pairs:
            tree = tree.replace(old, new)
        return tree
    if isinstance(tree, list):
        return [_swap(item, pairs) for item in tree]
    if isinstance(tree, dict):
        return {_swap(key, pairs): _swap(value, pairs) for key, value in tree.items()}
    return tree


def _pairs(answers: dict[str, str]) -> list[tuple[str, str]]:
    pairs = [(BENIGN[name], answers[name]) for name in BENIGN]
    pairs.append((BENIGN["package_name"].upper(), answers["package_name"].upper()))
    return sorted(pairs, key=lambda pair: -len(pair[0]))


HOSTILE_RENDERS = [
    {
        "product_name": HOSTILE_TEXTS[i],
        "description": HOSTILE_TEXTS[-1 - i],
        "project_slug": HOSTILE_SLUGS[i % len(HOSTILE_SLUGS)],
        "package_name": HOSTILE_PACKAGES[i % len(HOSTILE_PACKAGES)],
        "owner_team": "on",
    }
    for i in range(0, (len(HOSTILE_TEXTS) + 1) // 2)
]
HOSTILE_CASES = [
    "3.12-sqlite-server-kubernetes-github-oidc",
    "3.13-postgres-spa-fly-github-oidc",
    "3.11-postgres-none-kubernetes-github-oidc",
    "3.12-sqlite-none-none-github-none",
]


@pytest.fixture(scope="module")
def benign_render(template_repo: Path, tmp_path_factory: pytest.TempPathFactory):
    rendered: dict[str, dict[str, object]] = {}

    def get(case: str) -> dict[str, object]:
        if case not in rendered:
            dst = tmp_path_factory.mktemp("benign") / "p"
            copy_product(template_repo, dst, {**ALL_CASES[case], **BENIGN}, skip_tasks=True)
            rendered[case] = _structured_files(dst)
        return rendered[case]

    return get


@pytest.mark.parametrize(
    "answers",
    # The fast tier renders the first hostile texts, one per case; the others run in full.
    sampled(
        HOSTILE_RENDERS,
        HOSTILE_RENDERS[: len(HOSTILE_CASES)],
        "renders the same check with more hostile texts",
    ),
    ids=[answers["product_name"][:12] for answers in HOSTILE_RENDERS],
)
def test_every_yaml_toml_and_json_file_reads_hostile_answers_as_text(
    template_repo: Path, tmp_path: Path, benign_render, answers: dict[str, str]
) -> None:
    case = HOSTILE_CASES[HOSTILE_RENDERS.index(answers) % len(HOSTILE_CASES)]
    product = copy_product(template_repo, tmp_path / "p", {**ALL_CASES[case], **answers},
                           skip_tasks=True)  # fmt: skip
    expected = _swap(benign_render(case), _pairs(answers))
    assert _structured_files(product) == expected
    if ALL_CASES[case]["deploy_target"] == "kubernetes":  # what drift then builds nothing for
        assert effective.built_findings(product, product) == []


def test_platform_constants_cannot_be_set_from_outside(template_repo: Path, tmp_path: Path) -> None:
    """--data github_org / platform_team (or an answers file holding them) change nothing."""
    dst = tmp_path / "product"
    command = ["copier", "copy", "--trust", "--defaults", "--quiet", "-r", "HEAD", "--skip-tasks",
               "--data", "product_name=Demo", "--data", "github_org=zzqx-org",
               "--data", "platform_team=zzqx team", str(template_repo), str(dst)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=tool_env(), check=False)
    assert result.returncode == 0, result.stderr
    rendered = "\n".join(
        path.read_text(encoding="utf-8") for path in dst.rglob("*") if path.is_file()
    )
    assert "zzqx" not in rendered
    assert "*  @acme/product" in (dst / ".github" / "CODEOWNERS").read_text()
    assert "@acme/platform" in (dst / ".github" / "CODEOWNERS").read_text()


def test_platform_constants_in_an_edited_answers_file_change_nothing(
    template_repo: Path, tmp_path: Path
) -> None:
    """Someone adds github_org to .copier-answers.yml; a recopy still renders the platform's."""
    product = copy_product(template_repo, tmp_path / "product", {"product_name": "Demo"},
                           skip_tasks=True)  # fmt: skip
    answers_file = product / ".copier-answers.yml"
    answers_file.write_text(answers_file.read_text() + "github_org: zzqx-org\n")
    git(product, "init", "--quiet", "--initial-branch=main")
    commit_all(product, "edited answers")
    copier.run_recopy(product, defaults=True, overwrite=True, unsafe=True, quiet=True,
                      skip_tasks=True, vcs_ref="HEAD")  # fmt: skip
    assert "*  @acme/product" in (product / ".github" / "CODEOWNERS").read_text()
    catalog = yaml.safe_load((product / "catalog-info.yaml").read_text())
    assert catalog["metadata"]["annotations"]["github.com/project-slug"] == "acme/demo"


@pytest.mark.slow(reason="the product's whole make check with hostile answers")
def test_hostile_answers_pass_make_check(
    template_repo: Path,
    tmp_path: Path,
    seed_npm: Callable[[Path], None],
    mypy_caches: MypyCaches,
) -> None:
    answers = {**CHECK_CASES["default"], **HOSTILE}
    product = copy_product(template_repo, tmp_path / "product", answers)
    git(product, "init", "--quiet", "--initial-branch=main")
    commit_all(product, "hostile")
    check_rendered_product(product, answers)  # the rendered files only: before node_modules arrives
    _assert_answers_survive(product, answers)
    seed_npm(product)
    mypy_caches.seed(product)  # a copy of a warm cache: mypy still checks this product's code
    run(["make", "check"], cwd=product)
    mypy_caches.keep(product)


# The longest value each text question allows, plain and with every character escaped.
LONGEST = {
    "product_name": "N" * PRODUCT_NAME_MAX,
    "description": "d" * DESCRIPTION_MAX,
    "project_slug": "x" * SLUG_MAX,
    "package_name": "very_long_package_name_" + "y" * (PACKAGE_MAX - 23),
    "owner_team": "t" * TEAM_MAX,
}
LONGEST_ESCAPED = {
    **LONGEST,
    "product_name": '\\"' * (PRODUCT_NAME_MAX // 2),
    # No space at either end (refused): the no-break space sits inside each repeat.
    "description": "'\u00a0\\\"" * (DESCRIPTION_MAX // 4),
}
SAME_PYTHON = {
    n: c for n, c in ALL_CASES.items() if c["python_version"] == DEFAULTS["python_version"]
}


@pytest.mark.parametrize(
    "case", tiered(SAME_PYTHON, "renders and lints every combination with the longest answers")
)
def test_longest_answers_render_formatted_code(
    template_repo: Path, tmp_path: Path, case: str
) -> None:
    """The longest value of every question still gives lint-clean, already-formatted code."""
    answers = {**SAME_PYTHON[case], **LONGEST}
    assert all(len(answers[name]) == len(value) for name, value in LONGEST.items())
    product = copy_product(template_repo, tmp_path / "product", answers, skip_tasks=True)
    _assert_lint_clean(product)


@pytest.mark.parametrize("ui", ["server", "spa", "none"])
def test_longest_escaped_answers_render_formatted_code(
    template_repo: Path, tmp_path: Path, ui: str
) -> None:
    answers = {**CHECK_CASES["default"], **LONGEST_ESCAPED, "ui": ui}
    product = copy_product(template_repo, tmp_path / "product", answers, skip_tasks=True)
    _assert_answers_survive(product, answers)
    _assert_lint_clean(product)
