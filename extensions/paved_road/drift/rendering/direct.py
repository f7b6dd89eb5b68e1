"""Render a product in-process from copier's own objects, without a copier run per product.

A copier run repeats, for every product, work that only depends on the template: it parses
``copier.yml``, builds a Jinja environment (importing the template's extension code), and
for each of some 500 path parts and files rebuilds the whole render context and runs the
template's context hook on it. What depends on the product is small: its answers, the
context built from them, and what each compiled template renders with that context.

So, per template identity (``scope``: source, pinned commit, tool versions, this code) this
module keeps one copier ``Template`` and one Jinja environment made by copier's own
``Worker.jinja_env`` (every compiled template stays in it). Per product, a copier ``Worker``
with that template and environment does what depends on the answers, with copier's code:
``_ask`` (defaults, computed answers, validators, casting), ``_render_context``,
``template_copy_root``, ``match_exclude`` and ``answers_relpath``. This module then walks
the template as ``Worker._render_template`` does (same scan, same sibling, empty-part,
answers-file and exclusion rules, same modes), renders each distinct path part once with
that one context, renders the policy first and leaves out the files the policy only seeds
(``plan.only_seeded``: no finding can come from them), and writes the rest.

Whatever this walk does not reproduce is refused (``Unsupported``) and copier renders the
product instead: symlinks, ``yield`` in a path, a path part that could leave the destination
or that several sources render to, a template that is not valid UTF-8, a copier whose
internals differ from 9.x's. Tests hold every render byte for byte and mode for mode equal
to ``copier copy`` (tests/test_drift_render_identity.py, tests/test_drift_cases.py). In a
fleet check a written file may instead be a hard link to the same bytes already on disk
(``reuse``): read-only, executable exactly when copier's is.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
import warnings
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..answers_file import Recorded
from ..policy import POLICY_FILE, parse_policy
from . import bytecode, reads, reuse, tree
from .plan import only_seeded

_SCOPES_KEPT = 8  # template identities kept per process, as compiled.py does
_SESSIONS: OrderedDict[Hashable, _Session] = OrderedDict()
FALLBACKS: list[str] = []  # why copier rendered a product itself, in order (for benchmarks)
_PLAIN = object()  # in ``_Session.parts``: a path part Jinja renders to itself


class Unsupported(Exception):
    """A template or product this renderer does not reproduce: copier renders it."""


@dataclass
class _Session:
    """What one template identity's renders share."""

    template: Any  # copier's Template
    env: Any  # the Jinja environment copier built for it
    folder: Path  # the template's files
    entries: list[tuple[str, bool, int]] = field(default_factory=list)  # (path, is_dir, mode)
    parts: dict[str, Any] = field(default_factory=dict)  # path part -> compiled, or _PLAIN
    root: Path | None = None  # the template_copy_root the entries were scanned from
    # destination -> whether the template holds "<destination><suffix>": its files never
    # change within a session, and most destinations are the same for every product
    templated: dict[str, bool] = field(default_factory=dict)
    copied: dict[str, bytes] = field(default_factory=dict)  # source -> bytes of a plain file


def forget() -> None:
    """Drop every kept template and environment, as a new process would start."""
    _SESSIONS.clear()
    FALLBACKS.clear()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def renderer_imported() -> bool:
    """Whether this process already imported what a render needs (``import_renderer``)."""
    return "copier._main" in sys.modules


def import_renderer() -> None:
    """Import copier and the Jinja modules this module uses (about a quarter of a second in a
    fresh process), so that the caller can do other work meanwhile."""
    import copier._jinja_ext  # noqa: PLC0415
    import copier._main  # noqa: PLC0415
    import copier._settings  # noqa: PLC0415
    import copier._template  # noqa: PLC0415
    import copier._tools  # noqa: PLC0415
    import copier._types  # noqa: F401, PLC0415
    import jinja2.ext  # noqa: PLC0415
    import jinja2.loaders  # noqa: PLC0415
    import jinja2.runtime  # noqa: F401, PLC0415


