"""Per-owner digests: one Markdown file per team, listing what that team must do, soonest
deadline first, with links to the repositories. Owners are the products' ``team`` (the fleet
file's ``team:``, else the owner the product names: catalog-info.yaml, or ``owner_team``)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from .report import SOON_DAYS, FleetReport, ProductResult

UNOWNED = "_unowned"  # the digest of products nobody owns: a leading _ is no team slug
_SHORTCUTS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
_SCP = re.compile(r"^git@(?P<host>[^:/]+):(?P<path>.+)$")


def web_url(repo: str) -> str | None:
    """The repository's web page for a forge URL or shortcut; None for a path or file URL."""
    for prefix, base in _SHORTCUTS.items():
        if repo.startswith(prefix):
            return base + repo.removeprefix(prefix).removesuffix(".git").strip("/")
    if match := _SCP.match(repo):
        return f"https://{match['host']}/{match['path'].removesuffix('.git').strip('/')}"
    if repo.startswith(("https://", "http://")):
        return repo.removesuffix("/").removesuffix(".git").split("/-/", 1)[0]
    return None


def digest_file(owner: str | None) -> str:
    """The digest's file name: the owner as a safe file name."""
    if not owner:
        return f"{UNOWNED}.md"
    return re.sub(r"[^A-Za-z0-9._-]", "-", owner).lstrip(".") + ".md"


@dataclass(frozen=True)
class Action:
    deadline: dt.date | None  # None: no date (do it when you can)
    product: ProductResult
    what: str


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def actions(product: ProductResult, today: dt.date) -> list[Action]:
    """What the product's owner must do, each with its deadline (today: it fails now)."""
    found: list[Action] = []
    if product.status == "violations":
        kinds = ", ".join(f"{kind} {n}" for kind, n in product.violations.items())
        found.append(Action(today, product, f"fix the drift: {kinds}"))
    elif product.status == "error":
        found.append(Action(today, product, f"make it checkable: {product.error}"))
    elif product.status == "roadless":
        found.append(Action(today, product, "bring it on the paved road: `paved-road adopt`"))
    for waiver in product.drift.waivers if product.drift else []:
        where = waiver.path + (f" [{waiver.part}]" if waiver.part else "")
        if waiver.status == "refused":
            found.append(Action(today, product, f"waiver on `{where}` refused: {waiver.refused}"))
        elif waiver.status == "active" and (waiver.expires - today).days <= SOON_DAYS:
            found.append(
                Action(
                    waiver.expires,
                    product,
                    f"waiver on `{where}` expires: restore the file, or ask for a new waiver",
                )
            )
    request = product.update_request
    if product.behind and request is not None and request.state == "open":
        checks = {"failure": "its checks fail: fix them on the branch, then merge"}.get(
            request.ci or "", "review and merge it"
        )
        found.append(
            Action(None, product, f"update to {product.latest}: {request.url} is open; {checks}")
        )
    elif product.behind:
        found.append(
            Action(
                None,
                product,
                f"update from {product.release} to {product.latest} ({product.behind} "
                "release(s) behind): `paved-road update`, or merge the update pull request",
            )
        )
    return found


def _link(product: ProductResult) -> str:
    url = web_url(product.repo)
    return f"[{_cell(product.name)}]({url})" if url else _cell(product.name)


def digest(owner: str | None, products: list[ProductResult], today: dt.date) -> str:
    todo = sorted(
        (action for product in products for action in actions(product, today)),
        key=lambda a: (a.deadline is None, a.deadline or today, a.product.name),
    )
    clean = [p.name for p in products if not any(a.product is p for a in todo)]
    out = [
        f"# {title_of(owner)}",
        "",
        f"{len(products)} product(s), {len(todo)} thing(s) to do, as of {today.isoformat()}.",
        "",
    ]
    if todo:
        out += ["| Deadline | Product | What to do |", "|---|---|---|"]
        for action in todo:
            if action.deadline is None:
                when = "when you can"
            elif action.deadline <= today:
                when = "**now**"
            else:
                when = f"{action.deadline.isoformat()} ({(action.deadline - today).days} d)"
            out.append(f"| {when} | {_link(action.product)} | {_cell(action.what)} |")
        out.append("")
    if clean:
        out += [f"In policy and current: {', '.join(clean)}.", ""]
    if owner is None:
        out += [
            "Name an owner: `team:` in the fleet file, or `spec.owner` in the product's "
            "catalog-info.yaml.",
            "",
        ]
    return "\n".join(out)


def by_owner(report: FleetReport) -> dict[str | None, tuple[str, bool]]:
    """Owner -> (the digest's Markdown, whether it has anything to do)."""
    owned: dict[str | None, list[ProductResult]] = defaultdict(list)
    for product in report.products:
        owned[product.team].append(product)
    return {
        owner: (
            digest(owner, products, report.today),
            any(actions(product, report.today) for product in products),
        )
        for owner, products in sorted(owned.items(), key=lambda item: item[0] or "")
    }


def digests(report: FleetReport) -> dict[str, str]:
    """File name -> Markdown, one per owner."""
    return {digest_file(owner): text for owner, (text, _) in by_owner(report).items()}


def title_of(owner: str | None) -> str:
    return f"paved-road: what {owner or 'nobody (no owner named)'} must do"
