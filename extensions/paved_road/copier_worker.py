"""Copier's Worker, paying once per process or per run for what plain copier pays per file.

Every copier run of paved-road (``new``, ``adopt``, ``update``, drift's fallback render) and
of the test suite goes through ``run_copy`` / ``run_update`` here. They are copier's own
functions with this Worker, and write the same files with the same modes:
- compiled Jinja code is remembered per process (``compile_memo``): copier builds a new Jinja
  environment for each Worker and compiled every file, path part and default again;
- ``core.fileMode`` is asked once per Worker (one destination, one run) instead of once per
  rendered file: copier's ``_sync_git_index_executable_bit`` only acts where it is ``false``,
  and a git process per file cost seconds in an update;
- a local template repository is cloned once per commit and process (``template_clones``),
  not once per Worker (five times in an update), and the clone is not deleted after each;
  within one run (``run_copy``, ``run_update``) git is asked once for the newest tag and for
  each commit's clone key, not once per copier Template (five in an update);
- an update can keep a copy of copier's own render of the old version (``run_update``'s
  ``keep_old_render``) for the template's migrations, which otherwise render that version
  again, each in a process of its own (``template_migrations/move_files.py``).
Where copier's internals are not the ones read here, copier's own behaviour is kept.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from contextvars import ContextVar
from functools import cached_property
from pathlib import Path
from typing import Any

from copier._main import Worker
from copier._settings import Settings, SettingsModel
from copier._subproject import Subproject
from copier._template import Template
from copier._types import RelativePath
from copier._vcs import get_latest_tag
from jinja2.sandbox import SandboxedEnvironment
from plumbum import local

from . import template_clones
from .compile_memo import remember_compiles

# Where the template's migrations find the kept render of the old version (the name is the
# template's too: template_migrations/move_files.py reads it, and renders afresh without it):
# its files in FILES; COMPLETE there when they are every file a plain render of that version
# makes (a path missing from them is then missing from that render too); FOR the sha256 of the
# product's answers file as committed when the update started, whose old version and answers
# the render is: a migration trusts the folder only for those (a stale PAVED_ROAD_OLD_RENDER
# left in a shell must not become the merge base of another product's plain `copier update`).
OLD_RENDER_ENV = "PAVED_ROAD_OLD_RENDER"
FILES, COMPLETE, FOR = "files", "complete", "for"
# The folder the next render in this update copies itself to: copier's first render in an
# update is always the old version's (``Worker._apply_update``), then the product, then the new.
_keep_next_render: ContextVar[Path | None] = ContextVar("_keep_next_render", default=None)


class SharedCloneTemplate(Template):
    """Copier's Template reading a clone shared within the process (``template_clones``)
    where one can be shared, else copier's own temporary clone as before."""

    @cached_property
    def local_abspath(self) -> Path:
        if self.vcs == "git":
            ref = self.ref or template_clones.once_per_run(
                ("latest tag", self.url_expanded, self.use_prereleases),
                lambda: get_latest_tag(self.url_expanded, self.use_prereleases),
            )
            shared = template_clones.lease(self.url_expanded, ref)
            if shared is not None:
                self._shared_clone = shared
                return shared.resolve()
        return Template.local_abspath.func(self)  # type: ignore[attr-defined]

    def _cleanup(self) -> None:
        template_clones.release(getattr(self, "_shared_clone", None))
        self._shared_clone = None
        super()._cleanup()


class SharedCloneSubproject(Subproject):
    """Copier's Subproject whose recorded template (the old version in an update, read for
    its migrations and version) reads a shared clone too."""

    @cached_property
    def template(self) -> Template | None:
        last_url = self.last_answers.get("_src_path")
        last_ref = self.last_answers.get("_commit")
        if last_url:
            result = SharedCloneTemplate(url=last_url, ref=last_ref)
            self._cleanup_hooks.append(result._cleanup)
            return result
        return None