def _worker(
    folder: Path, dst: Path, recorded: Recorded, scope: Hashable | None, cache_dir: Path | None
) -> Any:
    """A copier Worker as ``run_copy`` makes it, sharing the scope's template and environment
    (whose compiled templates persist in ``cache_dir`` when one is in use: ``bytecode``)."""
    from copier._main import Worker  # noqa: PLC0415
    from copier._settings import SettingsModel  # noqa: PLC0415
    from copier._template import Template  # noqa: PLC0415

    worker = Worker(
        src_path=str(folder),
        dst_path=dst,
        data=dict(recorded.answers),
        vcs_ref=None,
        settings=SettingsModel.from_file(),
        defaults=True,
        overwrite=True,
        quiet=True,
        unsafe=True,
        skip_tasks=True,
    )
    session = _SESSIONS.get(scope) if scope is not None else None
    if session is None or session.folder != folder:
        template = Template(url=str(folder), ref=None, use_prereleases=False)
        if _plain_folder(folder):
            template.__dict__["vcs"] = None  # what copier finds, without its 3 git processes
        worker.__dict__["template"] = template  # copier's cached_property, set ahead
        session = _Session(template=template, env=worker.jinja_env, folder=folder)
        _refuse_left_out(session.env, folder)
        _plain_values_as_is(session.env)
        if scope is not None and cache_dir is not None:
            bytecode.attach(session.env, cache_dir, scope)
        if scope is not None:
            _SESSIONS.pop(scope, None)
            _SESSIONS[scope] = session
            while len(_SESSIONS) > _SCOPES_KEPT:
                _SESSIONS.popitem(last=False)
    else:
        _SESSIONS.move_to_end(scope)
        worker.__dict__["template"] = session.template
        worker.__dict__["jinja_env"] = session.env
    worker.__dict__["_paved_road_session"] = session
    return worker


def _plain_folder(folder: Path) -> bool:
    """Whether copier will find ``folder`` is no git repository, so its ``Template.vcs`` is
    None (no clone, modes from the files). Copier asks git whether the folder is a
    repository's root, then whether it is a bundle file: it is a folder ``tree`` wrote, with
    no ``.git`` in it (git never writes one from a commit), and git takes it for a root only
    through ``GIT_DIR`` or ``GIT_WORK_TREE``: with either set, copier's own test decides."""
    if "GIT_DIR" in os.environ or "GIT_WORK_TREE" in os.environ:
        return False
    return folder.is_dir() and not os.path.lexists(folder / ".git")


def _refuse_left_out(env: Any, folder: Path) -> None:
    """Jinja loads a template by name from the template's root: a name among the files left
    out of ``folder`` (``reads``) raises ``LeftOut``, never TemplateNotFound, which an
    ``include ... ignore missing`` would swallow. Copier then renders from the whole commit."""
    from jinja2.loaders import split_template_path  # noqa: PLC0415

    original = env.loader.get_source

    def get_source(environment: Any, name: str) -> Any:
        path = None
        with contextlib.suppress(Exception):  # a name Jinja refuses: its own error, below
            path = "/".join(split_template_path(name))
        if path is not None and path in tree.left_out(folder):
            raise reads.LeftOut(f"the render reads {name}, left out of the template's files")
        return original(environment, name)

    env.loader.get_source = get_source


