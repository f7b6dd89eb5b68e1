"""The reference render of a product: the one place drift, fleet and update get it from.

``render_as_asked(recorded, tags, cache_dir)`` is the entry point (``paved-road drift`` calls it,
``fleet check`` through drift's check and ``update`` through its drift gate); ``group_key``
tells a fleet which products share a render. Inside, one module per step, none importing the
entry point back:

- ``key``: what a render depends on (source, commit, answers, tool versions, this code);
- ``tree``: the commit's files without a clone, written once per process per commit;
- ``plan``: which files drift need not render (those the policy only seeds);
- ``compiled``: Jinja compiled once per template, not once per product;
- ``copier_run``: the copier render itself;
- ``store``: the on-disk cache, verified before use;
- ``reference``: the above in order, memoised per process.

Copier renders every file of every product; docs/drift.md says why this design and not one
render per choice combination with names substituted afterwards.
"""

from .key import copier_version
from .plan import only_seeded
from .reference import (
    CONSTANT_KEYS,
    clear_memory_cache,
    group_key,
    render,
    render_as_asked,
    rendered_files,
)

__all__ = [
    "CONSTANT_KEYS",
    "clear_memory_cache",
    "copier_version",
    "group_key",
    "only_seeded",
    "render",
    "render_as_asked",
    "rendered_files",
]
