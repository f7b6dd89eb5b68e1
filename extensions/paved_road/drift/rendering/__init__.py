"""The reference render of a product: the one place drift, fleet and update get it from.

``render_as_asked(recorded, tags, cache_dir)`` is the entry point (``paved-road drift`` calls it,
``fleet check`` through drift's check and ``update`` through its drift gate); ``group_key``
tells a fleet which products share a render. Inside, one module per step, none importing the
entry point back:

- ``key``: what a render depends on (source, commit, answers, tool versions, this code);
- ``tree``: the commit's files without a clone, written once per process per commit;
- ``reads``: which of those files a render can read (only they are written up front);
- ``plan``: which files drift need not render (those the policy only seeds);
- ``direct``: the render itself, in-process from copier's own Template, Jinja environment and
  Worker kept per template (what it cannot reproduce, copier renders);
- ``compiled``: Jinja compiled once per template, not once per product;
- ``copier_run``: a whole copier run, for what ``direct`` leaves to copier;
- ``store``: the on-disk cache, verified before use;
- ``reuse``: files a render links instead of writing (the fleet's blobs, same bytes);
- ``reference``: the above in order, memoised per process.

Every product is rendered with its own answers; docs/drift.md says why this design and not
one render per choice combination with names substituted afterwards, nor a copier run per
product.
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
