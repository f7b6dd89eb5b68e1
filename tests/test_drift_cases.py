"""Every supported answers combination: a fresh product is in policy, and every guarded file
and guarded part the policy names for that combination is caught when changed or deleted.

The list of what to mutate comes from the product's own rendered policy, never from this file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from paved_road.drift import rendering
from paved_road.drift.answers_file import ANSWERS_FILE, read_answers
from paved_road.drift.git_remote import remote_tags
from paved_road.drift.rendering import direct, only_seeded

from tests.cases import ALL_CASES, tiered
from tests.drift_support import change_part, drift, flip_one_byte, product_policy, rendered
from tests.shared import Renders


@pytest.mark.parametrize(
    "case", tiered(ALL_CASES, "drift-checks every answer combination, in and out of policy")
)
def test_every_guarded_file_and_part_is_caught(
    case: str,
    template_repo: Path,
    renders: Renders,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A copy of the run's shared render of this case (test_render.py reads the same one).
    product = renders.product_copy(
        template_repo, tmp_path / "product", ALL_CASES[case], vcs_ref="v1.0.0"
    )
    fallbacks = len(direct.FALLBACKS)
    code, out, _ = drift(capsys, product, "--format", "json")
    fresh_findings = json.loads(out)["findings"]
    assert code == 0, f"a fresh product must be in policy:\n{out}"

    policy = product_policy(product)
    files = rendered(product)

    # What drift compares against is what `copier copy` made, byte for byte and mode for mode:
    # every file of the product but those the policy only seeds, which drift leaves out of its
    # render (it renders the commit's files in-process, with copier's own objects).
    recorded = read_answers(product)
    render = rendering.render(recorded, remote_tags(recorded.src_path))
    compared = [path for path in files if not only_seeded(policy, path)]
    assert rendered(render) == compared
    assert len(compared) < len(files), "nothing left out: the policy seeds nothing here?"
    differ = [
        path
        for path in compared
        if (render / path).stat().st_mode != (product / path).stat().st_mode
        or (path != ANSWERS_FILE and (render / path).read_bytes() != (product / path).read_bytes())
    ]
    assert differ == [], f"drift's render differs from copier's in {differ}"
    # Drift's own walk rendered it (rendering/direct.py), not copier as a fallback.
    assert direct.FALLBACKS[fallbacks:] == []
    owned = {path: policy.owner(path) for path in files}
    guarded = [path for path, owner in owned.items() if owner and owner[0] == "guarded"]
    required = [
        path
        for path, owner in owned.items()
        if owner and owner[0] == "seeded" and getattr(owner[1], "required", False)
    ]
    parts = [
        (path, part)
        for path, owner in owned.items()
        if owner and owner[0] == "shared"
        for part in getattr(owner[1], "parts", [])
    ]
    assert guarded, "the policy guards nothing in this product"
    assert ".paved-road/policy.yml" in guarded

    originals = {path: (product / path).read_bytes() for path in files}
    modes = {path: (product / path).stat().st_mode for path in files}

    def restore(changed: list[str]) -> None:  # contents and modes: executable bits count
        # Only what was changed: rewriting all ~130 files twice was a tenth of this test's CPU.
        # The check after the last restore proves the product whole again.
        for path in changed:
            (product / path).write_bytes(originals[path])
            (product / path).chmod(modes[path])

    def failing() -> set[tuple[str, str, str | None]]:
        code, out, _ = drift(capsys, product, "--format", "json")
        report = json.loads(out)
        assert code == 1, out
        return {
            (f["kind"], f["path"], f["part"])
            for f in report["findings"]
            if f["severity"] == "error"
        }

    # Every guarded file one byte off, every guarded part changed: each is named, as a failure.
    # (Files are compared independently, so one check of all of them is one check of each.)
    for path in guarded:
        flip_one_byte(product / path)
    for path, part in parts:
        change_part(product / path, part)
    errors = failing()
    for path in guarded:
        assert ("modified", path, None) in errors, f"one changed byte in guarded {path} unnoticed"
    for path, part in parts:
        assert ("part-modified", path, part) in errors, f"changed part {part} of {path} unnoticed"
    restore([*guarded, *(path for path, _ in parts)])

    # Every guarded file and every required seeded file deleted.
    for path in [*guarded, *required]:
        (product / path).unlink()
    errors = failing()
    for path in [*guarded, *required]:
        assert ("missing", path, None) in errors, f"deleting {path} went unnoticed"
    restore([*guarded, *required])

    code, out, _ = drift(capsys, product)
    assert code == 0, f"restoring every file must bring the product back in policy:\n{out}"

    # The product's own edits: seeded files and unguarded parts of shared files are its business.
    seeded = [path for path, owner in owned.items() if owner and owner[0] == "seeded"]
    for path in seeded:
        if path.endswith(".py"):
            with (product / path).open("a") as handle:
                handle.write("\n# the product's own change\n")
    optional = [path for path in seeded if path not in required]
    if optional:
        (product / optional[0]).unlink()
    shared_edits = 0
    for path, owner in owned.items():
        if owner and owner[0] == "shared" and path.endswith(".toml"):
            with (product / path).open("a") as handle:
                handle.write('\n[tool.product-own]\nnote = "ours"\n')
            shared_edits += 1
    shutil.rmtree(product / ".pytest_cache", ignore_errors=True)
    code, out, _ = drift(capsys, product, "--format", "json")
    assert code == 0, out
    kinds = {finding["kind"] for finding in json.loads(out)["findings"]}
    assert kinds <= {"shared-modified", "undeclared"}
    assert ("shared-modified" in kinds) == (shared_edits > 0)

    # Last, so the mutations above are checked even while the policy has gaps: every file the
    # template renders for this combination is declared, and nothing else is reported.
    assert fresh_findings == [], "\n".join(f"{f['kind']}: {f['path']}" for f in fresh_findings)
