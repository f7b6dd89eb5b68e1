"""paved-road renders through copier's Worker with compiled Jinja remembered per process and
``core.fileMode`` asked once (extensions/paved_road/copier_worker.py), yet writes what plain
copier writes: the same files, bytes and modes, for several answer sets, for two template
versions rendered one after the other in one process, and the same git index modes where
``core.fileMode`` is false. The compile memo itself keeps apart what compiles differently.
"""

from __future__ import annotations

import shutil
import stat
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import copier
import jinja2
import pytest
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment
from paved_road import copier_worker
from paved_road.answers import DESCRIPTION_MAX, PACKAGE_MAX, PRODUCT_NAME_MAX, SLUG_MAX
from paved_road.compile_memo import remember_compiles

from tests.cases import CHECK_CASES, sampled
from tests.support import commit_all, copy_product, git
from tests.test_hostile_answers import HOSTILE

LONG = {
    "product_name": ("Ü" + "long name " * 10)[:PRODUCT_NAME_MAX],
    "description": ("é " + "a description that goes on " * 10)[:DESCRIPTION_MAX],
    "project_slug": ("s" + "-long-slug" * 5)[:SLUG_MAX],
    "package_name": ("p" + "_long_package" * 5)[:PACKAGE_MAX],
}
ANSWERS = {
    "default": CHECK_CASES["default"],
    "ui=spa": CHECK_CASES["ui=spa"],
    "deploy_target=fly": CHECK_CASES["deploy_target=fly"],
    "hostile": {**CHECK_CASES["database=postgres"], **HOSTILE},
    "long": {**CHECK_CASES["ui=none"], **LONG},
}


def _tree(root: Path) -> dict[str, tuple[str, bytes, int]]:
    """Every path under ``root``: its kind, content (or link target) and mode bits."""
    tree = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if path.is_symlink():
            tree[str(path.relative_to(root))] = ("link", str(path.readlink()).encode(), 0)
        elif path.is_dir():
            tree[str(path.relative_to(root))] = ("dir", b"", stat.S_IMODE(info.st_mode))
        else:
            content = path.read_bytes()
            tree[str(path.relative_to(root))] = ("file", content, stat.S_IMODE(info.st_mode))
    return tree


def _copy(run: Callable[..., Any], template: Path, dst: Path, answers: dict[str, str], ref: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # copier's "internal API" and dirty-template warnings
        copy_product(template, dst, answers, skip_tasks=True, vcs_ref=ref, run=run)
    return _tree(dst)


# One worker renders them all, one after the other: each render after the first takes most
# of its compiled templates from the earlier ones, as in `paved-road update` and the suite.
@pytest.mark.xdist_group("copier_worker")
@pytest.mark.parametrize(
    "case",
    sampled(
        list(ANSWERS),
        ["default", "hostile"],
        "the same equality with plain copier for more answer sets",
    ),
)
def test_renders_are_what_plain_copier_writes(
    template_repo: Path, tmp_path: Path, case: str
) -> None:
    answers = ANSWERS[case]
    plain = _copy(copier.run_copy, template_repo, tmp_path / "plain", answers, "v1.0.0")
    # The default twice: the second render takes every compiled template from the first.
    for attempt in ("first", "again") if case == "default" else ("first",):
        ours = _copy(copier_worker.run_copy, template_repo, tmp_path / attempt, answers, "v1.0.0")
        assert ours.keys() == plain.keys(), case
        differ = [path for path in plain if ours[path] != plain[path]]
        assert differ == [], f"{attempt} render of {case} differs from copier's in {differ}"


@pytest.mark.xdist_group("copier_worker")
def test_a_changed_template_version_renders_its_own_text(
    template_repo: Path, tmp_path: Path
) -> None:
    """Two versions of the template rendered one after the other in this process, each equal
    to plain copier's render of that version: nothing compiled from one reaches the other."""
    template = tmp_path / "template"
    git(tmp_path, "clone", "--quiet", str(template_repo), str(template))
    readme = template / "template" / "README.md.jinja"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("{{ product_name }}", "v2 of {{ product_name }}"), "utf-8")
    commit_all(template, "v2: the README names the version")
    git(template, "tag", "v2.0.0")
    answers = ANSWERS["default"]
    plain = {
        ref: _copy(copier.run_copy, template, tmp_path / f"plain-{ref}", answers, ref)
        for ref in ("v1.0.0", "v2.0.0")
    }
    assert b"v2 of " in plain["v2.0.0"]["README.md"][1]
    assert b"v2 of " not in plain["v1.0.0"]["README.md"][1]
    for number, ref in enumerate(("v1.0.0", "v2.0.0", "v1.0.0")):
        ours = _copy(copier_worker.run_copy, template, tmp_path / f"ours-{number}", answers, ref)
        assert ours == plain[ref], ref


