"""Benchmark of `paved-road fleet` (issues 13 and 23).

Builds N local products (default 200) that look like a fleet: every product has its own name,
slug, package, description and owner; the products are spread over every combination of the
choice questions (tests/cases.py ALL_CASES); half are on the newest of 3 releases, the rest on
older ones; every seventh changed a guarded file (tampered). No two products share a render.

1. `fleet check` of the whole fleet, cold (empty cache: clones, renders, results), against
   one product's cold `paved-road drift`, in paired, interleaved rounds: the median of the
   per-round ratios, CPU seconds per product, and the peak memory of the process tree. Then a
   warm re-check of the unchanged fleet (every result reused).
2. With `--growth 50,200,1000`: the cold fleet check once per size, for how the cost grows.
3. The same fleet checked the way a team does today: `paved-road drift` once per product, in
   sequence (`--sequential K` times only, then extrapolated to N, and said so).
4. `fleet collect` over 10,000 drift report files (copies of the fleet's real reports) with
   every output (JSON, Markdown, HTML, Backstage). Goal: under 5 s.

`--compare DIR` also times every command with another checkout's `extensions/` first on the
Python path, in the same rounds and on the same fleet: `git archive main extensions | tar -x
-C /tmp/old` then `--compare /tmp/old` puts main's figures beside this checkout's.

The products are rendered by copier from the template's files at each release with the
compiled Jinja shared between them (drift's own render path, which tests hold byte for byte
equal to `copier copy`); the first product of each release is checked against a real `copier
copy` before the rest are built.

Run from the repo root: `python benchmarks/bench_fleet.py [--products 200] [--repeat 3]
[--sequential 5] [--reports 10000] [--jobs 2] [--growth 50,200] [--compare DIR]`. Develop with
`--products 12`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paved_road.drift.answers_file import Recorded
from paved_road.drift.rendering import copier_run, key, tree

from tests.cases import ALL_CASES
from tests.drift_support import flip_one_byte
from tests.fleet_support import release
from tests.support import commit_all, copy_product, git, snapshot_template, tool_env

BIN = Path(sys.executable).parent
RELEASES = ("v1.0.0", "v1.1.0", "v1.2.0")
GUARDED = ".pre-commit-config.yaml"


CODE: list[str] = []  # another checkout whose extensions/ the timed commands import (--compare)


def environment() -> dict[str, str]:
    env = tool_env(CI="", GITHUB_ACTIONS="")
    if CODE:
        env["PYTHONPATH"] = os.pathsep.join([f"{CODE[0]}/extensions", env.get("PYTHONPATH", "")])
    env.pop("PAVED_ROAD_CACHE_DIR", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(
                int(line.split()[1]) * 1024
                for line in status.splitlines()
                if line.startswith("VmRSS:")
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


CPU_SECONDS: list[float] = []  # CPU time (user + system) of each timed command, in order


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0, 1)) -> tuple[float, int]:
    """Wall time and peak resident memory of the command's process tree; its CPU time (which
    the load of a shared machine changes less than the wall time) goes to CPU_SECONDS."""
    cpu = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    CPU_SECONDS.append(_children_cpu() - cpu)
    if process.returncode not in ok:
        raise SystemExit(f"{cmd} exited {process.returncode}: {err[-2000:]}")
    return elapsed, peak


WORDS = (
    "amber", "birch", "cedar", "delta", "ember", "fjord", "gamma", "harbor", "indigo", "juniper",
    "kestrel", "lumen", "maple", "nimbus", "onyx", "pepper", "quartz", "raven", "sable", "tundra",
    "umber", "violet", "willow", "xenon", "yarrow", "zephyr",
)  # fmt: skip


def identity(number: int) -> dict[str, str]:
    """A product's own name, slug, package, description and owner."""
    word = WORDS[number % len(WORDS)]
    return {
        "product_name": f"{word.title()} Desk {number:04d}",
        "project_slug": f"{word}-desk-{number:04d}",
        "package_name": f"{word}_desk_{number:04d}",
        "description": f"Keeps the {word} ledgers of region {number % 17} in order.",
        "owner_team": f"{word}-team-{number % 11}",
    }


def release_of(number: int) -> str:
    """Half on the newest release, three in ten one behind, one in five two behind."""
    return RELEASES[2] if number % 10 < 5 else RELEASES[1] if number % 10 < 8 else RELEASES[0]


