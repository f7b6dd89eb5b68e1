"""The platform's probe of a product's served app against seeded code that undoes the guards
(issue 28, class 3; issue 18: anonymous writes).

Each attack is code a product team could commit to get a change out by Friday; each test
seeds one into a locked product, runs `paved-road probe` on it (the checker's own process,
`python -I`, nothing of the product on its path; the app in a process of its own), and sees
the probe name what was undone. The app runs from the product's `src/` in one environment
built once per run from the product's `uv.lock` (the probe's `--python`); CI's probe
job builds its own (tests/test_drift_hostile_ci.py runs that job's step).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.shared import built_once, digest, run_root
from tests.support import run, tool_env

pytestmark = pytest.mark.slow(reason="serves a product's app several times per test")

CHECKER = [sys.executable, "-I", "-m", "paved_road.cli"]
MAIN = "src/demo_shop/main.py"
ITEMS = "src/demo_shop/api/routes/items.py"
CONFIG = "src/demo_shop/core/config.py"
END_OF_CREATE_APP = "    install_security(app, settings)\n    return app\n"

# A pure ASGI middleware, added last (so it runs first), that strips the security headers
# everywhere but on the paths a known test looks at.
STRIP_HEADERS = """

class _QuietHeaders:
    KNOWN = {"/", "/healthz", "/readyz", "/api/items", "/api/items/1", "/openapi.json"}

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in self.KNOWN:
            return await self.app(scope, receive, send)

        async def quiet(message):
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, value) for name, value in message["headers"]
                    if name not in (b"content-security-policy", b"strict-transport-security")
                ]
            await send(message)

        return await self.app(scope, receive, quiet)
"""

LOOSER_LIMITS = """
from demo_shop.core import limits as _limits

_original_init = _limits.RequestLimitsMiddleware.__init__


def _roomy(self, app, **options):
    options["max_body_size"] = 1 << 40
    _original_init(self, app, **options)


_limits.RequestLimitsMiddleware.__init__ = _roomy
"""


def _replace(product: Path, path: str, old: str, new: str) -> None:
    file = product / path
    text = file.read_text()
    assert old in text, f"{path} no longer holds {old!r}: update the attack"
    file.write_text(text.replace(old, new, 1))


def _append(product: Path, path: str, text: str) -> None:
    file = product / path
    file.write_text(file.read_text() + text)


def drop_limits(product: Path) -> None:
    main = product / MAIN
    text, dropped = re.subn(
        r"    app\.add_middleware\(\n        RequestLimitsMiddleware,.*?\n    \)\n",
        "",
        main.read_text(),
        flags=re.DOTALL,
    )
    assert dropped == 1, f"{MAIN} no longer mounts RequestLimitsMiddleware so: update the attack"
    main.write_text(text)


def drop_security(product: Path) -> None:
    _replace(product, MAIN, END_OF_CREATE_APP, "    return app\n")


def cors_everywhere(product: Path) -> None:
    _replace(
        product, MAIN, END_OF_CREATE_APP, '    settings.cors_origins = ["*"]\n' + END_OF_CREATE_APP
    )


def no_refusal(product: Path) -> None:
    _replace(
        product, CONFIG, "        if not self.is_production_like:\n", "        if True:  # friday\n"
    )


def weaker_policy(product: Path) -> None:
    _append(
        product,
        ITEMS,
        "\nfrom demo_shop.core import security as _security\n\n"
        '_security.CONTENT_SECURITY_POLICY = "default-src *"\n',
    )


def constants_patched(product: Path) -> None:
    weaker_policy(product)
    _append(product, ITEMS, LOOSER_LIMITS)


def headers_where_tests_look(product: Path) -> None:
    _append(product, MAIN, STRIP_HEADERS)
    added = END_OF_CREATE_APP.replace(
        "    return app", "    app.add_middleware(_QuietHeaders)\n    return app"
    )
    _replace(product, MAIN, END_OF_CREATE_APP, added)


def public_writes(product: Path) -> None:
    _replace(product, ITEMS, "import Principal, requires", "import Principal, public, requires")
    _replace(
        product,
        ITEMS,
        'Writer = Annotated[Principal, requires("items:write")]',
        'Writer = Annotated[Principal, public("demo on friday")]',
    )


# name -> (how the product is changed, the FAIL line the probe prints)
ATTACKS = {
    "main.py drops the limits": (
        drop_limits,
        r"FAIL body limit: POST /\w+ of 1048577 bytes answered 404, not 413",
    ),
    "main.py drops the security middleware": (
        drop_security,
        r"FAIL security headers: content-security-policy missing or weakened on (\d+) of \1 ",
    ),
    "CORS defaults to '*' after the settings were checked": (
        cors_everywhere,
        r"FAIL CORS: (OPTIONS|GET) /\w+ from https://attacker\.paved-road\.invalid is allowed "
        r"\('\*'\)",
    ),
    "the insecure-secret refusal is disabled": (
        no_refusal,
        r"FAIL insecure settings: with no SECRET_KEY in production the app served requests",
    ),
    "security constants are monkeypatched": (
        constants_patched,
        r"FAIL security headers: content-security-policy missing or weakened on (\d+) of \1 "
        r"(.|\n)*FAIL body limit: POST /\w+ of 1048577 bytes answered 404, not 413",
    ),
    "headers stripped except on the known paths": (
        headers_where_tests_look,
        r"FAIL security headers: content-security-policy missing or weakened on (\d+) of "
        r"(?!\1 )\d+ answers \(e\.g\. \w+ /[0-9a-f]",
    ),
    "a write route declared public": (
        public_writes,
        r"FAIL anonymous write: POST /api/items without credentials answered \d+, not 401/403",
    ),
}


@pytest.fixture(scope="session")
def locked(renders, template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default product with its uv.lock (read it, copy it; never change it)."""
    return renders.pristine(template_repo, CHECK_CASES["default"], skip_tasks=False)


