"""Write docs/questions.md from copier.yml, so the documented questions cannot drift from the
real ones. `python scripts/gen_questions_doc.py --check` exits 1 when the page is stale."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "questions.md"

HEADER = """# The questions

<!-- Generated from copier.yml by scripts/gen_questions_doc.py: do not edit by hand. -->

`copier copy` asks these, in this order. Pass any of them non-interactively with
`--data name=value`; a value that is not allowed is refused before any file is written, with a
one-line message. Defaults written as `{{ ... }}` are derived from earlier answers.
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


def _default(spec: dict) -> str:
    return f"`{_cell(spec['default'])}`" if "default" in spec else "(required)"


def render() -> str:
    config = yaml.safe_load((ROOT / "copier.yml").read_text())
    rows = [
        f"| `{name}` | {_cell(spec.get('help', ''))} | {_default(spec)} | {_allowed(spec)} |"
        for name, spec in config.items()
        if not name.startswith("_") and spec.get("when") is not False
    ]
    rules = """
## Validation rules

- `product_name`: one line of printable text, 1 to 80 characters.
- `project_slug`: a DNS label: lowercase letters, digits and `-`, starting with a letter, not
  ending with `-`, at most 40 characters. Used for the repository, container, Kubernetes names.
- `package_name`: a Python identifier in lowercase, at most 40 characters, that is not a keyword
  and does not shadow a standard-library module or a dependency (`json`, `fastapi`, `tests`).
- `description`: one line of printable text, at most 200 characters. Quotes, colons, `#`,
  backslashes and non-ASCII are fine: every file format escapes them.
- `owner_team`: the GitHub team slug: 2 to 39 lowercase letters, digits and `-`.
"""
    return HEADER + "\n".join(rows) + "\n" + rules


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
