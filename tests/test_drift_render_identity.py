"""Drift's reference render shares compiled Jinja code and the template's files across the
products of one template (issue 23), yet each render is byte for byte what `copier copy` writes
for that product: every file drift compares, with hostile names (unicode, Jinja-looking and
YAML-special text, names at their length limits) spread over the choice questions.

The products are rendered one after another in one process, as a fleet's worker renders them,
so every render after the first reuses what the earlier ones compiled. Every answer combination
(tests/cases.py ALL_CASES) is also held equal to `copier copy` by test_drift_cases.py, whose
renders share the same per-process state.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest
import yaml
from paved_road.answers import DESCRIPTION_MAX, PACKAGE_MAX, PRODUCT_NAME_MAX, SLUG_MAX
from paved_road.drift import rendering
from paved_road.drift.answers_file import ANSWERS_FILE, read_answers
from paved_road.drift.git_remote import remote_tags
from paved_road.drift.policy import load_policy
from paved_road.drift.rendering import bytecode, direct

from tests.cases import ALL_CASES, CHECK_CASES
from tests.drift_support import rendered
from tests.support import commit_all, copy_product, git
from tests.test_hostile_answers import HOSTILE, HOSTILE_RENDERS

LONG = {
    "product_name": ("Ü" + "long name " * 10)[:PRODUCT_NAME_MAX],
    "description": ("é " + "a description that goes on " * 10)[:DESCRIPTION_MAX],
    "project_slug": ("s" + "-long-slug" * 5)[:SLUG_MAX],
    "package_name": ("p" + "_long_package" * 5)[:PACKAGE_MAX],
}
NAMES = [HOSTILE, LONG, *HOSTILE_RENDERS]
# The fast tier: every value of every choice question at least once, each product with other
# hostile names; the slow tier: every single-choice case (CHECK_CASES).
FAST = [
    "3.12-postgres-server-kubernetes-gitlab-none",
    "3.13-postgres-spa-fly-gitlab-none",
    "3.11-sqlite-none-none-github-oidc",
]


def _products(cases: list[dict[str, str]]) -> list[dict[str, str]]:
    return [
        {**case, **NAMES[index % len(NAMES)]}
        | ({"owner_team": "team-with-a-long-name"} if index % 2 else {})
        for index, case in enumerate(cases)
    ]


def _answers(root: Path) -> dict[str, object]:
    data = yaml.safe_load((root / ANSWERS_FILE).read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if not key.startswith("_")}


def _check_renders_equal_copier(
    template: Path, root: Path, products: list[dict[str, str]], cache: Path | None = None
):
    """With a ``cache`` folder that already holds compiled templates, the first render
    compiles little: only the sharing within this process is then asserted."""
    warm = cache is not None and (cache / bytecode.FOLDER).is_dir()
    rendering.clear_memory_cache()  # as a new process starts: the first render compiles
    tags = remote_tags(str(template))
    compiles = []
    original = jinja2.Environment.compile

    def counted(self, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(source, str):  # copier also "compiles" booleans, which Jinja refuses
            compiles.append(source)
        return original(self, source, *args, **kwargs)

    per_render = []
    for number, answers in enumerate(products):
        product = copy_product(
            template, root / f"p{number}", answers, skip_tasks=True, vcs_ref="v1.0.0"
        )
        recorded = read_answers(product)
        before = len(compiles)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(jinja2.Environment, "compile", counted)
            _, render, _ = rendering.render_as_asked(recorded, tags, cache)
        per_render.append(len(compiles) - before)
        policy = load_policy(render, recorded.commit)
        files = rendered(product)
        compared = [path for path in files if not rendering.only_seeded(policy, path)]
        assert rendered(render) == compared, answers
        differ = [
            path
            for path in compared
            if (render / path).stat().st_mode != (product / path).stat().st_mode
            or (
                path != ANSWERS_FILE
                and (render / path).read_bytes() != (product / path).read_bytes()
            )
        ]
        assert differ == [], f"drift's render differs from copier's in {differ} for {answers}"
        # Drift renders a plain folder, so its answers file records no commit and another
        # source; every answer is the same.
        assert _answers(render) == _answers(product), answers
        # Rendered by drift's own walk (rendering/direct.py), not by copier as a fallback.
        assert direct.FALLBACKS == [], direct.FALLBACKS
    # The later renders compiled only what the earlier ones had not (files of other choices):
    # the sharing this test is about happened.
    if not warm:
        assert per_render[0] > 100, per_render
        assert sum(per_render[1:]) < per_render[0], per_render


def test_shared_renders_are_what_copier_copy_writes(template_repo: Path, tmp_path: Path) -> None:
    _check_renders_equal_copier(
        template_repo, tmp_path, _products([ALL_CASES[name] for name in FAST])
    )


@pytest.mark.slow(reason="renders the fast tier's products twice more (copier and drift)")
def test_renders_from_kept_compiled_templates_are_what_copier_copy_writes(
    template_repo: Path, tmp_path: Path
) -> None:
    """The same products with a cache folder: rendered once compiling (and keeping the
    compiled templates), then, their stored renders dropped, from the kept compiled code."""
    products = _products([ALL_CASES[name] for name in FAST])
    cache = tmp_path / "cache"
    (tmp_path / "first").mkdir()
    (tmp_path / "again").mkdir()
    _check_renders_equal_copier(template_repo, tmp_path / "first", products, cache)
    for entry in cache.iterdir():
        if entry.name != bytecode.FOLDER:
            shutil.rmtree(entry)
    _check_renders_equal_copier(template_repo, tmp_path / "again", products, cache)
    rendering.clear_memory_cache()


@pytest.mark.slow(reason="renders a product per single-choice case twice (copier and drift)")
def test_shared_renders_of_every_choice_are_what_copier_copy_writes(
    template_repo: Path, tmp_path: Path
) -> None:
    _check_renders_equal_copier(template_repo, tmp_path, _products(list(CHECK_CASES.values())))


def test_what_the_direct_render_does_not_reproduce_copier_renders(
    template_repo: Path, tmp_path: Path
) -> None:
    """A template with a symlink (copier copies what it points to; drift's own walk refuses
    it): copier renders that product instead, and the render is still what `copier copy`
    writes."""
    template = tmp_path / "template"
    git(tmp_path, "clone", "--quiet", str(template_repo), str(template))
    (template / "template" / "NOTICE.md").symlink_to("README.md.jinja")
    commit_all(template, "a symlink")
    git(template, "tag", "v1.0.1")
    product = copy_product(
        template, tmp_path / "product", ALL_CASES[FAST[0]], skip_tasks=True, vcs_ref="v1.0.1"
    )
    rendering.clear_memory_cache()
    recorded = read_answers(product)
    _, render, _ = rendering.render_as_asked(recorded, remote_tags(str(template)), None)
    assert direct.FALLBACKS == ["Unsupported: the template holds a symlink"]
    assert (render / "NOTICE.md").read_bytes() == (product / "NOTICE.md").read_bytes()
    assert (render / "README.md").read_bytes() == (product / "README.md").read_bytes()
    rendering.clear_memory_cache()
