"""Whose template an update may run: the platform's, by drift's rules, before anything of it.

Rendering a template runs its code on this machine (its Jinja extensions, tasks and
migrations), so the recorded ``_src_path`` is checked first, with drift's rules
(``paved_road.template_source.is_approved``: the package's approved sources plus any
``--approved-source``). The one exception is asked for by name: ``--local-template`` trusts a
template on this machine (a path or ``file://`` URL: a checkout someone is working on),
never a remote one.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..template_source import APPROVED_SOURCES, is_approved, is_local
from .product import Refused


def check_source(src_path: str, approved: Sequence[str], local_template: bool) -> None:
    """Refuse an unapproved template source, before it is fetched or rendered."""
    if is_approved(src_path, approved):
        return
    if local_template and is_local(src_path):
        return
    known = ", ".join([*APPROVED_SOURCES, *approved])
    if local_template:
        way_out = "--local-template trusts only a template on this machine"
    else:
        way_out = (
            "restore _src_path in .copier-answers.yml to the platform's template, or pass "
            "--approved-source SOURCE (or --local-template for a template checkout on this "
            "machine) if you trust it"
        )
    raise Refused(
        f"template source {src_path} is not an approved paved-road template (approved: "
        f"{known}): nothing of it was run; {way_out}"
    )
