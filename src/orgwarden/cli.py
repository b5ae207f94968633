"""The `orgwarden` command line."""

import argparse
import sys


def parser() -> argparse.ArgumentParser:
    from orgwarden import audit_cli  # noqa: PLC0415 - loads the catalogue only when run

    found = argparse.ArgumentParser(prog="orgwarden", description=__doc__)
    commands = found.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo",
        help="run public-bucket incidents end to end in a simulated organization (no AWS account)",
    )
    audit_cli.add_parser(commands)
    return found


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "demo":
        from orgwarden.demo import run  # noqa: PLC0415 - loads moto only when asked

        return run()
    from orgwarden import audit_cli  # noqa: PLC0415

    return audit_cli.run(args, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