def _fast_copy(template: Path, tag: str, sha: str, answers: dict[str, str], dst: Path) -> None:
    """What `copier copy --vcs-ref TAG` writes, rendered by copier from the commit's files
    with compiled Jinja shared across products; the answers file then names the source and
    commit as copier's own copy does."""
    folder = tree.working_copy(str(template), tag, sha, dst.with_name(dst.name + ".template"))
    recorded = Recorded(src_path=str(template), commit=tag, answers=answers)
    scope = key.template_scope(str(template), sha)
    copier_run.copier_render(str(folder), None, dst, recorded=recorded, scope=scope)
    shutil.rmtree(folder)
    answers_file = dst / ".copier-answers.yml"
    text = answers_file.read_text(encoding="utf-8")
    text = text.replace(f"_src_path: {folder}\n", f"_commit: {tag}\n_src_path: {template}\n")
    answers_file.write_text(text, encoding="utf-8")


def _contents(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mode)
        for path in root.rglob("*")
        if path.is_file()
    }


def build(root: Path, count: int) -> tuple[Path, list[Path]]:
    """The template with three releases and `count` distinct products made from them."""
    template = snapshot_template(root / "template", tag=RELEASES[0])
    for tag in RELEASES[1:]:
        release(template, tag, f"(release {tag})")
    shas = {tag: git(template, "rev-parse", f"{tag}^{{commit}}").stdout.strip() for tag in RELEASES}
    combos = list(ALL_CASES.values())
    (root / "products").mkdir()
    checked: set[str] = set()
    products = []
    for number in range(count):
        tag = release_of(number)
        # 7 is coprime with the number of combinations: every one comes up.
        answers = {**combos[(number * 7) % len(combos)], **identity(number)}
        product = root / "products" / f"p{number:04d}"
        _fast_copy(template, tag, shas[tag], answers, product)
        if tag not in checked:  # the shortcut writes what copier copy writes
            real = root / f"real-{tag}"
            copy_product(template, real, answers, skip_tasks=True, vcs_ref=tag)
            assert _contents(real) == _contents(product), f"the shortcut differs at {tag}"
            shutil.rmtree(real)
            checked.add(tag)
        if number % 7 == 3:
            flip_one_byte(product / GUARDED)
        git(product, "init", "--quiet", "--initial-branch=main")
        commit_all(product, "product")
        products.append(product)
    return write_fleet(root / "fleet.yml", products), products


def count_fallbacks(products: list[Path]) -> None:
    """How many of the products drift's direct render (rendering/direct.py) rendered itself,
    and why copier had to render the others, in this process with this checkout's code."""
    from paved_road.drift import rendering  # noqa: PLC0415
    from paved_road.drift.answers_file import read_answers  # noqa: PLC0415
    from paved_road.drift.git_remote import remote_tags  # noqa: PLC0415
    from paved_road.drift.rendering import direct  # noqa: PLC0415

    rendering.clear_memory_cache()
    tags: dict[str, dict[str, str]] = {}
    started, cpu = time.perf_counter(), time.process_time()
    for product in products:
        recorded = read_answers(product)
        if recorded.src_path not in tags:
            tags[recorded.src_path] = remote_tags(recorded.src_path)
        rendering.render_as_asked(recorded, tags[recorded.src_path], None)
    cpu = time.process_time() - cpu
    reasons = sorted(set(direct.FALLBACKS))
    print(
        f"renders: {len(products) - len(direct.FALLBACKS)} of {len(products)} products by the "
        f"direct render, {len(direct.FALLBACKS)} by copier{': ' if reasons else ''}"
        f"{'; '.join(reasons)}; in one process {time.perf_counter() - started:.1f} s, "
        f"{cpu:.1f} s CPU ({1000 * cpu / len(products):.0f} ms CPU per product)\n"
    )
    rendering.clear_memory_cache()


def write_fleet(path: Path, products: list[Path]) -> Path:
    path.write_text(
        "products:\n"
        + "".join(
            f"  - repo: {product}\n    team: team-{index % 9}\n    tier: {1 + index % 3}\n"
            for index, product in enumerate(products)
        )
    )
    return path


def _cpu_ticks() -> list[int] | None:
    """The machine's CPU time so far (/proc/stat, in ticks), or None where there is none."""
    try:
        return [
            int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        ]
    except (OSError, ValueError):
        return None


def stolen_share(before: list[int] | None, after: list[int] | None) -> str:
    """How much of the CPU time the hypervisor gave to other machines (steal), a measure of
    how noisy the run's timings are."""
    if before is None or after is None or len(after) < 8:
        return "unknown"
    spent = [late - early for early, late in zip(before, after, strict=True)]
    return f"{100 * spent[7] / max(1, sum(spent[:8])):.0f}%"


def median(values: list[float]) -> float:
    return statistics.median(values)


