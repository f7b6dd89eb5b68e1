"""``paved-road update``: a safe ``copier update`` for people and bots.

Refuses anything it cannot do cleanly before touching the product, runs copier with inline
conflicts, then says plainly what changed, which conflicts remain, what the template's
changelog says between the two versions, and whether the product is within policy (drift).

Exit codes: 0 updated and in policy; 1 updated, but conflicts remain to resolve; 2 refused or
failed, product unchanged; 3 updated without conflicts, but the drift check fails.
"""

from .command import register, run

__all__ = ["register", "run"]