@pytest.fixture(scope="session")
def python(locked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of an environment built from the product's uv.lock as the probe builds it."""
    lock = (locked / "uv.lock").read_bytes()

    def build(target: Path) -> None:
        run(["uv", "sync", "--locked", "--no-dev", "--no-editable", "--compile-bytecode",
             "--quiet"], locked, UV_PROJECT_ENVIRONMENT=str(target))  # fmt: skip

    env = built_once(run_root(tmp_path_factory) / "probe-envs", digest(lock), build)
    return env / "bin" / "python"


def probe(product: Path, python: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHECKER, "probe", str(product), "--python", str(python)],
        cwd=product.parent,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_a_fresh_product_passes_every_probe(locked: Path, python: Path, tmp_path: Path) -> None:
    result = probe(locked, python)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "paved-road probe: 0 violation(s)" in result.stdout
    assert re.search(
        r"anonymous writes: [1-9]\d* write route\(s\) of the schema refused", result.stdout
    )
    assert "insecure settings: 3 start-ups tried" in result.stdout


@pytest.mark.parametrize("attack", ATTACKS)
def test_seeded_code_undoing_a_guard_is_caught(
    locked: Path, python: Path, tmp_path: Path, attack: str
) -> None:
    product = tmp_path / "product"
    shutil.copytree(locked, product, symlinks=True)
    seed, expected = ATTACKS[attack]
    seed(product)
    result = probe(product, python)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(expected, result.stdout), result.stdout


def test_a_product_without_sign_in_is_reported_as_such(
    renders, template_repo: Path, python: Path
) -> None:
    """auth=none: no write is refused, by design; the probe says so in its report."""
    product = renders.pristine(template_repo, CHECK_CASES["auth=none"])
    result = probe(product, python)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "paved-road probe: sign-in: none (auth=none): the product runs without sign-in; "
        "anyone who reaches it can change its data"
    ) in result.stdout
    assert "anonymous writes:" not in result.stdout


def test_a_product_the_probe_cannot_serve_cannot_pass(locked: Path, tmp_path: Path) -> None:
    """No image command to serve with: exit 2 and one line, before anything is built."""
    product = tmp_path / "product"
    shutil.copytree(locked, product, symlinks=True)
    dockerfile = product / "Dockerfile"
    dockerfile.write_text(
        "".join(line for line in dockerfile.read_text().splitlines(True) if "CMD [" not in line)
    )
    result = probe(product, tmp_path / "no-python-needed")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (
        'paved-road probe: cannot probe: Dockerfile has no CMD ["uvicorn", ...]: restore it\n'
    )


def test_outside_a_product_the_probe_says_what_to_fix(tmp_path: Path) -> None:
    result = probe(tmp_path, tmp_path / "no-python-needed")
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert (
        line == "paved-road probe: cannot probe: no .copier-answers.yml: run it in a product's root"
    )
    assert result.stdout == ""
