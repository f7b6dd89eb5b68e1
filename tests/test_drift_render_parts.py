"""Drift's render leaves plain path parts (most of a template's folder and file names) as they
are instead of compiling each one (issue 23): only when Jinja would render the part to itself.
The whole render stays byte for byte `copier copy`'s (tests/test_drift_render_identity.py)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.ext
import pytest
from copier._jinja_ext import YieldExtension
from paved_road.drift import rendering
from paved_road.drift.answers_file import read_answers
from paved_road.drift.git_remote import remote_tags
from paved_road.drift.rendering import direct

from tests.cases import CHECK_CASES
from tests.drift_support import compiles_counted
from tests.support import copy_product


class _Rewrites(jinja2.ext.Extension):
    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return source.replace("plain", "rewritten")


CONTEXT = {"name": "x"}


@pytest.mark.parametrize(
    ("options", "part"),
    [
        ({}, "pyproject.toml"),
        ({}, "{{ name }}.py"),
        ({}, "a{% if name %}b{% endif %}"),
        ({}, "a{# comment #}b"),
        ({"variable_start_string": "[[", "variable_end_string": "]]"}, "[[ name ]].py"),
        ({"variable_start_string": "[[", "variable_end_string": "]]"}, "{{ name }}.py"),
        ({"line_statement_prefix": "%"}, "% set y = 1"),
        ({"line_comment_prefix": "##"}, "a.txt ## comment"),
        ({"extensions": [_Rewrites]}, "plain.txt"),
        ({"extensions": [YieldExtension]}, "plain.txt"),
        ({"extensions": [YieldExtension]}, "{{ name }}.txt"),
    ],
)
def test_a_part_is_left_as_is_only_when_jinja_renders_it_to_itself(
    options: dict[str, object], part: str
) -> None:
    env = jinja2.Environment(keep_trailing_newline=True, **options)  # type: ignore[arg-type]
    rendered = env.from_string(part).render(**CONTEXT)
    if direct._plain(env, part):
        assert rendered == part
    else:  # every case here that is not plain renders to something else
        assert rendered != part


def test_plain_parts_are_the_usual_ones() -> None:
    env = jinja2.Environment(keep_trailing_newline=True, extensions=[YieldExtension])
    assert direct._plain(env, "pyproject.toml")
    assert direct._plain(env, "Ü ünïcode-name.md")
    assert not direct._plain(env, "line\nbreak")
    assert not direct._plain(env, "{{ name }}")
    assert not direct._plain(jinja2.Environment(extensions=[_Rewrites]), "plain.txt")


def test_a_render_compiles_only_the_parts_that_hold_jinja(
    template_repo: Path, tmp_path: Path
) -> None:
    product = copy_product(
        template_repo, tmp_path / "p", CHECK_CASES["default"], skip_tasks=True, vcs_ref="v1.0.0"
    )
    rendering.clear_memory_cache()  # as a new process starts: nothing compiled yet
    with compiles_counted() as compiled:
        _, render, _ = rendering.render_as_asked(
            read_answers(product), remote_tags(str(template_repo)), None
        )
    assert direct.FALLBACKS == []
    root = template_repo / "template"
    parts = {part for path in root.rglob("*") for part in path.relative_to(root).parts}
    assert {source for source in compiled if source in parts and "{" not in source} == set()
    assert any("{{" in source and source in parts for source in compiled)  # still compiled
    assert (render / "pyproject.toml").is_file()
    rendering.clear_memory_cache()
