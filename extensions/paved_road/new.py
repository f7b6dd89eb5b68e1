"""``paved-road new DEST``: create a product, or refuse in one line before anything is written.

Copier alone answers some bad input with a traceback, or after it has written half a product
(a non-empty destination under ``--defaults``). This command checks what it can first: the
answers (with the same model the template's validators use), the destination, the template
and any data file. Only then does it call copier, commits what it wrote (new_finish.py), runs
``make setup``, and ends with what to type next.

Exit 0: created (and set up); 1: created, but the commit or ``make setup`` failed; 2: refused,
nothing written; 130: cancelled (Ctrl-C), nothing written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .answers import AnswerError, answers_from_data, shown
from .destination import DestinationError, check_destination
from .new_finish import CommitFailed, first_commit, next_steps
from .one_line import shown_path

# The template this package was installed from, when it runs from a checkout of the template.
CHECKOUT = Path(__file__).resolve().parents[2]
_REMOTE_PREFIXES = ("https://", "http://", "ssh://", "git@", "git+", "gh:", "gl:", "file://")


class Refused(Exception):
    """Bad input: the message is one line that says what to fix."""


class Cancelled(Exception):
    """Ctrl-C before the product was written in full."""


CANCELLED = 130  # the shell's code for a command stopped by SIGINT


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "new",
        help="create a product from the template (checks every answer first)",
        description="Check the answers, the destination, the template and any data file; then "
        "run copier, commit the product and run `make setup`. Exit 0: created; 1: created, but "
        "the commit or `make setup` failed; 2: refused, nothing written; 130: cancelled "
        "(Ctrl-C), nothing written.",
    )
    parser.add_argument("destination", type=Path, help="a new or empty folder for the product")
    parser.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="QUESTION=ANSWER",
        help="answer a question (repeatable; overrides --data-file)",
    )
    parser.add_argument(
        "--data-file", type=Path, metavar="FILE", help="a YAML file mapping questions to answers"
    )
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="ask nothing: take the default of every question not answered (needs product_name)",
    )
    parser.add_argument(
        "--template",
        metavar="PATH_OR_URL",
        help="the template (default: the checkout this command runs from)",
    )
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help="template tag or commit (default: the newest release tag; HEAD for a checkout's "
        "current state)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="write into a non-empty destination, replacing files the template also has",
    )
    parser.add_argument("--no-setup", action="store_true", help="skip `make setup` afterwards")

    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    destination: Path = args.destination
    # What the destination held before copier ran (None: not checked yet, so Ctrl-C leaves it
    # alone; True: absent or empty, so whatever is there after Ctrl-C is copier's).
    was_empty: bool | None = None
    existed = False
    try:
        template = template_source(args.template)
        _check_ref(template, args.vcs_ref)
        answers = given_answers(args.data_file, args.data)
        check_interaction(answers, defaults=args.defaults)
        check_destination(destination, overwrite=args.overwrite)
        existed = destination.exists()
        was_empty = not existed or not any(destination.iterdir())
        _find_uv()
        _copy(template, args, answers)
    except (Refused, DestinationError) as refusal:
        print(f"paved-road new: {refusal}", file=sys.stderr)
        return 2
    except (Cancelled, KeyboardInterrupt):
        if was_empty is False:  # --overwrite: the folder's own files are never touched
            print(f"paved-road new: cancelled; {destination} may hold part of the product's "
                  "files", file=sys.stderr)  # fmt: skip
            return CANCELLED
        if was_empty:
            _empty(destination, remove=not existed)
        print("paved-road new: cancelled, nothing written", file=sys.stderr)
        return CANCELLED
    return _finish(destination, set_up=not args.no_setup)


def _empty(destination: Path, *, remove: bool) -> None:
    """Take away what copier wrote before Ctrl-C (it was absent or empty before)."""
    if remove:
        shutil.rmtree(destination, ignore_errors=True)
    elif destination.is_dir():
        for child in destination.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def _finish(destination: Path, *, set_up: bool) -> int:
    """Commit, set up, and say what to do next. Created is created: a failure from here on is
    exit 1 with what to do, and the product stays."""
    code = 0
    try:
        print(first_commit(destination, _product_name(destination)))
    except CommitFailed as failure:
        print(f"paved-road new: created {destination}, but git could not commit it ({failure}): "
              "commit it yourself", file=sys.stderr)  # fmt: skip
        code = 1
    if set_up:
        try:
            code = _setup(destination) or code
        except KeyboardInterrupt:
            print(f"paved-road new: setup cancelled; {destination} is created: run `make setup` "
                  "there", file=sys.stderr)  # fmt: skip
            return CANCELLED
    if code == 0:
        print("\n".join(next_steps(destination, set_up=set_up)))
    return code


def _product_name(destination: Path) -> str:
    """The product's name from its answers file (the prompt may have asked for it)."""
    import yaml  # noqa: PLC0415 - only once a product exists

    try:
        recorded = yaml.safe_load((destination / ".copier-answers.yml").read_text("utf-8"))
    except (OSError, yaml.YAMLError):
        recorded = None
    name = recorded.get("product_name") if isinstance(recorded, dict) else None
    return str(name) if name else "the product"


# --- the template --------------------------------------------------------------------------


def template_source(given: str | None) -> str:
    if given is None:
        if not (CHECKOUT / "copier.yml").is_file():
            raise Refused("no template here: pass --template PATH_OR_URL")
        return str(CHECKOUT)
    if given.startswith(_REMOTE_PREFIXES):
        return given  # copier clones it; a wrong URL is reported by the copy step
    path = Path(given).expanduser()
    if not path.exists():
        raise Refused(f"template {given} does not exist")
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        raise Refused(f"template {given} is not a copier template (it has no copier.yml)")
    return str(path.resolve())