def _plain_values_as_is(env: Any) -> None:
    """Copier's ``_ask`` renders each question's type, choices' names, ``when``, ``ask`` and
    validator as a Jinja template (``Question.render_value``: ``from_string`` then
    ``render``), and the answers file's name too: 90 renders per product here, each
    building a context and running the template's context hook on it. Most of those values
    are plain text (``str``, a choice's name, an empty validator): 5 are not. Plain text
    renders to itself (``_plain``): the template Jinja compiles for one still comes back,
    with a ``render`` that returns the text without building a context. A context hook is
    pure (``_Context``): nothing but its result, which plain text never reads, could differ.
    Plain text is not even compiled (``_PlainText``): Jinja would compile it to code that
    outputs the text, and copier only calls ``render`` on what ``from_string`` returns."""
    original = env.from_string

    def from_string(source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if isinstance(source, str) and _plain(env, source):
            return _PlainText(source)
        return original(source, globals, template_class)

    env.from_string = from_string


class _PlainText:
    """What ``from_string`` gives for plain text (``_plain``): its ``render`` is the text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, *_args: Any, **_kwargs: Any) -> str:
        return self.text


def _scan(session: _Session, root: Path) -> list[tuple[str, bool, int]]:
    """Every entry under the copy root in copier's order (``scantree``), with its mode."""
    if session.root == root:
        return session.entries
    from copier._tools import scantree  # noqa: PLC0415

    template = session.template
    entries = []
    for entry in scantree(str(root), True):
        if entry.is_symlink():
            raise Unsupported("the template holds a symlink")
        relpath = Path(entry.path).relative_to(root).as_posix()
        is_dir = entry.is_dir()
        mode = 0
        if not is_dir:
            source = Path(entry.path).relative_to(template.local_abspath).as_posix()
            stat_mode = entry.stat().st_mode
            git_mode = template.git_index_modes.get(PurePosixPath(source))
            mode = stat_mode if git_mode is None else (stat_mode & ~0o111) | (git_mode & 0o111)
        entries.append((relpath, is_dir, mode))
    session.entries, session.root = entries, root
    return entries


def _plain(env: Any, text: str) -> bool:
    """Whether Jinja renders ``text`` to itself, so it need not be compiled: no delimiter of
    ``env`` in it, no line break (line statements, newline translation), and no extension
    that rewrites sources or tokens (``preprocess``, ``filter_stream``; copier's yield
    extension only resets its yield state in ``preprocess``, which a plain part cannot set).
    Most of a template's path parts and question values are plain."""
    import jinja2.ext  # noqa: PLC0415
    from copier._jinja_ext import YieldExtension  # noqa: PLC0415

    markers = (
        env.block_start_string,
        env.variable_start_string,
        env.comment_start_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        "\n",
        "\r",
    )
    if any(marker and marker in text for marker in markers):
        return False
    unchanged = (jinja2.ext.Extension.preprocess, YieldExtension.preprocess)
    return all(
        type(ext).preprocess in unchanged
        and type(ext).filter_stream is jinja2.ext.Extension.filter_stream  # tokens as lexed
        for ext in env.extensions.values()
    )


def _render_part(session: _Session, part: str, context: _Context) -> str:
    compiled = session.parts.get(part)
    if compiled is None:  # first met in this session: whether plain is the same every time
        if "yield" in part:
            raise Unsupported("a path part uses yield")
        plain = _plain(session.env, part)
        compiled = _PLAIN if plain else bytecode.from_string(session.env, part)
        session.parts[part] = compiled
    return part if compiled is _PLAIN else context.render(compiled)


class _Context:
    """The product's render context, and how a template renders with it.

    Copier builds the context anew for each of some 500 renders, and Jinja runs the
    template's context hooks (copier-template-extensions' ``ContextHook``) on each copy. A
    hook must be pure and change the context in place, so when running the hooks again on
    their own result changes nothing, they are run once per product, and each template's
    root context is built from that result without them (templates it includes still run
    them, as they do in copier). A hook that does change its own result runs every time."""

    def __init__(self, env: Any, context: dict[str, Any]) -> None:
        import jinja2.runtime  # noqa: PLC0415

        self.env, self.plain = env, jinja2.runtime.Context
        once = self._hooked(dict(env.globals, **context))
        twice = self._hooked(dict(once))
        hooked = env.context_class is not self.plain
        self.vars = once if hooked and once == twice else None
        self.context = context

    def _hooked(self, parent: dict[str, Any]) -> dict[str, Any]:
        parent["_copier_answers"] = dict(parent["_copier_answers"])
        self.env.context_class(self.env, parent, None, {}, self.env.globals)
        return parent

    def render(self, template: Any) -> str:
        if self.vars is None:  # as copier: a new context (and hooks) for each render
            fresh = dict(self.context)
            fresh["_copier_answers"] = dict(self.context["_copier_answers"])
            return str(template.render(**fresh))
        parent = dict(template.globals, **self.vars)
        parent["_copier_answers"] = dict(parent["_copier_answers"])
        context = self.plain(self.env, parent, template.name, template.blocks, template.globals)
        try:
            return str(self.env.concat(template.root_render_func(context)))
        except Exception:  # Jinja's own handling, as Template.render does
            self.env.handle_exception()
            raise  # handle_exception always raises; this keeps type checkers informed


def _destinations(
    worker: Any, session: _Session, context: _Context
) -> list[tuple[str, str, bool, int]]:
    """(source, destination, is_dir, mode) of everything copier would write, in its order:
    ``Worker._render_path`` and ``_render_parts`` with one context."""
    root = worker.template_copy_root
    local = session.template.local_abspath
    suffix = session.template.templates_suffix
    if not suffix:
        raise Unsupported("the template has no templates suffix")
    answers_relpath = str(worker.answers_relpath)
    entries = _scan(session, root)
    # Each source's path from the template root, as strings: a Path per entry and product
    # was about a quarter of the walk's time in a fleet profile.
    under = root.relative_to(local).as_posix()
    present = {relpath for relpath, _, _ in entries}
    rendered: dict[str, str] = {}
    found: list[tuple[str, str, bool, int]] = []
    for relpath, is_dir, mode in entries:
        if f"{relpath}{suffix}" in present:
            continue  # a templated sibling renders it
        is_template = relpath.endswith(suffix)
        parts = (relpath[: -len(suffix)] if is_template else relpath).split("/")
        destination = _destination(session, parts, rendered, context, answers_relpath)
        if destination is None:
            continue
        if destination != answers_relpath and not is_template and _templated(session, destination):
            continue
        if worker.match_exclude(Path(destination)):
            continue
        source = relpath if under == "." else f"{under}/{relpath}"
        found.append((source, destination, is_dir, mode))
    files = [destination for _, destination, is_dir, _ in found if not is_dir]
    if len(files) != len(set(files)):
        raise Unsupported("two template files render to one path")
    return found


def _templated(session: _Session, destination: str) -> bool:
    """Whether the template also holds ``destination`` with the templates suffix (copier
    looks from the template root, not the copy root), which then renders it instead."""
    known = session.templated.get(destination)
    if known is None:
        template = session.template
        sibling = template.local_abspath / f"{destination}{template.templates_suffix}"
        known = session.templated[destination] = sibling.exists()
    return known


def _destination(
    session: _Session,
    parts: list[str],
    rendered: dict[str, str],
    context: _Context,
    answers_relpath: str,
) -> str | None:
    """The rendered path of one source path, or None when copier skips it (a part renders
    empty): ``_render_parts`` without yield."""
    out: list[str] = []
    for index, part in enumerate(parts):
        if part not in rendered:
            rendered[part] = _render_part(session, part, context)
        value = rendered[part]
        if not value:
            return None
        if value == answers_relpath:
            if index:
                raise Unsupported("a path part inside a folder renders to the answers file")
            return answers_relpath
        if value in (".", "..") or "/" in value or "\\" in value or "\0" in value:
            raise Unsupported(f"path part {part!r} renders to {value!r}")
        out.append(value)
    return "/".join(out)


def _content(session: _Session, source: str, context: _Context) -> bytes:
    if not source.endswith(session.template.templates_suffix):
        # Copied as it is, for every product: read once per session (the template's files
        # never change within one, as ``_templated`` relies on too).
        if source not in session.copied:
            session.copied[source] = (session.template.local_abspath / source).read_bytes()
        return session.copied[source]
    from copier._jinja_ext import get_yield_context  # noqa: PLC0415

    try:
        template = session.env.get_template(source)
    except UnicodeDecodeError:
        raise Unsupported(f"{source} is not UTF-8") from None
    text = context.render(template)
    if get_yield_context(session.env).yield_name:
        raise Unsupported(f"{source} holds a yield tag")  # copier refuses it
    return text.encode()


def render_direct(
    folder: Path,
    dst: Path,
    *,
    recorded: Recorded,
    scope: Hashable | None,
    cache_dir: Path | None = None,
) -> dict[str, str]:
    """Render the template in ``folder`` (a plain folder: the commit's files) into ``dst`` as
    ``copier copy`` with the recorded answers does, minus the files the policy only seeds.
    Returns the SHA-256 of each file by relative path (the render cache's manifest: no
    second read of the files just written). Raises Unsupported (``dst`` then holds nothing)
    for what copier must render itself."""
    from copier._main import _operation  # noqa: PLC0415
    from copier._types import Phase  # noqa: PLC0415

    token = _operation.set("copy")
    try:
        with _quiet():
            worker = _worker(folder, dst, recorded, scope, cache_dir)
            session: _Session = worker.__dict__["_paved_road_session"]
            with Phase.use(Phase.PROMPT):
                worker._ask()
            with Phase.use(Phase.RENDER):
                context = _Context(session.env, worker._render_context())
                found = _destinations(worker, session, context)
                written = _write(session, found, dst, context)
    finally:
        _operation.reset(token)
    if not written:
        raise Unsupported("the render is empty")
    return dict(sorted(written.items()))


def _write(
    session: _Session, found: list[tuple[str, str, bool, int]], dst: Path, context: _Context
) -> dict[str, str]:
    """Each file copier would write, written (or linked: ``reuse``), with its SHA-256."""
    skipped: set[str] = set()
    policy_at = [index for index, item in enumerate(found) if item[1] == POLICY_FILE]
    if len(policy_at) == 1:
        text = _content(session, found[policy_at[0]][0], context)
        try:
            policy = parse_policy(text.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            pass
        else:
            skipped = {
                destination
                for _, destination, is_dir, _ in found
                if not is_dir and only_seeded(policy, destination)
            }
    dst.mkdir(parents=True, exist_ok=True)
    made = {dst}
    written: dict[str, str] = {}
    for source, destination, is_dir, mode in found:
        target = dst / destination
        if is_dir or destination in skipped:
            continue  # copier's folders are made below, with what it writes in them
        content = _content(session, source, context)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if not reuse.place(content, bool(mode & 0o111), target):  # linked: never chmod it
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            if (target.stat().st_mode) != mode:
                target.chmod(mode)
        written[destination] = hashlib.sha256(content).hexdigest()
    for _, destination, is_dir, _ in found:  # copier also makes the folders it leaves empty
        if is_dir and dst / destination not in made:
            (dst / destination).mkdir(parents=True, exist_ok=True)
    return written
