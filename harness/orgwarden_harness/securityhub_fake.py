"""What moto's Security Hub lacks, added to moto's own backend for the simulation and tests.

moto 5 has no `BatchUpdateFindings`, ignores `GetFindings` filters, and lets an import replace
every field of an existing finding. Security Hub documents otherwise, and orgwarden's lifecycle
depends on the documented behaviour, so this module teaches moto's backend exactly that much:

- `BatchImportFindings` updates an existing finding only when the new `UpdatedAt` is later;
  it keeps `CreatedAt` and `FirstObservedAt`, and ignores `Workflow`, `Note`,
  `UserDefinedFields` and `VerificationState` (those change only through the update API). A
  finding that goes back to FAILED has a NOTIFIED or RESOLVED workflow reset to NEW.
- `BatchUpdateFindings` sets `Workflow.Status` and `Note` on findings named by (Id, ProductArn)
  and reports the ones it does not know as `UnprocessedFindings`.
- `GetFindings` honours `Id` and `ProductArn` filters with `EQUALS`.

It is a fake: it is only as right as these rules, and it is installed only by `install()`
(called when the simulation starts moto's server). Nothing on the Lambda's path imports it.
"""

import json
from datetime import datetime
from typing import Any

IGNORED_ON_UPDATE = ("Workflow", "Note", "UserDefinedFields", "VerificationState")
KEPT_ON_UPDATE = ("CreatedAt", "FirstObservedAt")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _import(backend: Any, findings: list[dict[str, Any]]) -> tuple[int, int, list[dict[str, Any]]]:
    from moto.securityhub.models import Finding  # noqa: PLC0415 - moto is a dev dependency

    failed: list[dict[str, Any]] = []
    succeeded = 0
    for data in findings:
        if not isinstance(data.get("Resources"), list) or not data["Resources"]:
            failed.append(
                {
                    "Id": data.get("Id", ""),
                    "ErrorCode": "InvalidInput",
                    "ErrorMessage": "no Resources",
                }
            )
            continue
        existing = next((f for f in backend.findings if f.id == data["Id"]), None)
        if existing is None:
            stored = dict(data)
            stored.setdefault("Workflow", {"Status": "NEW"})
            backend.findings.append(Finding(data["Id"], stored))
        elif _time(data["UpdatedAt"]) > _time(existing.data["UpdatedAt"]):
            update = {k: v for k, v in data.items() if k not in IGNORED_ON_UPDATE + KEPT_ON_UPDATE}
            status = update.get("Compliance", {}).get("Status")
            workflow = existing.data.get("Workflow", {}).get("Status")
            if status == "FAILED" and workflow in ("NOTIFIED", "RESOLVED"):
                existing.data["Workflow"] = {"Status": "NEW"}
            existing.data.update(update)
        succeeded += 1  # an import that is not newer is accepted and changes nothing
    return len(failed), succeeded, failed


def _update(backend: Any, body: dict[str, Any]) -> dict[str, Any]:
    processed, unprocessed = [], []
    for ident in body.get("FindingIdentifiers", []):
        found = next(
            (
                f
                for f in backend.findings
                if f.id == ident["Id"] and f.data.get("ProductArn") == ident["ProductArn"]
            ),
            None,
        )
        if found is None:
            unprocessed.append(
                {
                    "FindingIdentifier": ident,
                    "ErrorCode": "FindingNotFound",
                    "ErrorMessage": "no such finding",
                }
            )
            continue
        if "Workflow" in body:
            found.data["Workflow"] = {"Status": body["Workflow"]["Status"]}
        if "Note" in body:
            found.data["Note"] = {**body["Note"], "UpdatedAt": found.data.get("UpdatedAt")}
        processed.append(ident)
    return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}


def _matches(finding: dict[str, Any], filters: dict[str, Any] | None) -> bool:
    for field in ("Id", "ProductArn"):
        wanted = [
            f["Value"] for f in (filters or {}).get(field, []) if f.get("Comparison") == "EQUALS"
        ]
        if wanted and finding.get(field) not in wanted:
            return False
    return True


def install() -> None:
    """Teach moto's Security Hub backend the documented behaviour above (idempotent)."""
    from moto.securityhub import urls  # noqa: PLC0415
    from moto.securityhub.models import SecurityHubBackend  # noqa: PLC0415
    from moto.securityhub.responses import SecurityHubResponse  # noqa: PLC0415

    if getattr(SecurityHubBackend, "_orgwarden_fake", False):
        return
    SecurityHubBackend._orgwarden_fake = True  # type: ignore[attr-defined]
    SecurityHubBackend.batch_import_findings = _import  # type: ignore[method-assign,assignment]

    def get_findings(self: Any, filters: Any = None, **kwargs: Any) -> Any:
        # Filter first, then page (the token is the offset of the next page).
        found = [f.as_dict() for f in self.findings if _matches(f.as_dict(), filters)]
        start = int(kwargs.get("next_token") or 0)
        end = start + int(kwargs.get("max_results") or 100)
        return found[start:end], (str(end) if end < len(found) else None)

    SecurityHubBackend.get_findings = get_findings  # type: ignore[method-assign]

    def batch_update_findings(self: Any) -> str:
        return json.dumps(_update(self.securityhub_backend, json.loads(self.body)))

    SecurityHubResponse.batch_update_findings = batch_update_findings  # type: ignore[attr-defined]
    urls.url_paths["{0}/findings/batchupdate$"] = SecurityHubResponse.dispatch
