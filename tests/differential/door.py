"""One door of `make differential` in Python: the installed `payvost` wheel,
fed the JSON-lines cases on standard input; one outcome per line out."""

import base64
import json
import sys

import payvost
from payvost.error import PayvostError, SignatureVerificationError

FACTS = json.loads(payvost._native.FACTS)
KIND_OF = {t["name"]: t["object"] for t in FACTS["event_types"]}
FIELDS = {o["kind"]: [f["name"] for f in o["fields"]] for o in FACTS["objects"]}


def typed(event: payvost.AnyEvent) -> dict | None:
    """The typed view of data.object, field by field, by the core's schema."""
    names = FIELDS.get(KIND_OF.get(event["type"], ""))
    return None if names is None else {name: getattr(event.data.object, name) for name in names}


def outcome(case: dict) -> dict:
    payload = base64.b64decode(case["payload_b64"])
    args = (payload, case["header"], case["secrets"])
    options = {"now": case["now"]}
    if "tolerance" in case:
        options["tolerance"] = case["tolerance"]
    try:
        event = payvost.Webhook.construct_event(*args, **options)
        verified = payvost.WebhookSignature.verify_header(*args, **options)
        return {"id": event.id, "secret_index": verified.secret_index, "typed": typed(event)}
    except SignatureVerificationError as error:
        return {"code": error.code, "header": error.sig_header or "", "payload": error.http_body or ""}
    except PayvostError as error:
        return {"code": error.code}
    except Exception as error:  # anything else is a defect: report it as such
        return {"crash": f"{type(error).__name__}: {error}"}


out = sys.stdout
for line in sys.stdin:
    out.write(json.dumps(outcome(json.loads(line))) + "\n")
