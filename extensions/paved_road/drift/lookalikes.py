"""File names that look like a platform-owned one without being it.

``D\u043eckerfile`` (with a Cyrillic o), ``DOCKERFILE`` or ``.GitHub/workflows/ci.yml`` is not the
guarded file, so comparing files never sees it; a reviewer reading the diff, a case-insensitive
file system (macOS, Windows) or a tool that folds case does. Every name is reduced to a
skeleton (NFKC, case folded, look-alike letters mapped to the Latin ones, invisible
characters dropped) and a file whose skeleton is that of a guarded file, a closed place or a
forbidden name, while its real name is none of them, is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache

from .policy import Policy, glob_regex
from .report import Finding, Kind, Severity

# Letters of other scripts that render like a Latin one, by the Latin letter (lower case:
# names are case folded first), written as escapes so that this file shows what it means.
# Cyrillic, Greek, and Latin/other look-alikes; Unicode's confusables list is far longer, these
# are the ones fonts draw the same.
_LOOK_ALIKES = {
    "a": "\u0430\u03b1",
    "b": "\u0432\u03b2\ua7b5",
    "c": "\u0441\u03f2",
    "d": "\u0501",
    "e": "\u0435\u0451\u03b5",
    "g": "\u0261",
    "h": "\u04bb\u043d",
    "i": "\u0456\u0457\u03b9\u0131",
    "j": "\u0458\u03f3\u0237",
    "k": "\u043a\u03ba",
    "l": "\u04cf\u2113",
    "m": "\u043c",
    "n": "\u03b7",
    "o": "\u043e\u03bf",
    "p": "\u0440\u03c1",
    "q": "\u051b",
    "s": "\u0455\u017f",
    "t": "\u0442\u03c4",
    "u": "\u03c5",
    "v": "\u03bd",
    "w": "\u051d\uab83",
    "x": "\u0445\u03c7",
    "y": "\u0443",
    "z": "\u03b6",
}
CONFUSABLES = str.maketrans(
    {alike: latin for latin, alikes in _LOOK_ALIKES.items() for alike in alikes}
)


@lru_cache(maxsize=4096)
def skeleton(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", visible.translate(CONFUSABLES))


def _places(policy: Policy) -> list[tuple[str, re.Pattern[str], re.Pattern[str]]]:
    """(the place, its own pattern, its skeleton's pattern) for every platform-owned name."""
    paths = [
        *(entry.path for entry in policy.guarded),
        *(entry.path for entry in policy.closed),
        *(entry.path for entry in policy.forbidden if not entry.sections),
    ]
    return [(path, glob_regex(path), glob_regex(skeleton(path))) for path in paths]


def lookalike_findings(
    policy: Policy, rendered: Collection[str], files: list[str]
) -> list[Finding]:
    places = _places(policy)
    findings = []
    for path in files:
        if path in rendered:
            continue
        shape = skeleton(path)
        for place, exact, alike in places:
            if alike.match(shape) and not exact.match(path):
                findings.append(
                    Finding(
                        kind=Kind.FORBIDDEN,
                        severity=Severity.ERROR,
                        path=path,
                        message=f"its name looks like the platform's {place} (a case variant "
                        "or Unicode look-alike) without being it: rename or delete it",
                    )
                )
                break
    return findings
