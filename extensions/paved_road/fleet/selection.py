"""Which products a run touches: ``--only``, ``--team``, ``--tier`` and ``--wave N%``.

Waves are canary-first and nested: each product has a fixed place in 0..99 (a hash of its
name), and ``--wave N%`` takes the products placed below N. So ``--wave 5%`` then ``--wave
25%`` then ``--wave 100%`` rolls out to a few, then a quarter, then all, and the first wave's
products are in every later one; adding or removing products moves no other product.

``--team`` matches the fleet file's ``team:``. A product without one is kept here and judged
by the owner it names itself once it is cloned (``owner_matches``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from .fleet_file import Fleet, FleetFileError


@dataclass(frozen=True)
class Selection:
    only: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    wave: int = 100  # percent

    @property
    def everything(self) -> bool:
        return not (self.only or self.teams or self.tiers) and self.wave == 100


def parse_wave(text: str) -> int:
    number = text.strip().removesuffix("%")
    if not number.isdigit() or not 1 <= int(number) <= 100:
        raise FleetFileError(f"--wave {text}: give a percentage from 1% to 100%, e.g. 10%")
    return int(number)


def place(name: str) -> int:
    """The product's fixed place in 0..99: in the wave of N% when below N."""
    return int(hashlib.sha256(f"wave:{name}".encode()).hexdigest(), 16) % 100


def _names(values: Sequence[str]) -> tuple[str, ...]:
    """``--only a,b --only c`` is a, b and c."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def selection(
    only: Sequence[str] = (),
    teams: Sequence[str] = (),
    tiers: Sequence[str] = (),
    wave: str | None = None,
) -> Selection:
    return Selection(_names(only), _names(teams), _names(tiers), parse_wave(wave) if wave else 100)


def select(fleet: Fleet, chosen: Selection) -> Fleet:
    """The products of the fleet chosen; FleetFileError (exit 2) for a name that is not one."""
    if chosen.everything:
        return fleet
    names = {product.name for product in fleet.products}
    unknown = [name for name in chosen.only if name not in names]
    if unknown:
        raise FleetFileError(f"--only {unknown[0]}: no product of {fleet.path} is named so")
    products = [
        product
        for product in fleet.products
        if (not chosen.only or product.name in chosen.only)
        and (not chosen.teams or product.team is None or product.team in chosen.teams)
        and (not chosen.tiers or product.tier in chosen.tiers)
        and place(product.name) < chosen.wave
    ]
    if not products:
        raise FleetFileError(f"no product of {fleet.path} matches --only/--team/--tier/--wave")
    return Fleet(path=fleet.path, products=products)


def owner_matches(chosen: Selection, fleet_team: str | None, owner: str | None) -> bool:
    """Whether a product kept for lack of a fleet ``team:`` is the teams' by its own owner."""
    if not chosen.teams or fleet_team is not None:
        return True
    return owner in chosen.teams
