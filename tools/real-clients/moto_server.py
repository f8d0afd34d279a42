"""moto's server (`moto_server -H 127.0.0.1 -p PORT`) with one addition for .ci/real-clients.sh:
KMS keys are created with chosen IDs, so that an example's key policy (which names an existing
key by its ID) has its key. The IDs are taken in order from the environment variable
ACCESSC_MOTO_KMS_KEY_IDS (whitespace-separated UUIDs), one per CreateKey call, then random
ones as usual. Used only by CI, against 127.0.0.1.
"""

import os
import re
import sys

import moto.kms.models as kms_models
from moto.server import main

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_wanted = os.environ.get("ACCESSC_MOTO_KMS_KEY_IDS", "").split()
for _id in _wanted:
    if not _UUID.match(_id):
        sys.exit(f"moto_server.py: not a KMS key ID: {_id!r}")
_random_key_id = kms_models.generate_key_id


def _key_id(multi_region: bool = False) -> str:
    if _wanted:
        return _wanted.pop(0)
    return _random_key_id(multi_region)


kms_models.generate_key_id = _key_id

if __name__ == "__main__":
    main(sys.argv[1:])
