"""Peak memory of the evaluator handling a batch of 10 mixed events, and the deployment package
of each function.

    uv run python -m bench.memory [--no-build]

Memory: a simulated organization on moto's server; ten changes of different kinds (public and
deny-only bucket policies, new buckets, IMDSv1 instances, root sign-ins, an unencrypted volume,
a bucket's encryption removed, a GuardDuty finding) go through the template's rules into the
queue, and one SQS batch of ten goes to the real handler in a fresh Python. Two fresh processes,
each with its own batch: one under tracemalloc (the peak of Python's own allocations, imports
included), one without it (the process's peak resident set, VmHWM: the interpreter, native
libraries and all, which is what Lambda's memory size must hold; `ru_maxrss` would be wrong here,
as Linux carries it over from the parent across fork and exec).

Package: `sam build` (the template's python3.13 build, as `./dev test` runs it) into
`.aws-sam/build`; per function the size on disk and zipped. Without building (`--no-build`, or a
quick run) an existing `.aws-sam/build` is measured, if there is one.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / ".aws-sam" / "build"
SAM_CLI = "aws-sam-cli==1.170.0"  # as scripts/check-templates
TARGET_MB = 128
BATCH = """
import json, sys
if sys.argv[2] == "tracemalloc":
    import tracemalloc
    tracemalloc.start()
from handlers.evaluator import handler
from bench.lambda_context import Context

