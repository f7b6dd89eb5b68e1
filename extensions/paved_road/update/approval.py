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

from ..template_source import is_approved, is_local
from .product import Refused


def check_source(src_path: str, approved: Sequence[str], local_template: bool) -> None:
    """Refuse an unapproved template source, before it is fetched or rendered."""
    if is_approved(src_path, approved):
        return
    if local_template and is_local(src_path):
        return
    # One line (docs/updating.md lists the approved sources and says nothing of it ran).
    if local_template:
        raise Refused(f"remote template {src_path} is unapproved: use --approved-source")
    raise Refused(f"template {src_path} is unapproved: fix _src_path or --approved-source")
