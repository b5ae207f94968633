"""Cold import time of each Lambda handler module, in fresh interpreters, beside Cloud
Custodian's Lambda handler (`c7n.handler`) installed from PyPI in its own virtual environment.

    uv run python -m bench.cold_import [--runs 15] [--no-peer]

Each run starts a new Python (bytecode caches warm, as in a Lambda image) and times the handler
module's import alone. Prints min / median / max in milliseconds.
"""

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
HANDLERS = ("handlers.evaluator",)
PEER = ("c7n", "0.9.53", "c7n.handler")  # PyPI package, version, handler module
PEER_VENV = ROOT / ".bench" / "c7n"
PROBE = (
    "import time, importlib, sys; t = time.perf_counter(); importlib.import_module(sys.argv[1]);"
    " print((time.perf_counter() - t) * 1000)"
)


def measure(python: str, module: str, runs: int, pythonpath: str = "") -> list[float]:
    timings = []
    for _ in range(runs + 1):  # the first run writes bytecode caches: not counted
        out = subprocess.run(
            [python, "-c", PROBE, module],
            check=True,
            capture_output=True,
            text=True,
            env={"PYTHONPATH": pythonpath, "PATH": ""},
        )
        timings.append(float(out.stdout.strip()))
    return timings[1:]


def peer_python() -> str:
    """The peer in its own virtual environment (it pins its own boto3), made with uv."""
    package, version, _ = PEER
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"installing {package}=={version} into {PEER_VENV} ...", file=sys.stderr)
        subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(PEER_VENV)], check=True)
        subprocess.run(
            ["uv", "pip", "install", "-q", "--python", str(python), f"{package}=={version}"],
            check=True,
        )
    return str(python)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-peer", action="store_true", help="skip Cloud Custodian")
    args = parser.parse_args()
    rows = [(module, measure(sys.executable, module, args.runs, str(SRC))) for module in HANDLERS]
    if not args.no_peer:
        rows.append((f"{PEER[2]} ({PEER[1]})", measure(peer_python(), PEER[2], args.runs)))
    print(f"Python {sys.version.split()[0]}, {args.runs} fresh interpreters per module")
    print(f"{'module':<24} {'min ms':>8} {'median ms':>10} {'max ms':>8}")
    for module, t in rows:
        print(f"{module:<24} {min(t):>8.1f} {statistics.median(t):>10.1f} {max(t):>8.1f}")


if __name__ == "__main__":
    main()
