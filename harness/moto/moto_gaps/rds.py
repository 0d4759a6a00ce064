"""RDS gaps in moto 5.2.1."""

import base64
import functools

from moto.moto_api._internal import mock_random


def _new_dbi_resource_id() -> str:
    # Real ids look like "db-" + 26 upper-case base32 characters.
    return "db-" + base64.b32encode(mock_random.uuid4().bytes).decode().rstrip("=")


def unique_dbi_resource_ids() -> None:
    """Give every DB instance its own DbiResourceId.

    moto hard-codes "db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U" for all instances. The aws
    provider keys `aws_db_instance` on that id (it reads with a `dbi-resource-id`
    filter), so a second instance, e.g. one restored from a snapshot, was read
    back as two instances: "couldn't find resource".
    """
    from moto.rds.models import DBInstance

    original_init = DBInstance.__init__

    @functools.wraps(original_init)
    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        self.dbi_resource_id = _new_dbi_resource_id()

    DBInstance.__init__ = init