def _check_ref(template: str, ref: str | None) -> None:
    """A local template's --vcs-ref is checked before anything is written (a remote one when
    copier clones it): copier itself would end in a traceback."""
    if ref is None or ref == "HEAD" or template.startswith(_REMOTE_PREFIXES):
        return
    if ref.startswith("-"):
        raise Refused(f"--vcs-ref {shown(ref, 20)} is not a tag, branch or commit")
    repository = subprocess.run(
        ["git", "-C", template, "rev-parse", "--git-dir"], capture_output=True, check=False
    )
    if repository.returncode != 0:
        return  # not a git repository: copier renders the folder as it is, whatever the ref
    found = subprocess.run(
        ["git", "-C", template, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if found.returncode != 0:
        raise Refused(f"--vcs-ref {shown(ref, 20)} is not a tag, branch or commit")


# --- the answers ---------------------------------------------------------------------------


# What a refusal line may use after "paved-road new: ".
WIDTH = 80 - len("paved-road new: ")


def given_answers(data_file: Path | None, data: list[str]) -> dict[str, Any]:
    answers, typed = _read_data_file(data_file) if data_file else ({}, {})
    try:
        return answers_from_data(data, answers, width=WIDTH, typed=typed)
    except AnswerError as error:
        raise Refused(str(error)) from None


def _read_data_file(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The data file's answers, and the text typed for those YAML read as non-strings."""
    from . import yaml_file  # noqa: PLC0415 - only data files need it (and PyYAML)

    name = f"data file {shown_path(path)}"
    if not path.exists():
        raise Refused(f"{name} does not exist")
    if not path.is_file():
        raise Refused(f"{name} is not a file")
    try:
        # Bounded (size, nesting, aliases), with the line of an impossible date or a typo.
        loaded = yaml_file.load(path, name)
    except yaml_file.FileProblem as problem:
        raise Refused(str(problem)) from None
    if loaded is None:
        return {}, {}
    if not isinstance(loaded, dict):
        raise Refused(f"{name} must map questions to answers (QUESTION: ANSWER)")
    answers = {str(key): value for key, value in loaded.items()}
    texts = yaml_file.typed_texts(path.read_bytes())
    typed = {
        key: texts[key]
        for key, value in answers.items()
        if key in texts and not isinstance(value, str)
    }
    return answers, typed


def check_interaction(answers: dict[str, Any], *, defaults: bool) -> None:
    if defaults and "product_name" not in answers:
        raise Refused("--defaults needs a product name: add -d product_name='Shop'")
    if not defaults and not sys.stdin.isatty():
        raise Refused("no terminal to ask the questions on: pass --defaults and --data")


# --- copier, then make setup ----------------------------------------------------------------


def _find_uv() -> None:
    """The template's task runs `uv lock`; a uv installed beside this command counts."""
    if shutil.which("uv"):
        return
    beside = Path(sys.executable).parent
    if not (beside / "uv").is_file():
        raise Refused("uv is not installed (the template needs it): pip install uv")
    os.environ["PATH"] = f"{beside}{os.pathsep}{os.environ.get('PATH', '')}"


def _copy(template: str, args: argparse.Namespace, answers: dict[str, Any]) -> None:
    from copier.errors import CopierAnswersInterrupt, CopierError, UserMessageError  # noqa: PLC0415
    from plumbum import ProcessExecutionError, local  # noqa: PLC0415 - copier's process layer

    from .copier_worker import run_copy  # noqa: PLC0415 - imports copier: about 0.6 s

    try:
        # Copier's tasks run with plumbum's copy of the environment, taken when plumbum was
        # first imported: hand it the environment as it is now (PATH may have gained uv).
        with local.env(**os.environ):
            run_copy(
                template,
                args.destination,
                data=answers,
                vcs_ref=args.vcs_ref,
                defaults=args.defaults,
                overwrite=args.overwrite,
                unsafe=True,  # the template's own extensions and its `uv lock` task
                quiet=True,  # the list of files and copier's own next steps: new says its own
            )
    except (CopierAnswersInterrupt, KeyboardInterrupt):
        # Before CopierError: copier's interrupt is one, and its text is an AnswersMap repr.
        raise Cancelled from None
    except UserMessageError as error:
        raise Refused(str(error).strip().splitlines()[-1]) from None
    except ValueError as error:
        if not str(error).startswith("Unknown revision"):
            raise
        raise Refused(
            f"--vcs-ref {shown(args.vcs_ref, 20)} is not a tag, branch or commit"
        ) from None
    except ProcessExecutionError as error:
        lines = [line.strip() for line in str(error.stderr).splitlines() if line.strip()]
        fatal = next(
            (line for line in lines if line.startswith("fatal:")), lines[0] if lines else ""
        )
        raise Refused(f"template {template}: git says {fatal[:200] or 'it failed'}") from None
    except (CopierError, OSError) as error:
        lines = str(error).strip().splitlines() or [type(error).__name__]
        raise Refused(f"copier stopped: {lines[-1].strip()[:200]}") from None


def _setup(destination: Path) -> int:
    try:
        result = subprocess.run(["make", "setup"], cwd=destination, check=False)
    except FileNotFoundError:
        print("paved-road new: created, but make is not installed: run the setup steps of "
              f"{destination}/README.md by hand", file=sys.stderr)  # fmt: skip
        return 1
    if result.returncode != 0:
        print(f"paved-road new: created {destination}, but `make setup` failed (exit "
              f"{result.returncode}): fix what it printed, then run it again there",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0
