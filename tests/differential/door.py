"""One door of `make differential` in Python: the installed `payvost` wheel,
fed the JSON-lines cases on standard input; one outcome per line out."""

import base64
import json
import sys

import payvost
from payvost.error import PayvostError


def outcome(case: dict) -> dict:
    payload = base64.b64decode(case["payload_b64"])
    args = (payload, case["header"], case["secrets"])
    options = {"now": case["now"]}
    if "tolerance" in case:
        options["tolerance"] = case["tolerance"]
    try:
        event = payvost.Webhook.construct_event(*args, **options)
        verified = payvost.WebhookSignature.verify_header(*args, **options)
        return {"id": event.id, "secret_index": verified.secret_index}
    except PayvostError as error:
        return {"code": error.code}
    except Exception as error:  # anything else is a defect: report it as such
        return {"crash": f"{type(error).__name__}: {error}"}


out = sys.stdout
for line in sys.stdin:
    out.write(json.dumps(outcome(json.loads(line))) + "\n")
