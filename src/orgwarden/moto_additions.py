"""What moto 5.2 lacks, added to its server for the simulation: EC2's instance metadata
defaults, and ListBuckets' pages and bucket regions.

Honest stand-ins, not AWS. The metadata defaults are kept per account and region (moto's EC2
backends are per account and region) and GetInstanceMetadataDefaults and
ModifyInstanceMetadataDefaults answer in the documented shapes ("no-preference" removes a
setting); the defaults are not applied to instances launched later, and declarative policies
are not modelled (ManagedBy is always "account"). ListBuckets, as documented, names each
bucket's region (BucketRegion) when the request has a parameter, and pages by ContinuationToken
(moto cuts the list at MaxBuckets and never continues it). Installed only by
`simulation.moto_endpoint`.
"""

from typing import Any

SETTINGS = ("HttpTokens", "HttpEndpoint", "InstanceMetadataTags")
STORE = "orgwarden_instance_metadata_defaults"


def install() -> None:
    _install_metadata_defaults()
    _install_list_buckets()


def _install_list_buckets() -> None:
    from moto.core.responses import ActionResult  # noqa: PLC0415 - a dev dependency
    from moto.s3.responses import S3Response  # noqa: PLC0415

    if getattr(S3Response.all_buckets, "orgwarden", False):
        return

    def all_buckets(self: Any) -> Any:
        self.data["Action"] = "ListAllMyBuckets"
        self._authenticate_and_authorize_s3_action()
        params = {
            name: self._get_param(name)
            for name in ("prefix", "bucket-region", "max-buckets", "continuation-token")
        }
        buckets = sorted(
            self.backend.list_buckets(
                prefix=params["prefix"], bucket_region=params["bucket-region"], max_buckets=None
            ),
            key=lambda bucket: bucket.name,
        )
        after = params["continuation-token"]
        if after:
            buckets = [bucket for bucket in buckets if bucket.name > after]
        limit = int(params["max-buckets"] or 10_000)
        page, more = buckets[:limit], len(buckets) > limit
        named_region = any(value is not None for value in params.values())
        result: dict[str, Any] = {
            "Owner": {"ID": "bcaf1ffd86f41161ca5fb16fd081034f", "DisplayName": "webfile"},
            "Buckets": [
                {
                    "Name": bucket.name,
                    "CreationDate": bucket.creation_date_ISO8601,
                    **({"BucketRegion": bucket.region_name} if named_region else {}),
                }
                for bucket in page
            ],
        }
        if more:
            result["ContinuationToken"] = page[-1].name
        if params["prefix"] is not None:
            result["Prefix"] = params["prefix"]
        self.data["Action"] = "ListBuckets"
        return self.serialized(ActionResult(result))

    all_buckets.orgwarden = True  # type: ignore[attr-defined]
    S3Response.all_buckets = all_buckets  # type: ignore[method-assign]


def _install_metadata_defaults() -> None:
    from moto.core.responses import ActionResult  # noqa: PLC0415 - a dev dependency
    from moto.ec2.responses import EC2Response  # noqa: PLC0415

    if hasattr(EC2Response, "get_instance_metadata_defaults"):
        return  # installed already, or moto has gained the API

    def get_instance_metadata_defaults(self: Any) -> Any:
        defaults = getattr(self.ec2_backend, STORE, {})
        return ActionResult({"AccountLevel": {**defaults, "ManagedBy": "account"}})

    def modify_instance_metadata_defaults(self: Any) -> Any:
        defaults = dict(getattr(self.ec2_backend, STORE, {}))
        for name in SETTINGS:
            value = self._get_param(name)
            if value == "no-preference":
                defaults.pop(name, None)
            elif value:
                defaults[name] = value
        hops = self._get_int_param("HttpPutResponseHopLimit")
        if hops == -1:
            defaults.pop("HttpPutResponseHopLimit", None)
        elif hops:
            defaults["HttpPutResponseHopLimit"] = hops
        setattr(self.ec2_backend, STORE, defaults)
        return ActionResult({"Return": True})

    EC2Response.get_instance_metadata_defaults = get_instance_metadata_defaults  # type: ignore[attr-defined]
    EC2Response.modify_instance_metadata_defaults = modify_instance_metadata_defaults  # type: ignore[attr-defined]
