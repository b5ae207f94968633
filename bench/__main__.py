"""Run the benchmark suite: one table on the terminal and in docs/benchmarks.md.

    uv run python -m bench [--quick] [--only NAME ...] [--out PATH]

Every benchmark module exposes `rows(quick)`; they run one after the other (each says when it
starts and how long it took) and their rows make one table, printed and written as Markdown with
the command, the date, the machine and each row's note. `--quick` shrinks every workload (a
smoke run, not figures to quote). A partial run (`--quick` or `--only`) leaves
docs/benchmarks.md alone unless `--out` is given.
"""

import argparse
import importlib
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import peer
from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "benchmarks.md"
# In table order; `bench.sweep_org` and `bench.load` are run when they are there.
DEFAULT = ("cold_import", "api_calls", "event_rate", "memory", "sweep_org", "load")
ON_REQUEST = ("evidence_query",)  # too slow for every run: only with --only


@dataclass(frozen=True)
class Result:
    name: str
    rows: list[Row]
    seconds: float
    error: str | None = None


def rows_of(name: str, quick: bool) -> list[Row]:
    """A benchmark's rows, from a fresh Python: each benchmark starts clean (moto keeps its state
    per process, the call counters patch botocore, the measured handler reads the environment).
    Its progress goes to stderr as it runs."""
    out = subprocess.run(
        [sys.executable, "-m", "bench", "--rows-of", name, *(["--quick"] if quick else [])],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    return [Row(**row) for row in json.loads(out.stdout.strip().splitlines()[-1])]


def run(names: Sequence[str], quick: bool, console: Console) -> list[Result]:
    results = []
    for number, name in enumerate(names, 1):
        if importlib.util.find_spec(f"bench.{name}") is None:
            console.print(f"[yellow]bench.{name} is not there: skipped[/]")
            continue
        console.print(f"[bold][{number}/{len(names)}] {name}[/] ...")
        started = time.perf_counter()
        try:
            found = rows_of(name, quick)
        except subprocess.CalledProcessError as error:
            seconds = time.perf_counter() - started
            results.append(Result(name, [], seconds, f"exited with status {error.returncode}"))
            console.print(f"[red][{number}/{len(names)}] {name} failed after {seconds:.0f} s[/]")
            continue
        seconds = time.perf_counter() - started
        results.append(Result(name, found, seconds))
        console.print(f"[{number}/{len(names)}] {name} done in {seconds:.0f} s")
    return results


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [
            line for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        cpu = models[0].split(":", 1)[1].strip() if models else cpu
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total = int(meminfo.read_text().split()[1])
        memory = f"{total / 2**20:.1f} GiB"
    return {
        "Cores": f"{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)",
        "CPU": cpu,
        "Memory": memory,
        "OS": platform.platform(),
        "Python": sys.version.split()[0],
        "moto": metadata.version("moto"),
        "boto3 / botocore (orgwarden)": f"{metadata.version('boto3')} / "
        f"{metadata.version('botocore')}",
        "Cloud Custodian (c7n)": peer.version(),
    }


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def table(results: list[Result]) -> Table:
    shown = Table(title="orgwarden benchmarks", show_lines=True)
    for column in ("Measure", "orgwarden", f"Cloud Custodian {peer.PEER[1]}", "Target", "Met"):
        shown.add_column(column)
    for result in results:
        for row in result.rows:
            shown.add_row(row.measure, row.orgwarden, row.peer, row.target, row.verdict)
        if result.error:
            shown.add_row(f"{result.name}: failed", result.error[:200], "", "", "")
    return shown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: list[Result], command: str, started: datetime, facts: dict[str, str]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Produced by the benchmark suite (`bench/`); rerun it with the command below. Figures "
        "are from one run on one machine: orgwarden and Cloud Custodian side by side in the same "
        "run, each peer installed from PyPI in its own virtual environment. Tests never assert "
        "these figures; a missed target says why in its note.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Run started {started.strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        "| Machine | |",
        "| --- | --- |",
        *(f"| {key} | {_cell(value)} |" for key, value in facts.items()),
        "",
        f"| Measure | orgwarden | Cloud Custodian {peer.PEER[1]} | Target | Met |",
        "| --- | --- | --- | --- | --- |",
    ]
    notes = []
    for result in results:
        for row in result.rows:
            number = len(notes) + 1
            lines.append(
                f"| {_cell(row.measure)} [{number}] | {_cell(row.orgwarden)} | {_cell(row.peer)} "
                f"| {_cell(row.target)} | {row.verdict} |"
            )
            notes.append(
                f"{number}. **{row.measure}** ({result.name}, {result.seconds:.0f} s "
                f"for the module). {row.note}"
            )
        if result.error:
            lines.append(f"| {result.name}: failed | {_cell(result.error)} | | | |")
    lines += ["", "## Notes", "", *notes, ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny workloads (a smoke run)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        choices=DEFAULT + ON_REQUEST,
        help="run only these benchmarks",
    )
    parser.add_argument("--out", type=Path, help=f"where to write the table (default {DOCUMENT})")
    parser.add_argument("--rows-of", help=argparse.SUPPRESS)  # one benchmark, rows as JSON
    args = parser.parse_args(argv)
    if args.rows_of:
        found = importlib.import_module(f"bench.{args.rows_of}").rows(quick=args.quick)
        print(json.dumps([asdict(row) for row in found]))
        return 0
    names = args.only or DEFAULT
    console = Console(stderr=True)
    given = list(sys.argv[1:] if argv is None else argv)
    command = shlex.join(["uv", "run", "python", "-m", "bench", *given])
    started = datetime.now(UTC)
    facts = machine() | {"Load average at start (1/5/15 min)": load()}
    results = run(names, args.quick, console)
    facts["Load average at end (1/5/15 min)"] = load()
    Console().print(table(results))
    out = args.out or (None if args.quick or args.only else DOCUMENT)
    if out:
        out.write_text(markdown(results, command, started, facts))
        console.print(f"wrote {out}")
    else:
        console.print(f"partial run: {DOCUMENT.relative_to(ROOT)} left as it is (--out writes)")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
