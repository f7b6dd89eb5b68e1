"""Run the guarded tests isolated from every file the product owns (platform-owned).

CI runs `uv run --locked python -I tests/guarded/run.py`. `-I` keeps the product's root, this
folder, PYTHONPATH and the user site off the module path (a root `pytest.py` or
`sitecustomize.py` never loads). The tests run from a fresh copy of this folder, as the
package `guarded`, so the product's `tests/__init__.py` and `conftest.py` files are never
imported; pytest gets this folder's settings only (`guarded.ini`: no pytest.toml, pyproject or
PYTEST_ADDOPTS of the product's, no plugin but `enforce.py`).
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    os.environ.pop("PYTEST_ADDOPTS", None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with tempfile.TemporaryDirectory(prefix="guarded-tests-") as scratch:
        root = Path(scratch)
        copy = root / "guarded"
        shutil.copytree(here, copy, ignore=shutil.ignore_patterns("__pycache__", "run.py"))
        sys.path.insert(0, str(root))
        import pytest  # imported once the environment above is set

        args = ["-c", str(copy / "guarded.ini"), "--rootdir", str(root), "--noconftest"]
        return int(pytest.main([*args, "-p", "guarded.enforce", str(copy)]))


if __name__ == "__main__":
    sys.exit(main())