batch = json.load(open(sys.argv[1]))
answer = handler(batch, Context())
found = {"records": len(batch["Records"]), "failures": len(answer["batchItemFailures"])}
if sys.argv[2] == "tracemalloc":
    found["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
# The peak resident set of this process image. Not ru_maxrss: Linux carries it over from the
# parent at fork and exec, so a child of a big process reports the parent's peak.
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
found["peak_rss"] = int(status["VmHWM"].split()[0]) * 1024
print(json.dumps(found))
"""


def mixed_events(sim: Any, tag: str, quick: bool = False) -> list[dict[str, Any]]:
    """Ten changes in one member account, and CloudTrail's (or GuardDuty's) event for each;
    quick: three of them (a bucket policy, a sign-in, a GuardDuty finding)."""
    from orgwarden_harness.demo import (  # noqa: PLC0415 - imports moto's helpers
        deny_insecure_transport_policy,
        make_drift,
        public_read_policy,
    )
    from orgwarden_harness.incidents import (  # noqa: PLC0415
        guardduty_finding_event,
        instance_resource,
        root_signin_event,
    )
    from orgwarden_harness.instance_drift import launch_instance  # noqa: PLC0415
    from orgwarden_harness.simulated_drift import (  # noqa: PLC0415
        create_bucket,
        create_unencrypted_volume,
        delete_bucket_default_encryption,
    )

    name = "payments-prod"
    account = sim.accounts[name].account_id
    bucket = f"mem-{tag}-{{}}-{account}"
    imdsv1 = {"HttpTokens": "optional", "HttpEndpoint": "enabled"}
    instance, run_instances = launch_instance(sim, name, metadata_options=imdsv1)
    finding = guardduty_finding_event(
        account, "CryptoCurrency:EC2/BitcoinTool.B!DNS", instance_resource(instance)
    )
    if quick:
        public = bucket.format("public")
        drift = make_drift(sim, name, public, public_read_policy(public))
        return [drift, root_signin_event(account), finding]
    return [
        make_drift(sim, name, bucket.format("public"), public_read_policy(bucket.format("public"))),
        make_drift(
            sim, name, bucket.format("tls"), deny_insecure_transport_policy(bucket.format("tls"))
        ),
        create_bucket(sim, account, bucket.format("new-a")),
        create_bucket(sim, account, bucket.format("new-b")),
        run_instances,
        launch_instance(sim, name, metadata_options=imdsv1)[1],
        root_signin_event(account),
        create_unencrypted_volume(sim, account)[1],
        delete_bucket_default_encryption(sim, account, bucket.format("unencrypted")),
        finding,
    ]


ENFORCED = (
    "s3_bucket_public_access",
    "s3_bucket_block_public_access",
    "s3_bucket_default_encryption",
    "s3_bucket_required_tags",
    "ec2_instance_imdsv2_required",
    "ec2_instance_required_tags",
)


def measure_batches(sim: Any, quick: bool = False) -> dict[str, Any]:
    """Peak memory of two fresh evaluator processes (under tracemalloc, and not), each handling
    its own batch of ten events in the simulated organization (quick: one process, not traced,
    three events)."""
    from bench.organization import child_environment, queued  # noqa: PLC0415 - imports moto
    from orgwarden_harness.simulation import HOME_REGION, QUEUE_NAME, sqs_record  # noqa: PLC0415

    found = {}
    env = child_environment(sim, dict.fromkeys(ENFORCED, "enforce"))
    queue_arn = f"arn:aws:sqs:{HOME_REGION}:{sim.tooling.account_id}:{QUEUE_NAME}"
    with tempfile.TemporaryDirectory(prefix="memory-") as workdir:
        for mode in ("rss",) if quick else ("tracemalloc", "rss"):
            events = mixed_events(sim, f"{mode[:3]}{os.urandom(2).hex()}", quick)
            messages = queued(sim, events)
            path = Path(workdir) / f"{mode}.json"
            path.write_text(json.dumps({"Records": [sqs_record(m, queue_arn) for m in messages]}))
            out = subprocess.run(
                [sys.executable, "-c", BATCH, str(path), mode],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            found[mode] = json.loads(out.stdout.strip().splitlines()[-1])
            sqs = sim.session(sim.tooling.account_id).client("sqs")
            for message in messages:  # handled: as Lambda's event source mapping would
                sqs.delete_message(QueueUrl=sim.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def build() -> None:
    """`sam build` as scripts/check-templates runs it (needs python3.13 with pip on PATH)."""
    python = subprocess.run(
        [str(ROOT / "scripts" / "find-python313")], check=True, capture_output=True, text=True
    ).stdout.strip()
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    env["PATH"] = f"{Path(python).parent}:{env.get('PATH', '')}"
    command = ["uvx", "--python", python, "--from", SAM_CLI, "sam", "build"]
    subprocess.run(
        [*command, "--template", "template.yaml", "--build-dir", str(BUILD_DIR)],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env=env,
    )


def package_sizes(build_dir: Path = BUILD_DIR) -> dict[str, tuple[int, int]]:
    """Per function in a `sam build` output: (bytes on disk, bytes zipped)."""
    sizes = {}
    for function in sorted(p for p in build_dir.iterdir() if p.is_dir()):
        files = [f for f in function.rglob("*") if f.is_file()]
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for file in files:
                zipped.write(file, file.relative_to(function))
        sizes[function.name] = (sum(f.stat().st_size for f in files), archive.tell())
    return sizes


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f}"


def rows(quick: bool = False, build_package: bool = True, organization: Any = None) -> list[Row]:
    from bench.organization import simulated  # noqa: PLC0415 - imports moto

    with simulated(organization) as sim:
        found = measure_batches(sim, quick)
    rss = found["rss"]
    peak_rss = rss["peak_rss"] / 2**20
    traced = found.get("tracemalloc")
    memory = Row(
        measure=f"Peak memory, evaluator handling a batch of {rss['records']} mixed events (MB)",
        orgwarden=f"{peak_rss:.0f} RSS / "
        + (f"{traced['tracemalloc_peak'] / 2**20:.0f} traced" if traced else "not traced"),
        target=f"< {TARGET_MB}",
        met=peak_rss < TARGET_MB,
        note=(
            "A fresh Python handles one SQS batch of events (ten: public and deny-only bucket "
            "policies, two new buckets, two IMDSv1 instances, a root sign-in, an unencrypted "
            "volume, a bucket's encryption removed, a GuardDuty finding; bucket and instance "
            "rules in enforce; a quick run: three, not traced) on moto's server. RSS: that "
            "process's peak resident set "
            "(/proc/self/status VmHWM; interpreter, native libraries and boto3 included: what "
            "Lambda's memory size must hold; ru_maxrss is not used, Linux carries it over from "
            "the parent across fork and exec). "
            "Traced: tracemalloc's peak of Python allocations in a second such process (imports "
            "included). "
            + "; ".join(
                f"{mode} run: {f['records']} records, {f['failures']} failed"
                for mode, f in found.items()
            )
            + "."
        ),
    )
    if quick:  # zipping every function's package takes a while
        return [
            memory,
            Row(
                measure="Deployment package of each function",
                orgwarden="not measured",
                note="A quick run neither builds nor measures the packages.",
            ),
        ]
    if build_package:
        build()
    if not BUILD_DIR.is_dir():
        return [
            memory,
            Row(
                measure="Deployment package of each function",
                orgwarden="not built",
                note="No `sam build` output in .aws-sam/build (--no-build, and none there).",
            ),
        ]
    sizes = package_sizes()
    packages = [
        Row(
            measure=f"Deployment package, {function} (MB on disk / zipped)",
            orgwarden=f"{_mb(disk)} / {_mb(zipped)}",
            target="—",
            note=(
                f"`sam build` output in .aws-sam/build/{function} (python3.13; boto3 comes "
                "with Lambda's runtime and is not packaged). Lambda's limits: 250 MB unzipped, "
                "50 MB zipped for a direct upload."
                + ("" if build_package else " Measured from an existing build (not rebuilt).")
            ),
        )
        for function, (disk, zipped) in sizes.items()
    ]
    return [memory, *packages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="measure an existing build")
    args = parser.parse_args()
    for row in rows(build_package=not args.no_build):
        print(f"{row.measure}: {row.orgwarden}  ({row.note})")


if __name__ == "__main__":
    main()