def mib(value: float) -> str:
    return f"{value / 2**20:.0f} MiB"


def _use(code: str | None) -> str:
    CODE[:] = [code] if code else []
    return f"code of {code}" if code else "this checkout"


# Why no timed run follows the removal of an earlier run's cache: a cold fleet check of 200
# products creates about 25,000 inodes (blobs, snapshot and render folders), and removing that
# cache frees as many. This machine's ext4 has no journal, and then its inode allocator passes
# over every inode freed in the last minute (``recently_deleted``, up to five minutes while the
# inode table is not written back), reading the inode table to find each one: a run started
# right after the removal paid 30 to 60% more system CPU (docs/fleet.md, "How fast").
# No real cold run follows the mass removal of its own previous cache, so the caches of every
# round stay until the bench's folder is removed at the end (about 125 MiB each on disk).
def bench_check(root: Path, fleet: Path, products: list[Path], args) -> float:
    """Cold fleet check against one product's cold drift, in paired interleaved rounds (each
    round times every code variant: this checkout, and --compare's); then a warm re-check of
    the unchanged fleet, and a re-check after every product got a new commit that changes no
    file (its result is checked again, its render and overlay builds can be reused). Returns
    this checkout's median fleet seconds."""
    first, count = products[0], len(products)
    paved_road = str(BIN / "paved-road")
    # The scratch template stands in for the platform's: approved as CI approves that one.
    approve = ["--approved-source", str(root / "template")]
    variants = [None, *([args.compare] if args.compare else [])]
    runs: dict[str | None, dict[str, list[float]]] = {
        code: {name: [] for name in ("one", "whole", "one_mem", "whole_mem", "one_cpu", "cpu")}
        for code in variants
    }
    fleet_cmds = {}
    for round_number in range(args.repeat):
        for code in variants:
            _use(code)
            got = runs[code]
            cache = root / f"cache-{round_number}-{variants.index(code)}"
            seconds, peak = timed([paved_road, "drift", str(first), *approve], root)
            got["one"].append(seconds)
            got["one_mem"].append(peak)
            got["one_cpu"].append(CPU_SECONDS[-1])
            cmd = [paved_road, "fleet", "check", str(fleet), "--jobs", str(args.jobs), *approve]
            cmd += ["--cache-dir", str(cache), "--drift-dir", str(root / "reports")]
            seconds, peak = timed(cmd, root)
            got["cpu"].append(CPU_SECONDS[-1])
            got["whole"].append(seconds)
            got["whole_mem"].append(peak)
            fleet_cmds[code] = cmd
            # Kept until the bench ends, not removed before the next timed run: see above.
    print(f"1. cold, {args.repeat} paired interleaved rounds (--jobs {args.jobs}):")
    for code in variants:
        label, got = _use(code), runs[code]
        warm = [timed(fleet_cmds[code], root)[0] for _ in range(2)]  # the last cache: reused
        paired = median([w / o for w, o in zip(got["whole"], got["one"], strict=True)])
        paired_cpu = median([w / o for w, o in zip(got["cpu"], got["one_cpu"], strict=True)])
        cpu = median(got["cpu"])
        # CPU over wall: how many of the machine's cores the run kept busy on average (on a
        # shared machine, at most the share the others left it).
        busy = median([c / w for c, w in zip(got["cpu"], got["whole"], strict=True)])
        print(f"   {label}:")
        print(
            f"     one product, paved-road drift: {median(got['one']):7.2f} s  "
            f"{median(got['one_cpu']):.2f} s CPU  peak {mib(max(got['one_mem']))}"
        )
        print(
            f"     {count} products, fleet check: {median(got['whole']):7.2f} s  {cpu:.1f} s CPU "
            f"({cpu / count:.3f} s CPU per product)  peak {mib(max(got['whole_mem']))} "
            f"(all processes); {busy:.2f} cores busy on average"
        )
        print(
            f"     ratio fleet / one product: {paired:.1f}x wall, {paired_cpu:.1f}x CPU "
            "(paired medians)"
        )
        print(f"     warm re-check of the unchanged fleet: {median(warm):.2f} s (median of 2)")
    for product in products:  # what an hourly run meets: new commits, deploy/ untouched
        git(product, "commit", "--quiet", "--allow-empty", "--message", "a change")
    print("   re-check after a new commit in every product (no file changed), cache kept:")
    for code in variants:
        label = _use(code)
        seconds, _ = timed(fleet_cmds[code], root)
        cpu = CPU_SECONDS[-1]
        print(f"     {label}: {seconds:7.2f} s  {cpu:.1f} s CPU ({cpu / count:.3f} s per product)")
    _use(None)
    return median(runs[None]["whole"])