class RememberingWorker(Worker):
    """Copier's Worker with compiled templates, ``core.fileMode`` asked once, and template
    clones shared."""

    @cached_property
    def jinja_env(self) -> SandboxedEnvironment:
        return remember_compiles(super().jinja_env)

    @cached_property
    def subproject(self) -> Subproject:
        """Copier's ``Worker.subproject`` (same paths and clean-up) with a shared clone."""
        result = SharedCloneSubproject(
            local_abspath=self.dst_path.absolute(),
            answers_relpath=self.answers_file or Path(".copier-answers.yml"),
        )
        self._cleanup_hooks.append(result._cleanup)
        return result

    @cached_property
    def template(self) -> Template:
        """Copier's ``Worker.template`` (same URL, ref and clean-up) with a shared clone."""
        url = self.src_path
        if not url:
            if self.subproject.template is None:
                raise TypeError("Template not found")
            url = str(self.subproject.template.url)
        result = SharedCloneTemplate(
            url=url, ref=self.resolved_vcs_ref, use_prereleases=self.use_prereleases
        )
        self._cleanup_hooks.append(result._cleanup)
        return result

    @cached_property
    def _file_mode_off(self) -> bool:
        """Whether git ignores mode bits at this destination (``core.fileMode`` false): the
        one case copier's index sync does anything. A failure means unset (the default)."""
        from copier._vcs import get_git  # noqa: PLC0415
        from plumbum import ProcessExecutionError  # noqa: PLC0415

        git = get_git(context_dir=self.subproject.local_abspath)
        try:
            setting = git("config", "--type=bool", "--get", "core.fileMode").strip()
        except ProcessExecutionError:
            return False
        return setting == "false"

    def _sync_git_index_executable_bit(self, *args: Any, **kwargs: Any) -> None:
        if self._file_mode_off:
            super()._sync_git_index_executable_bit(*args, **kwargs)

    def _render_template(self) -> None:
        super()._render_template()
        keep = _keep_next_render.get()
        if keep is not None:
            # Copied when rendered, before the render's tasks run: the migrations render with
            # tasks skipped, and copier removes its folder before they run.
            _keep_next_render.set(None)
            shutil.copytree(self.dst_path, keep / FILES, symlinks=True)
            if self._excludes_as_a_copy():
                (keep / COMPLETE).touch()

    def _excludes_as_a_copy(self) -> bool:
        """Whether this render leaves out what a plain copy of its version does: copier adds
        the new version's ``_exclude`` to an update's old render (only new patterns can
        leave out more), and renders ``_exclude`` with ``_copier_operation`` (update here)."""
        own = set(self.template.exclude)
        return set(self.exclude) <= own and not any("_copier_operation" in p for p in own)


def _worker(**fields: Any) -> Worker:
    """The Worker for ``fields`` as copier's ``run_*`` functions build it."""
    answers_file = fields.get("answers_file")
    if isinstance(answers_file, str):
        fields["answers_file"] = RelativePath(answers_file)
    settings = fields.get("settings")
    if isinstance(settings, Settings):
        fields["settings"] = SettingsModel(defaults=settings.defaults, trust=settings.trust)
    elif settings is None:
        fields.pop("settings", None)  # the Worker reads the user's settings file, as copier
    for name in ("data", "user_defaults"):
        fields[name] = fields.get(name) or {}
    return RememberingWorker(**fields)


def run_copy(
    src_path: str, dst_path: Path | str = ".", data: dict[str, Any] | None = None, **options: Any
) -> Worker:
    """``copier.run_copy`` with the remembering Worker (same keyword options)."""
    with (
        template_clones.one_run(),
        _worker(src_path=src_path, dst_path=Path(dst_path), data=data, **options) as worker,
    ):
        worker.run_copy()
    return worker


def run_update(
    dst_path: Path | str = ".",
    data: dict[str, Any] | None = None,
    *,
    keep_old_render: Path | None = None,
    **options: Any,
) -> Worker:
    """``copier.run_update`` with the remembering Worker (same keyword options); the old and
    new renders of an update are Workers of this class too (copier copies its Worker).
    ``keep_old_render``: a folder (not there yet) to copy copier's render of the old version
    to, named to the template's migrations in ``OLD_RENDER_ENV``; the caller removes it."""
    env: dict[str, str] = {}
    if keep_old_render is not None:
        _label(keep_old_render, Path(dst_path), options.get("answers_file"))
        env = {OLD_RENDER_ENV: str(keep_old_render)}
    token = _keep_next_render.set(keep_old_render)
    try:
        # plumbum's environment: the one copier gives its tasks and migrations.
        with (
            local.env(**env),
            template_clones.one_run(),
            _worker(dst_path=Path(dst_path), data=data, **options) as worker,
        ):
            worker.run_update()
    finally:
        _keep_next_render.reset(token)
    return worker


def _label(keep: Path, product: Path, answers_file: str | None) -> None:
    """Write ``keep``/FOR: the sha256 of the answers file committed at ``product``'s HEAD, the
    bytes the template's migrations read back (``git show HEAD:./<answers file>``)."""
    shown = subprocess.run(
        ["git", "show", f"HEAD:./{answers_file or '.copier-answers.yml'}"],
        cwd=product,
        capture_output=True,
        check=False,
    )
    keep.mkdir(parents=True)
    if shown.returncode == 0:  # no committed answers: no label, so no migration trusts it
        (keep / FOR).write_text(hashlib.sha256(shown.stdout).hexdigest() + "\n")
