"""EC2 APIs moto 5.2 lacks, added to its server for the simulation: instance metadata defaults.

An honest stand-in, not AWS: it keeps the account-level defaults per account and region (moto's
EC2 backends are per account and region) and answers GetInstanceMetadataDefaults and
ModifyInstanceMetadataDefaults in the documented shapes ("no-preference" removes a setting).
It does not apply the defaults to instances launched later, and does not model declarative
policies (ManagedBy is always "account"). Installed only by `simulation.moto_endpoint`.
"""

from typing import Any

SETTINGS = ("HttpTokens", "HttpEndpoint", "InstanceMetadataTags")
STORE = "orgwarden_instance_metadata_defaults"


def install() -> None:
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
