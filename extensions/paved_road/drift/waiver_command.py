"""``paved-road waiver sign``: the platform team signs a waiver for one product.

The output is the waiver's YAML entry with its ``signature``, ready to paste into the product's
``.paved-road/waivers.yml``. Only a key among the platform's allowed signers makes a waiver
count (drift/signatures.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import yaml

from .signatures import message, sign
from .waivers import Waiver


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "waiver",
        help="sign a waiver with the platform's key (platform team only)",
        description="Print a waiver entry for .paved-road/waivers.yml, signed with an SSH key "
        "of the platform (ssh-keygen -Y sign). Exit 2 on bad input.",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    sign = actions.add_parser("sign", help="print a signed waiver entry")
    sign.add_argument("--key", type=Path, required=True, help="the platform's private SSH key")
    sign.add_argument("--product", required=True, help="the product's repository, org/repo")
    sign.add_argument("--path", required=True, help="the guarded path the waiver covers")
    sign.add_argument("--part", help="only this guarded part of the file")
    sign.add_argument("--reason", required=True, help="why (a ticket and a sentence)")
    sign.add_argument("--approved-by", required=True, help="the platform team, e.g. @acme/platform")
    sign.add_argument("--approved-on", type=dt.date.fromisoformat, default=dt.date.today())
    sign.add_argument("--expires", type=dt.date.fromisoformat, required=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    waiver = Waiver(
        path=args.path,
        part=args.part,
        reason=args.reason,
        expires=args.expires,
        approved_by=args.approved_by,
        approved_on=args.approved_on,
    )
    if not args.key.is_file():
        print(
            f"paved-road waiver: --key {args.key} is not a file: name a private key",
            file=sys.stderr,
        )
        return 2
    try:
        signature = sign(message(args.product.lower(), waiver), args.key)
    except (OSError, ValueError) as error:
        print(f"paved-road waiver: {error}", file=sys.stderr)
        return 2
    entry = waiver.model_dump(mode="json", exclude_none=True) | {"signature": signature}
    sys.stdout.write(yaml.safe_dump([entry], sort_keys=False, allow_unicode=True))
    return 0
