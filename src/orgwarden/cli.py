"""The `orgwarden` command line."""

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="orgwarden", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo",
        help="run a public-bucket incident end to end in a simulated organization (no AWS account)",
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        from orgwarden.demo import run  # noqa: PLC0415 - loads moto only when asked

        return run()
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
