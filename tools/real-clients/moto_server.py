"""moto's server (as `moto_server -H 127.0.0.1 -p PORT` runs it) for .ci/real-clients.sh, with two
additions:

* it listens on 127.0.0.1 on a port the system picks, and writes that port to the file given
  (`moto_server.py PORT_FILE`), so that checks running side by side never race for a port;
* KMS keys are created with chosen IDs, so that an example's key policy (which names an
  existing key by its ID) has its key: the IDs are taken in order from the environment variable
  ACCESSC_MOTO_KMS_KEY_IDS (whitespace-separated UUIDs), one per CreateKey call, then random
  ones as usual.

The account is moto's MOTO_ACCOUNT_ID. Used only by CI.
"""

import os
import re
import sys

import moto.kms.models as kms_models
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

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


def main(port_file: str) -> None:
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port
    os.environ["MOTO_PORT"] = str(port)  # the port moto writes into the URLs it returns
    with open(port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(f"{port}\n")
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: moto_server.py PORT_FILE")
    main(sys.argv[1])