def bench_growth(root: Path, products: list[Path], sizes: list[int], args) -> None:
    """One cold fleet check per size (the first products of the fleet), per code variant."""
    paved_road = str(BIN / "paved-road")
    approve = ["--approved-source", str(root / "template")]
    print("2. growth, one cold fleet check per size:")
    for variant, code in enumerate([None, *([args.compare] if args.compare else [])]):
        print(f"   {_use(code)}:")
        for size in sizes:
            fleet = write_fleet(root / f"fleet-{size}.yml", products[:size])
            cache = root / f"cache-growth-{size}-{variant}"  # each cold: kept, never shared
            cmd = [paved_road, "fleet", "check", str(fleet), "--jobs", str(args.jobs), *approve]
            seconds, peak = timed([*cmd, "--cache-dir", str(cache)], root)
            cpu = CPU_SECONDS[-1]
            print(
                f"     {size:5d} products: {seconds:7.1f} s  {cpu:7.1f} s CPU  "
                f"({cpu / size:.3f} s CPU per product)  peak {mib(peak)}  "
                f"load average {os.getloadavg()[0]:.1f}"
            )  # kept until the bench ends, as in bench_check
    _use(None)


def bench_sequential(root: Path, products: list[Path], runs: int, fleet_seconds: float) -> None:
    started = time.perf_counter()
    for product in products[:runs]:
        approve = ["--approved-source", str(root / "template")]  # as in bench_check
        timed([str(BIN / "paved-road"), "drift", str(product), *approve], root)
    estimate = (time.perf_counter() - started) * len(products) / runs
    label = "" if runs == len(products) else f" (extrapolated from {runs} runs)"
    print(f"2. paved-road drift once per product, in sequence: {estimate:7.1f} s{label}")
    print(f"   ratio sequential / fleet check: {estimate / fleet_seconds:.1f}x\n")


def bench_collect(root: Path, reports: int, repeat: int) -> None:
    """`fleet collect` over `reports` files, copies of the fleet check's real drift reports."""
    sources = sorted((root / "reports").rglob("drift-report.json"))
    many = root / "many"
    for number in range(reports):
        target = many / f"product-{number:05d}" / "drift-report.json"
        target.parent.mkdir(parents=True)
        shutil.copyfile(sources[number % len(sources)], target)
    size = sum(path.stat().st_size for path in many.rglob("*.json"))
    cmd = [str(BIN / "paved-road"), "fleet", "collect", str(many)]
    for kind, name in (("json", "f.json"), ("markdown", "f.md"), ("html", "f.html")):
        cmd += [f"--{kind}", str(root / name)]
    cmd += ["--backstage", str(root / "facts.json")]
    runs = [timed(cmd, root) for _ in range(repeat)]
    cpu = median(CPU_SECONDS[-repeat:])
    assert json.loads((root / "f.json").read_text())["summary"]["products"] == reports
    print(f"3. fleet collect, {reports} reports ({mib(size)}), every output:")
    print(
        f"   {median([r[0] for r in runs]):.2f} s ({cpu:.2f} s of CPU), median of {repeat}; "
        f"peak {mib(max(r[1] for r in runs))}; dashboard {mib((root / 'f.html').stat().st_size)}"
    )
    print("   goal: under 5 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sequential", type=int, default=None, help="drift runs (default: N)")
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--growth", default="", help="sizes, e.g. 50,200,1000")
    parser.add_argument("--compare", default=None, help="also time this checkout's extensions/")
    args = parser.parse_args()
    args.compare = str(Path(args.compare).resolve()) if args.compare else None
    sizes = [int(size) for size in args.growth.split(",") if size]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} (shared with other work: figures are noisy)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as folder:
        root = Path(folder)
        started = time.perf_counter()
        fleet, products = build(root, max([args.products, *sizes]))
        fleet = write_fleet(fleet, products[: args.products])
        print(f"setup: {len(products)} products in {time.perf_counter() - started:.0f} s\n")
        count_fallbacks(products)
        ticks = _cpu_ticks()
        fleet_seconds = bench_check(root, fleet, products[: args.products], args)
        print(
            f"   CPU time stolen by the hypervisor meanwhile: {stolen_share(ticks, _cpu_ticks())}\n"
        )
        if sizes:
            bench_growth(root, products, sizes, args)
        runs = min(args.products if args.sequential is None else args.sequential, args.products)
        if runs:
            bench_sequential(root, products[: args.products], runs, fleet_seconds)
        if args.reports:
            bench_collect(root, args.reports, args.repeat)


if __name__ == "__main__":
    main()
