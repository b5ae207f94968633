"""The peer, Cloud Custodian, installed from PyPI into its own virtual environment with uv (it
pins its own boto3), and a way to run `bench.custodian_driver` there."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PEER = ("c7n", "0.9.53", "c7n.handler")  # PyPI package, version, Lambda handler module
PEER_VENV = ROOT / ".bench" / "c7n"
DRIVER = Path(__file__).with_name("custodian_driver.py")
NOT_INSTALLED = "not installed"


def installed() -> bool:
    return (PEER_VENV / "bin" / "python").exists()


def peer_python() -> str:
    """The peer's interpreter, installing the peer first if it is missing."""
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


def available(quick: bool) -> str | None:
    """The peer's interpreter for a benchmark run: a full run installs the peer, a quick
    (smoke) run uses it only when it is already there. None: not installed."""
    if quick and not installed():
        return None
    return peer_python()


def version() -> str:
    if not installed():
        return NOT_INSTALLED
    out = subprocess.run(
        [str(PEER_VENV / "bin" / "python"), "-c", "import c7n.version; print(c7n.version.version)"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def driver_env(aws: dict[str, str]) -> dict[str, str]:
    """The driver's environment: the given AWS_* settings (endpoint, the central account's
    credentials, region), and nothing else of ours."""
    env = {k: v for k, v in aws.items() if k.startswith("AWS_")}
    return env | {"PATH": os.environ.get("PATH", ""), "HOME": str(Path.home())}


def run_driver(python: str, job: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Run the Custodian driver on a job in a fresh peer interpreter; its JSON answer."""
    with tempfile.TemporaryDirectory(prefix="c7n-bench-") as workdir:
        job = {**job, "workdir": workdir}
        path = Path(workdir) / "job.json"
        path.write_text(json.dumps(job, default=str))
        out = subprocess.run(
            [python, str(DRIVER), str(path)],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            cwd=workdir,
        )
    if out.returncode != 0:
        raise RuntimeError(f"Cloud Custodian driver failed:\n{out.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer
