"""The run's bytecode reaches every venv uv makes afterwards, and is used only where valid."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from tests import bytecode
from tests.support import tool_env

MODULE = "def fail():\n    raise RuntimeError('from shared')\n"


def _wheel(folder: Path) -> Path:
    """A one-module wheel, built by hand (no build backend, no index)."""
    wheel = folder / "tiny-1.0-py3-none-any.whl"
    files = {
        "tiny.py": MODULE,
        "tiny-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n",
        "tiny-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = "".join(f"{name},,\n" for name in files) + "tiny-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in {**files, "tiny-1.0.dist-info/RECORD": record}.items():
            archive.writestr(name, text)
    return wheel


def _venv(folder: Path, wheel: Path, cache: Path) -> Path:
    env = tool_env(UV_CACHE_DIR=str(cache))
    for command in (
        ["uv", "venv", "--quiet", "--python", "3.11", str(folder)],
        ["uv", "pip", "install", "--quiet", "--offline", "--python", str(folder), str(wheel)],
    ):
        subprocess.run(command, env=env, check=True, capture_output=True)
    return folder


def _python(venv: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_published_venvs_bytecode_is_linked_into_the_next_venv_and_used(tmp_path: Path) -> None:
    cache, wheel = tmp_path / "uv-cache", _wheel(tmp_path)
    first = _venv(tmp_path / "first", wheel, cache)
    assert _python(first, "import tiny").returncode == 0  # compiles tiny's bytecode in `first`
    assert bytecode.publish(first, cache) == 1
    assert bytecode.publish(first, cache) == 0  # already there

    second = _venv(tmp_path / "second", wheel, cache)
    [compiled] = second.glob("lib/python*/site-packages/__pycache__/tiny.*.pyc")
    [published] = first.glob("lib/python*/site-packages/__pycache__/tiny.*.pyc")
    assert compiled.stat().st_ino == published.stat().st_ino  # one file, linked, not compiled
    # Python loads it (it would rewrite a stale one, a new inode) and names second's own source
    # in a traceback, not the path it was compiled at.
    failed = _python(second, "import tiny; tiny.fail()")
    assert 'second/lib/python3.11/site-packages/tiny.py", line 2, in fail' in failed.stderr
    assert "first/" not in failed.stderr
    assert compiled.stat().st_ino == published.stat().st_ino


def test_a_changed_source_is_compiled_again_not_read_from_the_published_bytecode(
    tmp_path: Path,
) -> None:
    cache, wheel = tmp_path / "uv-cache", _wheel(tmp_path)
    first = _venv(tmp_path / "first", wheel, cache)
    assert _python(first, "import tiny").returncode == 0
    bytecode.publish(first, cache)
    second = _venv(tmp_path / "second", wheel, cache)
    [source] = second.glob("lib/python*/site-packages/tiny.py")
    source.unlink()  # an engineer's edit replaces the file (a new inode, new size and mtime)
    source.write_text(MODULE.replace("from shared", "edited here") + "\n")
    failed = _python(second, "import tiny; tiny.fail()")
    assert "RuntimeError: edited here" in failed.stderr
