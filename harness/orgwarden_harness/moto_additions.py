"""What moto 5.2 lacks, added to its server for the simulation: EC2's instance metadata
defaults, ListBuckets' pages and bucket regions, and a TransactWriteItems that does not copy
whole tables.

Honest stand-ins, not AWS. The metadata defaults are kept per account and region (moto's EC2
backends are per account and region) and GetInstanceMetadataDefaults and
ModifyInstanceMetadataDefaults answer in the documented shapes ("no-preference" removes a
setting); the defaults are not applied to instances launched later, and declarative policies
are not modelled (ManagedBy is always "account"). ListBuckets, as documented, names each
bucket's region (BucketRegion) when the request has a parameter, and pages by ContinuationToken
(moto cuts the list at MaxBuckets and never continues it). moto's TransactWriteItems backs up
every table it touches with a deep copy, once per item (a table with a stream and a few
thousand items takes seconds per item, so calls time out): here every item's condition is
checked first and the writes are made only if all hold, which is all-or-nothing without a
backup for the transactions orgwarden sends (puts and conditions on distinct items; a write
that fails after the checks is not rolled back). Installed only by `simulation.moto_endpoint`.
"""

from typing import Any

SETTINGS = ("HttpTokens", "HttpEndpoint", "InstanceMetadataTags")
STORE = "orgwarden_instance_metadata_defaults"


def install() -> None:
    _install_default_event_selectors()
    _install_metadata_defaults()
    _install_list_buckets()
    _install_transactions()


def _install_transactions() -> None:
    from moto.dynamodb.comparisons import get_filter_expression  # noqa: PLC0415 - a dev dependency
    from moto.dynamodb.exceptions import (  # noqa: PLC0415
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    if getattr(DynamoDBBackend.transact_write_items, "orgwarden", False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        actions, targets, errors = [], set(), []
        for item in transact_items:
            if len(item) > 1:
                raise TransactWriteSingleOpException
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            key = _transaction_key(self.get_table(op["TableName"]), op_type, op)
            target = (op["TableName"], str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)
            condition = op.get("ConditionExpression")
            if condition is not None and not get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(self.get_item(op["TableName"], key)):
                errors.append(("ConditionalCheckFailed", "The conditional request failed", None))
                continue
            errors.append((None, None, None))
            actions.append((op_type, op, key))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)
        for op_type, op, key in actions:
            _transaction_write(self, op_type, op, key)

    transact_write_items.orgwarden = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _transaction_key(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        key: dict[str, Any] = op["Key"]
        return key
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _transaction_write(backend: Any, op_type: str, op: dict[str, Any], key: dict[str, Any]) -> None:
    """One write of a transaction whose conditions all held (so none is checked again)."""
    if op_type == "Put":
        backend.put_item(op["TableName"], op["Item"])
    elif op_type == "Delete":
        backend.delete_item(op["TableName"], key)
    elif op_type == "Update":
        backend.update_item(
            op["TableName"],
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=op.get("ExpressionAttributeNames"),
            expression_attribute_values=op.get("ExpressionAttributeValues"),
        )


def _install_default_event_selectors() -> None:
    """A trail created without event selectors has CloudTrail's default one (API reference,
    EventSelector: "By default, trails created without specific event selectors will be
    configured to log all read and write management events, and no data events"), which
    GetEventSelectors returns; moto returns none."""
    from moto.cloudtrail import models  # noqa: PLC0415 - moto is imported on use

    if getattr(models.Trail, "_orgwarden_default_selectors", False):
        return
    original = models.Trail.get_event_selectors

    def get_event_selectors(self: Any) -> Any:
        basic, advanced = original(self)
        if not basic and not advanced and not getattr(self, "_orgwarden_selectors_set", False):
            basic = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}]
        return basic, advanced

    put = models.Trail.put_event_selectors

    def put_event_selectors(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._orgwarden_selectors_set = True
        return put(self, *args, **kwargs)

    models.Trail.get_event_selectors = get_event_selectors
    models.Trail.put_event_selectors = put_event_selectors
    models.Trail._orgwarden_default_selectors = True


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
