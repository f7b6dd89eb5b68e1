"""Write docs/questions.md from copier.yml, so the documented questions cannot drift from the
real ones. `python scripts/gen_questions_doc.py --check` exits 1 when the page is stale."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from paved_road.platform import PLATFORM_CONSTANTS

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "questions.md"

HEADER = """# The questions

<!-- Generated from copier.yml by scripts/gen_questions_doc.py: do not edit by hand. -->

`paved-road new` (and `copier copy`) ask these, in this order. Pass any of them
non-interactively with `--data name=value`; a value that is not allowed is refused before any
file is written, with a one-line message. Defaults written as `{{ ... }}` are derived from
earlier answers.
Answers are recorded in the product's `.copier-answers.yml` (never edit it by hand); no
question is ever a secret.

| question | asks | default | allowed |
| --- | --- | --- | --- |
"""


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _allowed(spec: dict) -> str:
    choices = spec.get("choices")
    if isinstance(choices, dict):
        return "<br>".join(f"`{value}`: {_cell(label)}" for label, value in choices.items())
    if isinstance(choices, list):
        return ", ".join(f"`{value}`" for value in choices)
    if "validator" in spec:
        return "validated (see below)"
    return "any text"


def _platform(text: str) -> str:
    """Help texts may name a platform constant (`{{ github_org }}`): shown as its value."""
    for name, value in PLATFORM_CONSTANTS.items():
        text = text.replace(f"{{{{ {name} }}}}", value)
    return text


def _default(spec: dict) -> str:
    return f"`{_cell(spec['default'])}`" if "default" in spec else "(required)"


def render() -> str:
    config = yaml.safe_load((ROOT / "copier.yml").read_text())
    rows = [
        f"| `{name}` | {_cell(_platform(spec.get('help', '')))} | {_default(spec)} | "
        f"{_allowed(spec)} |"
        for name, spec in config.items()
        if not name.startswith("_") and spec.get("when") is not False
    ]
    rules = """
## Validation rules

A refused answer gets one line of at most 80 columns, the program's name included, that
names the question, shows the answer as it was typed (a long one cut with `...`) and says what
is allowed (for example `paved-road new: Invalid project_slug 'null': not a YAML yes/no/null
word`); nothing is written. An unknown question is answered with the closest questions by
name (`'projct_slug' is not a question (did you mean project_slug?)`). At the interactive
prompt the same rule says it in the columns copier's own words leave on an 80-column line,
and the prompt waits for a better answer: `Validation error for question 'project_slug': a-z,
0-9, '-', like shop-api`.
A question with only one possible answer is not asked (`when: false`, its one answer as the
default) and is not listed here. Ctrl-C at the prompt ends with `cancelled, nothing written`
(exit 130).

- `product_name`: one line of text, 1 to 80 characters. Non-breaking and other spaces, joined
  emoji sequences and zero-width joiners inside words are text; control characters and
  invisible formatting characters are refused.
- `project_slug`: lowercase letters, digits and `-`, starting with a letter and ending with a
  letter or digit, at most 40 characters: Kubernetes names are at most 63, and the template
  and Kubernetes add up to 23 (`-staging`, `-config-<hash>`, `-<replicaset>-<pod>`). Not a word
  YAML reads as a boolean or null (`yes`, `no`, `on`, `off`, `y`, `n`, `true`, `false`,
  `null`), and not the name of a distribution in the product's locked dependencies (`fastapi`,
  `click`: `uv lock` cannot lock a product that depends on its own name). A product name that
  would default to one of these gets `-app` appended (`Null` -> `null-app`).
- `package_name`: a lowercase Python identifier, at most 40 characters, that is not a keyword,
  not one of the YAML words above, not `app` or `tests`, not a standard-library module of any
  supported Python (3.11 to 3.13, so `pipes` and `test` are refused), and not a module the
  product's dependencies install (`click`, `yaml`). The lists come from the real interpreters
  and a reference lock per database: `python scripts/gen_reserved_names.py` regenerates them.
- `description`: one line of text, at most 200 characters, like `product_name`. Quotes, colons,
  `#`, backslashes and non-ASCII are fine: every file format escapes them.
- `owner_team`: the GitHub team slug: 2 to 39 lowercase letters, digits and `-`. Written as
  CODEOWNERS writes it, `@{org}/<slug>` is taken too and recorded as the slug; a team of
  another organisation is refused.

The platform constants ({constants}) are not questions: the template
sets them for every render, and `--data` or an answers file cannot change them.
"""
    constants = ", ".join(f"`{name}`" for name in PLATFORM_CONSTANTS)
    rules = rules.replace("{org}", PLATFORM_CONSTANTS["github_org"])
    return HEADER + "\n".join(rows) + "\n" + rules.replace("{constants}", constants)


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if PAGE.read_text() != text:
            print(f"{PAGE.relative_to(ROOT)} is stale: run python scripts/gen_questions_doc.py")
            return 1
        return 0
    PAGE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