def _small_template(root: Path) -> Path:
    """A template whose v2 makes ``run.sh`` executable."""
    root.mkdir()
    (root / "copier.yml").write_text("name:\n  type: str\n  default: demo\n", encoding="utf-8")
    (root / "README.md.jinja").write_text("# {{ name }}\n", encoding="utf-8")
    (root / "run.sh").write_text("#!/bin/sh\necho run\n", encoding="utf-8")
    (root / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers|to_nice_yaml }}", encoding="utf-8"
    )
    git(root, "init", "--quiet")
    commit_all(root, "v1")
    git(root, "tag", "v1.0.0")
    (root / "run.sh").chmod(0o755)
    commit_all(root, "v2: run.sh is executable")
    git(root, "tag", "v2.0.0")
    return root


def test_an_update_where_git_ignores_file_modes_keeps_copiers_index_modes(
    tmp_path: Path,
) -> None:
    """Where ``core.fileMode`` is false git never sees a chmod: copier writes the new
    executable bit into the index itself. Asked once per run here, it still does."""
    template = _small_template(tmp_path / "template")
    first = tmp_path / "plain"
    _copy(copier.run_copy, template, first, {}, "v1.0.0")
    git(first, "init", "--quiet")
    git(first, "config", "core.fileMode", "false")
    commit_all(first, "product")
    second = Path(shutil.copytree(first, tmp_path / "ours", symlinks=True))
    assert git(first, "ls-files", "-s", "run.sh").stdout.startswith("100644")
    for run, product in ((copier.run_update, first), (copier_worker.run_update, second)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run(product, vcs_ref="v2.0.0", defaults=True, overwrite=True, quiet=True)
    index = {p: git(p, "ls-files", "-s").stdout for p in (first, second)}
    assert index[second] == index[first]
    assert git(second, "ls-files", "-s", "run.sh").stdout.startswith("100755")
    assert git(second, "status", "--porcelain").stdout == git(first, "status", "--porcelain").stdout
    assert _tree(second / "run.sh") == _tree(first / "run.sh")


def _sandbox(**options: Any) -> jinja2.Environment:
    return remember_compiles(SandboxedEnvironment(**options))


def test_an_equally_configured_environment_reuses_the_compiled_code() -> None:
    source = "{% for x in items %}{{ x | upper }}{% endfor %} memo reuse"
    first = _sandbox().compile(source, "a.txt", "/one/a.txt")
    again = _sandbox().compile(source, "a.txt", "/one/a.txt")
    assert again is first
    # Another folder (copier clones each render's template afresh): the same code, labelled
    # with the file it was read from, as Jinja would have compiled it.
    elsewhere = _sandbox().compile(source, "a.txt", "/two/a.txt")
    assert elsewhere.co_filename == "/two/a.txt"
    assert all(
        c.co_filename == "/two/a.txt" for c in elsewhere.co_consts if hasattr(c, "co_filename")
    )
    env = _sandbox(loader=jinja2.DictLoader({"a.txt": source}))
    assert env.get_template("a.txt").render(items=["q"]) == "Q memo reuse"


def test_a_filter_folded_while_compiling_is_the_environments_own() -> None:
    """Jinja calls a filter on constant input while compiling; a template's filters are new
    functions in each render, and another version's must never be baked in."""
    source = '{{ "abc" | shout }} {{ 2 is big }}'
    one = _sandbox()
    one.filters["shout"] = lambda value: value.upper()
    one.tests["big"] = lambda value: value > 1
    two = _sandbox()
    two.filters["shout"] = lambda value: value + "!"
    two.tests["big"] = lambda value: value > 5
    assert one.from_string(source).render() == "ABC True"
    assert two.from_string(source).render() == "abc! False"
    assert one.from_string(source).render() == "ABC True"

    @jinja2.pass_environment
    def greeting(env: jinja2.Environment, value: str) -> str:
        return f"{env.globals['greeting']} {value}"

    for word in ("hello", "bye"):
        env = _sandbox()
        env.globals["greeting"] = word
        env.filters["greet"] = greeting  # the same function, reading each environment
        assert env.from_string('{{ "you" | greet }}').render() == f"{word} you"


def test_what_the_compiler_reads_from_the_environment_keeps_compiles_apart() -> None:
    source = "[[ name ]] {{ name }}{% if true %}\n  x{% endif %}"
    assert _sandbox().from_string(source).render(name="n") == "[[ name ]] n\n  x"
    assert (
        _sandbox(variable_start_string="[[", variable_end_string="]]")
        .from_string(source)
        .render(name="n")
        == "n {{ name }}\n  x"
    )
    assert (
        _sandbox(trim_blocks=True, lstrip_blocks=True).from_string(source).render(name="n")
        == "[[ name ]] n  x"
    )
    assert _sandbox(autoescape=True).from_string("{{ '<b>' }}").render() == "&lt;b&gt;"
    assert _sandbox().from_string("{{ '<b>' }}").render() == "<b>"
    assert _sandbox(finalize=lambda v: "F").from_string("{{ 1 }}").render() == "F"
    assert _sandbox(finalize=lambda v: "G").from_string("{{ 1 }}").render() == "G"
    # One environment changed after its first compile (copier adds a filter late).
    env = _sandbox()
    assert env.from_string(source).render(name="n") == "[[ name ]] n\n  x"
    env.variable_start_string, env.variable_end_string = "[[", "]]"
    assert env.from_string(source).render(name="n") == "n {{ name }}\n  x"
    with pytest.raises(jinja2.TemplateAssertionError):
        env.from_string("[[ 1 | late ]]")
    env.filters["late"] = lambda value: value + 1
    assert env.from_string("[[ 1 | late ]]").render() == "2"
    env.filters["tag"] = lambda value: f"<{value}>"
    assert env.from_string("[[ x | tag ]]").render(x=1) == "<1>"

    @jinja2.pass_context
    def tag(context: Any, value: object) -> str:
        return f"{context['who']}:{value}"

    env.filters["tag"] = tag  # now called with the context: compiled differently
    assert env.from_string("[[ x | tag ]]").render(x=1, who="me") == "me:1"


def test_an_overlay_compiles_with_its_own_configuration() -> None:
    env = _sandbox()
    source = "[[ name ]] {{ name }}"
    assert env.from_string(source).render(name="n") == "[[ name ]] n"
    overlay = env.overlay(variable_start_string="[[", variable_end_string="]]")
    assert overlay.from_string(source).render(name="n") == "n {{ name }}"
    assert env.from_string(source).render(name="n") == "[[ name ]] n"


def _tag_extension(output: str) -> type[Extension]:
    class Stamp(Extension):  # the same name and module for both versions
        tags = {"stamp"}  # noqa: RUF012 - Jinja's own class attribute

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            return jinja2.nodes.Output([jinja2.nodes.TemplateData(output)], lineno=lineno)

    return Stamp


def test_an_extension_that_parses_is_told_apart_by_its_class() -> None:
    source = "{% stamp %}"
    assert _sandbox(extensions=[_tag_extension("one")]).from_string(source).render() == "one"
    assert _sandbox(extensions=[_tag_extension("two")]).from_string(source).render() == "two"
