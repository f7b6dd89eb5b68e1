"""One copier render of a template folder or source into a scratch destination."""

from __future__ import annotations

import contextlib
import copy
import io
import warnings
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

from ...one_line import cut
from ..answers_file import Recorded
from ..errors import CannotCheck

_CONFIGS: dict[tuple[Hashable, bytes, bool], Any] = {}


@contextlib.contextmanager
def _config_read_once(scope: Hashable | None) -> Iterator[None]:
    """Copier parses the template's ``copier.yml`` (pure-Python YAML, its ``!include`` files
    too) for every render: a fifth of a render's CPU. Within one template identity (a pinned
    commit: the file and what it includes cannot change) the parsed configuration is kept and
    each render gets its own deep copy."""
    from copier import _template  # noqa: PLC0415

    original = getattr(_template, "load_template_config", None)
    if scope is None or original is None:
        yield
        return

    def load_once(conf_path: Path, quiet: bool = False) -> Any:
        key = (scope, conf_path.read_bytes(), quiet)
        if key not in _CONFIGS:
            _CONFIGS[key] = original(conf_path, quiet)
        return copy.deepcopy(_CONFIGS[key])

    _template.load_template_config = load_once
    try:
        yield
    finally:
        _template.load_template_config = original


def forget() -> None:
    """Drop the kept configurations, as a new process would start."""
    _CONFIGS.clear()


def copier_render(
    source: str, vcs_ref: str | None, dst: Path, *, recorded: Recorded, scope: Hashable | None
) -> None:
    """``copier copy`` of ``source`` into ``dst`` with the recorded answers (tasks skipped); a
    failure is a CannotCheck naming the recorded commit and source. Compiled Jinja code is
    shared with the process's earlier renders by ``copier_worker`` (which also asks git about
    the scratch folder once, not per file); the parsed copier.yml with those of ``scope``."""
    from copier.errors import CopierError  # noqa: PLC0415 - about 0.5 s; only a check that renders pays it

    from ...copier_worker import run_copy  # noqa: PLC0415

    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            _config_read_once(scope),
        ):
            warnings.simplefilter("ignore")
            run_copy(
                source,
                dst,
                data=recorded.answers,
                vcs_ref=vcs_ref,
                defaults=True,
                unsafe=True,
                skip_tasks=True,
                quiet=True,
                overwrite=True,
            )
    except CopierError as error:
        why = cut(str(error), 40)  # one line; copier's words can run long
        raise CannotCheck(f"cannot render template {recorded.commit}: {why}") from None
    except Exception as error:  # git and plumbum errors of a clone or checkout
        text = " ".join(str(error).split())
        if "revision" in text.lower() or "pathspec" in text or "checkout" in text.lower():
            raise CannotCheck(
                f"template commit {recorded.commit!r} does not exist in {recorded.src_path}"
            ) from None
        raise CannotCheck(f"cannot render template {recorded.commit}: {cut(text, 40)}") from None
