#!/usr/bin/env python3
"""Writes the conformance vectors in this folder (see README.md).

Signatures are computed here with Python's own `hmac` module, never with
the Rust core, and every expected outcome is written by hand below, so the
vectors check the core instead of repeating it. Run it after editing:

    python3 tests/vectors/generate.py

or into another folder (`python3 tests/vectors/generate.py DIR`), which the
Python suite does to hold the committed files to this script.
"""
import base64
import hashlib
import hmac
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
# Where the files go: this folder, or the one named on the command line.
OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
NOW = 1764000000
SECRET = "whsec_1234567890"
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)


def sig(payload: bytes, secret: str = SECRET, t="%d" % NOW) -> str:
    content = str(t).encode() + b"." + payload
    return hmac.new(secret.encode(), content, hashlib.sha256).hexdigest()


def header(payload: bytes, secret: str = SECRET, t: int = NOW) -> str:
    return "t=%d,v1=%s" % (t, sig(payload, secret, t))


def num(n):
    """JSON numbers beyond 2**53 cannot be held exactly by JavaScript: write them as strings."""
    return n if abs(n) <= 2**53 else str(n)


def event(type_="payment.succeeded", obj=None, **extra) -> dict:
    body = {
        "id": "evt_1",
        "type": type_,
        "created": NOW,
        "data": {"object": obj if obj is not None else {"id": "pay_1", "amount": 2000}},
    }
    body.update(extra)
    return body


def compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


PAYLOAD = compact(event())


class Group:
    def __init__(self, name, description, source="written for this project"):
        self.name, self.description, self.source, self.cases = name, description, source, []

    def case(self, id, comment, *, payload=PAYLOAD, header=None, secrets=(SECRET,), now=NOW,
             tolerance=None, error=None, message=None, ok=None, sign=True, **more):
        if header is None and sign:
            header = globals()["header"](payload)
        case = {
            "id": "%s/%s" % (self.name, id),
            "comment": comment,
            "payload_b64": base64.b64encode(payload).decode(),
            "header": header,
            "secrets": list(secrets),
            "now": num(now),
        }
        if tolerance is not None:
            case["tolerance"] = tolerance
        if error:
            assert ok is None and not more
            case["expected"] = {"error": error}
            if message is not None:
                case["expected"]["message"] = message
        else:
            expected = {"event_id": "evt_1", "event_type": "payment.succeeded",
                        "secret_index": 0, "timestamp": num(NOW)}
            expected.update(ok or {})
            expected.update(more)
            case["expected"] = expected
        self.cases.append(case)

    def write(self):
        ids = [c["id"] for c in self.cases]
        assert len(ids) == len(set(ids)), "duplicate case id in " + self.name
        doc = {"group": self.name, "description": self.description, "source": self.source,
               "schema": "verify/1", "cases": self.cases}
        path = OUT / (self.name + ".json")
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=True) + "\n")
        return len(self.cases)


def secret_group():
    g = Group("secret", "protocol §1: the rules a signing secret must follow, checked first.")
    g.case("valid", "the documented secret")
    for id, s, why in [
        ("empty", "", "an empty secret"),
        ("only-space", "   ", "only whitespace"),
        ("only-newline", "\n", "only a newline"),
        ("leading-space", " whsec_1234567890", "leading whitespace is reported, never trimmed"),
        ("trailing-newline", "whsec_1234567890\n", "the .env newline accident"),
        ("trailing-crlf", "whsec_1234567890\r\n", "a Windows line end"),
        ("trailing-tab", "whsec_1234567890\t", "a trailing tab"),
        ("api-key-sk", "sk_live_1234567890", "a secret API key"),
        ("api-key-pk", "pk_test_1234567890", "a publishable key"),
        ("api-key-rk", "rk_live_1234567890", "a restricted key"),
    ]:
        g.case(id, why + " is secret_invalid", secrets=[s], error="secret_invalid")
    g.case("no-secrets", "an empty list of secrets", secrets=[], error="secret_invalid")
    g.case("second-of-two-invalid", "every secret of a list is checked, not only the one that matches",
           secrets=[SECRET, "sk_live_1"], error="secret_invalid")
    g.case("checked-before-header", "secrets are checked before the header (step 1 before step 2)",
           secrets=[""], header=None, sign=False, error="secret_invalid")
    g.case("not-whsec-is-fine", "a secret without the whsec_ prefix is used as given",
           secrets=["my_own_secret"], header=header(PAYLOAD, "my_own_secret"))
    g.case("inner-space-is-fine", "whitespace inside a secret is part of it",
           secrets=["whsec_a b"], header=header(PAYLOAD, "whsec_a b"))
    g.case("sk-inside-is-fine", "an API key prefix after the start is not an API key",
           secrets=["whsec_sk_1"], header=header(PAYLOAD, "whsec_sk_1"))
    g.case("unicode", "the key is the UTF-8 bytes of the whole string",
           secrets=["whsec_\u00e9t\u00e9_\u2603"], header=header(PAYLOAD, "whsec_\u00e9t\u00e9_\u2603"))
    g.case("prefix-is-key", "the whsec_ prefix is part of the HMAC key: a signature made without it fails",
           header=header(PAYLOAD, "1234567890"), error="signature_mismatch")
    g.case("not-base64-decoded", "the secret is never base64-decoded",
           secrets=["whsec_MTIzNDU2Nzg5MA=="], header=header(PAYLOAD, "1234567890"),
           error="signature_mismatch")
    long_secret = "whsec_" + "k" * 200
    g.case("longer-than-block", "a key longer than the SHA-256 block is hashed first, per HMAC",
           secrets=[long_secret], header=header(PAYLOAD, long_secret))
    return g


# The messages of header_malformed (protocol §6): the problem after the common start.
MALFORMED = "The Payvost-Signature header is malformed: "
NO_EQUALS = "the element %s has no '='"
NO_T = "it has no t= timestamp"
TWO_T = "it has more than one t= timestamp"
JOINED = ('a t= or v1= element follows a space, as when the request carried the header twice '
          'and they were joined by ", "; Payvost sends it once')
BAD_T = "the timestamp t=%s is not 1 to 19 digits of unix seconds"
TOO_LONG = "it is %d bytes long, more than the 8192 allowed"


def quoted(text):
    """A string as the core's messages quote it: in double quotes, with \\ and " escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def header_group():
    g = Group("header", "protocol §2: the grammar of the Payvost-Signature header, one rule at least once.")
    s = sig(PAYLOAD)
    t = "t=%d" % NOW
    ok = lambda id, comment, h: g.case(id, comment, header=h)
    bad = lambda id, comment, h, code="header_malformed", why=None: g.case(
        id, comment, header=h, error=code, message=None if why is None else MALFORMED + why)
    ok("plain", "the canonical form", "%s,v1=%s" % (t, s))
    g.case("absent", "no header at all", header=None, sign=False, error="header_missing")
    bad("empty", "an empty header", "", "header_missing")
    bad("only-blanks", "spaces and tabs only: empty after trimming", " \t  ", "header_missing")
    ok("trimmed-spaces-tabs", "leading and trailing spaces and tabs are trimmed", " \t %s,v1=%s \t" % (t, s))
    bad("newline-not-trimmed", "only spaces and tabs are trimmed: a trailing newline spoils the v1 value",
        "%s,v1=%s\n" % (t, s), "signature_mismatch")
    ok("empty-elements", "empty elements (,, and a trailing comma) are ignored", ",%s,,v1=%s," % (t, s))
    ok("v1-first", "element order does not matter", "v1=%s,%s" % (s, t))
    ok("unknown-keys-ignored", "elements with other keys are ignored", "%s,x=1,v1=%s,v2=abc" % (t, s))
    ok("split-at-first-equals", "an element is split at its first '='", "%s,v1=%s,x=a=b" % (t, s))
    bad("equals-in-v1-value", "v1 value with a trailing '=' is not 64 hex digits: never matches",
        "%s,v1=%s=" % (t, s), "signature_mismatch")
    bad("element-without-equals", "an element without '=' is malformed", "%s,v1=%s,garbage" % (t, s),
        why=NO_EQUALS % quoted("garbage"))
    bad("only-garbage", "a value with no '=' at all", "garbage", why=NO_EQUALS % quoted("garbage"))
    bad("malformed-before-no-signatures", "grammar errors come before the v1 check", "t=1,junk",
        why=NO_EQUALS % quoted("junk"))
    bad("key-case-t", "keys are case-sensitive: T is not t", "T=%d,v1=%s" % (NOW, s), why=NO_T)
    bad("key-case-v1", "keys are case-sensitive: V1 is not v1", "%s,V1=%s" % (t, s), "no_signatures")
    bad("key-not-trimmed-t", "keys are not trimmed: ' t' is not t, and a t after a space is refused", "v1=%s, %s" % (s, t), why=JOINED)
    bad("key-not-trimmed-v1", "keys are not trimmed: ' v1' is not v1, and a v1 after a space is refused",
        "%s, v1=%s" % (t, s), why=JOINED)
    ok("key-not-trimmed-other", "another key after a space is ignored, as any unknown key", "%s,v1=%s, v0=abc" % (t, s))
    bad("two-lines-joined", "the header sent twice and joined by ', ' (RFC 9110, Node, fetch, PSR-7) is refused",
        "%s,v1=%s, %s,v1=%s" % (t, s, t, s), why=JOINED)
    bad("two-lines-joined-by-comma", "the header sent twice and joined by ',' (gunicorn, Werkzeug) has two t",
        "%s,v1=%s,%s,v1=%s" % (t, s, t, s), why=TWO_T)
    bad("no-t", "a header without t", "v1=%s" % s, why=NO_T)
    bad("two-t-equal", "two t elements, even equal ones", "%s,%s,v1=%s" % (t, t, s), why=TWO_T)
    bad("two-t-different", "two different t elements", "%s,t=1,v1=%s" % (t, s), why=TWO_T)
    for id, value in [("empty", ""), ("negative", "-1764000000"), ("plus", "+1764000000"),
                      ("fraction", "1764000000.5"), ("underscore", "1_764_000_000"),
                      ("leading-space", " 1764000000"), ("trailing-space", "1764000000 "),
                      ("hex", "0x6923f800"), ("letters", "now"), ("exponent", "1.764e9"),
                      ("arabic-digits", "\u0661\u0667\u0666\u0664"),
                      ("twenty-digits", "0" + "1764000000".zfill(19)),
                      ("over-i64", str(I64_MAX + 1)), ("twenty-nines", "9" * 20)]:
        bad("t-" + id, "t value %r is not 1 to 19 digits fitting i64" % value, "t=%s,v1=%s" % (value, s),
            why=BAD_T % quoted(value))
    g.case("t-leading-zeros", "leading zeros are allowed; the signed content uses canonical decimal",
           header="t=000%d,v1=%s" % (NOW, s))
    g.case("t-leading-zeros-noncanonical-signature",
           "a signature over the non-canonical text with leading zeros does not match",
           header="t=000%d,v1=%s" % (NOW, sig(PAYLOAD, t="000%d" % NOW)), error="signature_mismatch")
    g.case("t-nineteen-digits", "19 digits with leading zeros", header="t=%s,v1=%s" % (str(NOW).zfill(19), s))
    g.case("t-i64-max", "t = i64::MAX, now = i64::MAX", now=I64_MAX,
           header="t=%d,v1=%s" % (I64_MAX, sig(PAYLOAD, t=I64_MAX)), timestamp=num(I64_MAX))
    g.case("t-zero", "t = 0, now = 0", now=0, header="t=0,v1=%s" % sig(PAYLOAD, t=0), timestamp=0)
    bad("no-v1", "only t", t, "no_signatures")
    bad("only-v0", "a v0 signature that would match is never used: no downgrade",
        "%s,v0=%s" % (t, s), "no_signatures")
    bad("only-v2", "a future v2 is ignored by a v1 verifier", "%s,v2=%s" % (t, s), "no_signatures")
    bad("v1-empty", "an empty v1 value is a candidate that never matches", "%s,v1=" % t, "signature_mismatch")
    bad("v1-uppercase", "uppercase hex never matches", "%s,v1=%s" % (t, s.upper()), "signature_mismatch")
    bad("v1-63-digits", "63 hex digits never match", "%s,v1=%s" % (t, s[:63]), "signature_mismatch")
    bad("v1-65-digits", "65 hex digits never match", "%s,v1=%s0" % (t, s), "signature_mismatch")
    bad("v1-base64", "the tag in base64 never matches",
        "%s,v1=%s" % (t, base64.b64encode(bytes.fromhex(s)).decode()), "signature_mismatch")
    bad("v1-non-ascii", "non-ASCII in a v1 value never matches", "%s,v1=\u00e9%s" % (t, s[1:]),
        "signature_mismatch")
    ok("second-v1-matches", "several v1 signatures: one match is enough", "%s,v1=%s,v1=%s" % (t, "0" * 64, s))
    ok("first-v1-matches", "the first of several v1 signatures matches", "%s,v1=%s,v1=%s" % (t, s, "0" * 64))
    ok("same-v1-twice", "the matching signature twice is still a match", "%s,v1=%s,v1=%s" % (t, s, s))
    ok("garbage-v1-then-valid", "an invalid candidate beside a valid one", "%s,v1=zz,v1=%s" % (t, s))
    ok("v0-and-v1", "v0 beside v1 is ignored", "%s,v0=%s,v1=%s" % (t, "0" * 64, s))
    padding = ",x=" + "a" * 100
    base = "%s,v1=%s" % (t, s)
    exact = base + padding * ((8192 - len(base)) // len(padding))
    exact += ",x=" + "a" * (8192 - len(exact) - 3)
    assert len(exact) == 8192
    ok("length-8192", "a header of exactly 8192 bytes after trimming", "  " + exact + "  ")
    bad("length-8193", "a header of 8193 bytes after trimming", exact + "a", why=TOO_LONG % 8193)
    huge = base + ",x=" + "a" * 65536
    bad("length-huge", "a 64 KiB header", huge, why=TOO_LONG % len(huge))
    return g


def tolerance_group():
    g = Group("tolerance", "protocol §4: the tolerance option and the timestamp window, both directions.")
    def at(id, comment, t, now=NOW, tolerance=None, error=None):
        h = "t=%d,v1=%s" % (t, sig(PAYLOAD, t=t))
        if error:
            g.case(id, comment, header=h, now=now, tolerance=tolerance, error=error)
        else:
            g.case(id, comment, header=h, now=now, tolerance=tolerance, timestamp=num(t))
    at("default-exactly-old", "t = now - 300 passes with the default tolerance", NOW - 300)
    at("default-one-too-old", "t = now - 301 fails", NOW - 301, error="timestamp_too_old")
    at("default-exactly-new", "t = now + 300 passes", NOW + 300)
    at("default-one-too-new", "t = now + 301 fails", NOW + 301, error="timestamp_too_new")
    for tol in (1, 60, 600, 2592000):
        at("tol-%d-exactly-old" % tol, "|now - t| == tolerance passes", NOW - tol, tolerance=tol)
        at("tol-%d-beyond-old" % tol, "one second beyond", NOW - tol - 1, tolerance=tol, error="timestamp_too_old")
        at("tol-%d-exactly-new" % tol, "|now - t| == tolerance passes", NOW + tol, tolerance=tol)
        at("tol-%d-beyond-new" % tol, "one second beyond", NOW + tol + 1, tolerance=tol, error="timestamp_too_new")
    at("same-second", "t == now", NOW, tolerance=1)
    for id, tol in [("zero", 0), ("negative", -300), ("fraction", 1.5), ("over-30-days", 2592001),
                    ("absurd", 10**12), ("tiny-fraction", 0.5), ("huge-float", 1e300)]:
        g.case("invalid-" + id, "tolerance %r is tolerance_invalid" % (tol,), tolerance=tol,
               error="tolerance_invalid")
    g.case("whole-float", "a whole float tolerance (300.0) is a whole number of seconds", tolerance=300.0)
    for id, secrets in [("api-key", ["sk_live_1"]), ("empty", [""]), ("none", [])]:
        g.case("secret-before-tolerance-" + id, "with both invalid, the secret is reported (secrets, then tolerance)",
               secrets=secrets, tolerance=0, error="secret_invalid")
    g.case("invalid-before-header", "tolerance is checked before the header (step 1 before 2)",
           tolerance=0, header=None, sign=False, error="tolerance_invalid")
    at("mismatch-before-timestamp", "a stale, badly signed header is a mismatch, not stale: step 4 before 5",
       NOW - 10000, error="timestamp_too_old")
    g.cases[-1]["header"] = "t=%d,v1=%s" % (NOW - 10000, "0" * 64)
    g.cases[-1]["expected"] = {"error": "signature_mismatch"}
    at("i64-t-zero-now-max", "t = 0, now = i64::MAX: too old, no overflow", 0, now=I64_MAX, error="timestamp_too_old")
    at("i64-t-max-now-min", "t = i64::MAX, now = i64::MIN: too new, no overflow", I64_MAX, now=I64_MIN,
       error="timestamp_too_new")
    at("i64-t-zero-now-min", "t = 0, now = i64::MIN: too new", 0, now=I64_MIN, error="timestamp_too_new")
    at("i64-t-max-now-zero", "t = i64::MAX, now = 0: too new", I64_MAX, now=0, error="timestamp_too_new")
    at("i64-now-max-minus-tol", "t = i64::MAX - 300, now = i64::MAX: passes at the edge", I64_MAX - 300,
       now=I64_MAX)
    at("i64-t-max-window", "t = i64::MAX, now = i64::MAX - 2592000, tolerance 30 days: passes", I64_MAX,
       now=I64_MAX - 2592000, tolerance=2592000)
    at("negative-now", "a clock before 1970 (now < 0) with t = 0", 0, now=-1, tolerance=1)
    return g


# The messages of protocol §4.1: a usual change to the body, recognised.
CHANGED = "No signature in the Payvost-Signature header matches this payload, but %s."
NEWLINE = ("one matches it without its trailing newline: something added a newline to the body after Payvost "
           "signed it; pass the body exactly as received, byte for byte")
BOM_ADDED = ("one matches it without the byte-order mark at its start: something added a UTF-8 byte-order mark "
             "(EF BB BF) to the body after Payvost signed it; pass the body exactly as received, byte for byte")
BASE64 = ("one matches the bytes it encodes: the body is base64-encoded, as API Gateway, Lambda function URLs "
          "and load balancers hand it when the event's isBase64Encoded is true; decode it then and verify the "
          "decoded bytes (the SDK's Lambda helper does)")
BOM = b"\xef\xbb\xbf"


def signature_group():
    g = Group("signature", "protocol §3: signed content, several signatures, several secrets.")
    s2, s3 = "whsec_second", "whsec_third"
    g.case("secret-index-0", "the first of three secrets matches", secrets=[SECRET, s2, s3])
    g.case("secret-index-1", "the second of three secrets matches", secrets=[s2, SECRET, s3], secret_index=1)
    g.case("secret-index-2", "the third of three secrets matches", secrets=[s2, s3, SECRET], secret_index=2)
    g.case("same-secret-twice", "the first matching secret is reported", secrets=[s2, SECRET, SECRET],
           secret_index=1)
    g.case("sender-rotation", "the sender signs with two secrets; the receiver knows only the new one",
           secrets=[s2], header="t=%d,v1=%s,v1=%s" % (NOW, sig(PAYLOAD), sig(PAYLOAD, s2)))
    g.case("wrong-secret", "signed with another secret", secrets=[s2], error="signature_mismatch")
    g.case("none-of-several", "none of several secrets matches", secrets=[s2, s3], error="signature_mismatch")
    flipped = bytearray(PAYLOAD); flipped[20] ^= 1
    g.case("payload-bit-flip", "one bit of the body changed after signing", payload=bytes(flipped),
           header=header(PAYLOAD), error="signature_mismatch")
    g.case("timestamp-changed", "t changed after signing", header="t=%d,v1=%s" % (NOW + 1, sig(PAYLOAD)),
           error="signature_mismatch")
    s = sig(PAYLOAD)
    g.case("signature-bit-flip", "the last hex digit changed",
           header="t=%d,v1=%s" % (NOW, s[:-1] + ("0" if s[-1] != "0" else "1")), error="signature_mismatch")
    g.case("signature-first-digit", "the first hex digit changed",
           header="t=%d,v1=%s" % (NOW, ("0" if s[0] != "0" else "1") + s[1:]), error="signature_mismatch")
    pretty = json.dumps(event(), indent=2).encode()
    g.case("reserialised-body", "the body parsed and re-serialised (pretty) before verifying",
           payload=pretty, header=header(PAYLOAD), error="signature_mismatch")
    g.case("trailing-newline-added", "a newline appended to the body", payload=PAYLOAD + b"\n",
           header=header(PAYLOAD), error="signature_mismatch", message=CHANGED % NEWLINE)
    g.case("crlf-appended", "CRLF appended to the body", payload=PAYLOAD + b"\r\n",
           header=header(PAYLOAD), error="signature_mismatch", message=CHANGED % NEWLINE)
    g.case("byte-order-mark-added", "a UTF-8 byte-order mark put before the body", payload=BOM + PAYLOAD,
           header=header(PAYLOAD), error="signature_mismatch", message=CHANGED % BOM_ADDED)
    g.case("byte-order-mark-signed", "a body that starts with a byte-order mark, signed as is: authentic, "
           "and not JSON (RFC 8259 §8.1)", payload=BOM + PAYLOAD, error="payload_invalid_json")
    encoded = base64.b64encode(PAYLOAD)
    g.case("base64-body", "the body's base64 text, as API Gateway hands it when isBase64Encoded is true",
           payload=encoded, header=header(PAYLOAD), error="signature_mismatch", message=CHANGED % BASE64)
    g.case("base64-body-signed", "base64 text signed as is: authentic, and not JSON", payload=encoded,
           error="payload_invalid_json")
    g.case("base64-of-another-body", "the base64 text of a body the signature is not for",
           payload=base64.b64encode(PAYLOAD + b" "), header=header(PAYLOAD), error="signature_mismatch")
    g.case("byte-order-mark-and-newline-added", "both changes at once: neither undone alone gives the "
           "signed body, so the message is the usual one", payload=BOM + PAYLOAD + b"\n",
           header=header(PAYLOAD), error="signature_mismatch")
    g.case("trailing-newline-signed", "a body that ends in a newline, signed as is",
           payload=PAYLOAD + b"\n")
    crlf = json.dumps(event(), indent=1).replace("\n", "\r\n").encode()
    g.case("crlf-body", "CRLF line ends are part of the signed bytes", payload=crlf)
    g.case("crlf-normalised", "a CRLF body normalised to LF", payload=crlf.replace(b"\r\n", b"\n"),
           header=header(crlf), error="signature_mismatch")
    g.case("all-zero-signature", "a signature of 64 zeros", header="t=%d,v1=%s" % (NOW, "0" * 64),
           error="signature_mismatch")
    g.case("empty-body-signed", "an empty body, correctly signed: authentic but not JSON",
           payload=b"", error="payload_invalid_json")
    g.case("signed-with-empty-key", "a signature made with an empty key never matches a real secret",
           header=header(PAYLOAD, ""), error="signature_mismatch")
    return g


def payload_group():
    g = Group("payload", "protocol §5: the authenticated body must be a JSON object holding an event.")
    def p(id, comment, body, error=None, **ok):
        body = body if isinstance(body, bytes) else compact(body)
        if error:
            g.case(id, comment, payload=body, error=error)
        else:
            g.case(id, comment, payload=body, **ok)
    J, E = "payload_invalid_json", "payload_invalid_event"
    p("not-utf8", "a byte that is not UTF-8 (Latin-1 e-acute)",
      b'{"id":"evt_1","type":"x","data":{"object":{"name":"Caf\xe9"}}}', J)
    p("overlong-utf8", "an overlong UTF-8 encoding", b'{"id":"evt_1\xc0\xaf","type":"x","data":{"object":{}}}', J)
    p("bom", "a UTF-8 byte order mark before the object", b"\xef\xbb\xbf" + PAYLOAD, J)
    p("nan", "NaN is not JSON", b'{"id":"evt_1","type":"x","data":{"object":{"amount":NaN}}}', J)
    p("infinity", "Infinity is not JSON", b'{"id":"evt_1","type":"x","data":{"object":{"amount":Infinity}}}', J)
    p("top-array", "a top-level array", b'[{"id":"evt_1"}]', J)
    p("top-string", "a top-level string", b'"evt_1"', J)
    p("top-number", "a top-level number", b"42", J)
    p("top-null", "a top-level null", b"null", J)
    p("trailing-garbage", "text after the object", PAYLOAD + b"x", J)
    p("two-objects", "two objects", PAYLOAD + PAYLOAD, J)
    p("truncated", "the object cut short", PAYLOAD[:-1], J)
    p("empty", "an empty body", b"", J)
    p("whitespace-only", "only whitespace", b" \n", J)
    p("single-quotes", "single-quoted strings are not JSON", b"{'id':'evt_1'}", J)
    p("trailing-comma", "a trailing comma is not JSON", PAYLOAD[:-1] + b",}", J)
    p("comment", "comments are not JSON", b"/*x*/" + PAYLOAD, J)
    p("control-char", "a raw control character inside a string",
      b'{"id":"evt_\x01","type":"x","data":{"object":{}}}', J)
    p("lone-surrogate", "a lone surrogate escape is not Unicode text",
      b'{"id":"evt_1","type":"x","data":{"object":{"name":"\\ud800"}}}', J)
    p("deep-nesting", "nesting 200 levels deep",
      b'{"id":"evt_1","type":"x","data":{"object":{"a":' + b"[" * 200 + b"]" * 200 + b"}}}", J)
    depth = lambda n: (b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"a":' + b"[" * n + b"]" * n
                       + b"}}}")
    p("depth-127", "127 levels of nesting in all (3 of them the envelope's) is the limit", depth(124))
    p("depth-128", "128 levels of nesting is one too many", depth(125), J)
    p("brackets-in-strings", "brackets inside strings are text, not nesting",
      b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"note":"' + b"[{" * 300 + b'"}}}')
    p("lone-low-surrogate", "a low surrogate escape alone",
      b'{"id":"evt_1","type":"x","data":{"object":{"name":"\\udc00"}}}', J)
    p("high-then-letter", "a high surrogate escape followed by a letter escape",
      b'{"id":"evt_1","type":"x","data":{"object":{"name":"\\ud800\\u0041"}}}', J)
    p("escaped-backslash-u", "an escaped backslash before 'ud800' is plain text",
      b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"name":"\\\\ud800"}}}')
    p("surrogate-in-key", "an unpaired surrogate in a member name",
      b'{"id":"evt_1","type":"x","data":{"object":{"\\ud800":1}}}', J)
    p("data-number", "data is a number", {"id": "evt_1", "type": "x", "data": 5}, E)
    p("data-string", "data is a string", {"id": "evt_1", "type": "x", "data": "pay_1"}, E)
    p("huge-exponent", "a number too large for f64 is still JSON: the event parses",
      b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"x":1e400}}}')
    p("surrounding-whitespace", "whitespace around the object is JSON", b" \n\t" + PAYLOAD + b"\r\n ")
    p("surrogate-pair", "an escaped surrogate pair is fine",
      b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"name":"\\ud83d\\ude00"}}}')
    p("escaped-id", "escapes in the id are decoded", b'{"id":"evt_\\u0031","type":"payment.succeeded","data":{"object":{}}}',
      event_id="evt_1")
    p("missing-id", "no id", {"type": "x", "data": {"object": {}}}, E)
    p("null-id", "a null id", {"id": None, "type": "x", "data": {"object": {}}}, E)
    p("empty-id", "an empty id", {"id": "", "type": "x", "data": {"object": {}}}, E)
    p("number-id", "a numeric id", {"id": 1, "type": "x", "data": {"object": {}}}, E)
    p("missing-type", "no type", {"id": "evt_1", "data": {"object": {}}}, E)
    p("empty-type", "an empty type", {"id": "evt_1", "type": "", "data": {"object": {}}}, E)
    p("array-type", "a type that is an array", {"id": "evt_1", "type": ["x"], "data": {"object": {}}}, E)
    p("missing-data", "no data", {"id": "evt_1", "type": "x"}, E)
    p("data-array", "data is an array", {"id": "evt_1", "type": "x", "data": [{}]}, E)
    p("data-null", "data is null", {"id": "evt_1", "type": "x", "data": None}, E)
    p("missing-object", "data without object", {"id": "evt_1", "type": "x", "data": {}}, E)
    p("object-null", "data.object is null", {"id": "evt_1", "type": "x", "data": {"object": None}}, E)
    p("object-string", "data.object is a string", {"id": "evt_1", "type": "x", "data": {"object": "pay_1"}}, E)
    p("object-array", "data.object is an array", {"id": "evt_1", "type": "x", "data": {"object": []}}, E)
    p("created-string", "created as a string", event(created="1764000000"), E)
    p("created-float", "created with a fraction", event(created=1764000000.5), E)
    p("created-exponent", "created is judged by value: 1.764e9 is the whole number 1764000000",
      PAYLOAD.replace(b'"created":1764000000', b'"created":1.764e9'), created=NOW)
    p("created-point-zero", "1764000000.0 is a whole number too",
      PAYLOAD.replace(b'"created":1764000000', b'"created":1764000000.0'), created=NOW)
    p("created-max-safe", "2^53 - 1, the largest integer every language holds exactly",
      PAYLOAD.replace(b'"created":1764000000', b'"created":9007199254740991'), created=2**53 - 1)
    p("created-two-pow-53", "2^53 is beyond what every language holds exactly",
      PAYLOAD.replace(b'"created":1764000000', b'"created":9007199254740992'), E)
    p("created-over-i64", "created beyond i64",
      PAYLOAD.replace(b'"created":1764000000', b'"created":9223372036854775808'), E)
    p("created-huge-exponent", "created too large for a float",
      PAYLOAD.replace(b'"created":1764000000', b'"created":1e400'), E)
    # Near 2^53 a fraction is decided by correct rounding to the nearest
    # double (ties to even), the value every door's parser must agree on.
    def created(text, comment, outcome=E, **expected):
        name = "created-" + text.replace(".", "p").replace("-", "minus-").replace("e", "E")
        p(name, comment, PAYLOAD.replace(b'"created":1764000000', b'"created":' + text.encode()), outcome, **expected)
    created("9007199254740991.4", "rounds down to 2^53 - 1, a whole number", None, created=2**53 - 1)
    created("-9007199254740991.4", "rounds up to -(2^53 - 1), a whole number", None, created=-(2**53 - 1))
    created("4503599627370495.5", "below 2^52 a half is held exactly: not whole")
    created("4503599627370496.5", "above 2^52 a half ties to the even 2^52", None, created=2**52)
    created("4503599627370497.5", "a half ties to the even neighbour above", None, created=2**52 + 2)
    created("9007199254740990.5", "a half ties to the even 2^53 - 2", None, created=2**53 - 2)
    created("9007199254740991.5", "a half ties to the even 2^53: beyond the limit")
    created("9007199254740992.5", "rounds to 2^53: beyond the limit")
    created("9007199254740991.49999999999999999999", "just under a half rounds down to 2^53 - 1", None,
            created=2**53 - 1)
    created("1764000000.00000000000000000001", "a fraction too small for a double is lost", None, created=NOW)
    created("1764000000.000001", "a fraction a double holds is not whole")
    created("1.76400000000000000001e9", "judged by value after rounding", None, created=NOW)
    created("9.0071992547409915e15", "2^53 - 0.5 in exponent form ties to 2^53")
    p("created-bool", "created as a boolean", event(created=True), E)
    p("created-null", "a null created reads as absent", event(created=None), created=None)
    p("created-absent", "created is optional", {"id": "evt_1", "type": "payment.succeeded",
                                                "data": {"object": {"id": "pay_1"}}}, created=None)
    p("created-negative", "a negative created is an integer", event(created=-5), created=-5)
    p("duplicate-id-last-wins", "a duplicated key: the last one wins, as in JSON.parse and json.loads",
      b'{"id":"evt_0","id":"evt_1","type":"payment.succeeded","data":{"object":{}}}', event_id="evt_1")
    big = b"123456789012345678901234567890"
    p("big-integer-kept", "an integer too big for i64 and f64 is kept exactly",
      b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":' + big +
      b',"fee":0.1000000000000000055511151231257827}}}',
      numbers={"data.object.amount": big.decode(), "data.object.fee": "0.1000000000000000055511151231257827"},
      object={"kind": "payment", "typed": {"id": "pay_1", "amount": None, "currency": None,
                                           "status": None, "customer": None}})
    p("unknown-top-level-kept", "unknown top-level fields are kept",
      event(api_version="2026-01-01", livemode=False),
      fields={"api_version": "2026-01-01", "livemode": False})
    p("data-extra-kept", "unknown fields of data are kept", event(), fields={"data.object.amount": 2000})
    return g


KNOWN = {
    "payment": (["payment.created", "payment.succeeded", "payment.failed", "payment.canceled",
                 "payment.processing"],
                {"id": "pay_1", "amount": 2000, "currency": "eur", "status": "succeeded", "customer": "cust_1"}),
    "subscription": (["subscription.created", "subscription.updated", "subscription.deleted",
                      "subscription.trial_will_end"],
                     {"id": "sub_1", "customer": "cust_1", "status": "active",
                      "currentPeriodStart": 1764000000, "currentPeriodEnd": 1766592000}),
    "refund": (["refund.created", "refund.updated", "refund.failed"],
               {"id": "ref_1", "payment": "pay_1", "amount": 500, "status": "pending"}),
    "customer": (["customer.created", "customer.updated"],
                 {"id": "cust_1", "email": "jenny@example.com", "name": "Jenny Rosen"}),
    "dispute": (["dispute.opened", "dispute.resolved"],
                {"id": "dp_1", "payment": "pay_1", "amount": 2000, "reason": "fraudulent",
                 "status": "needs_response"}),
}


def events_group():
    g = Group("events", "protocol §5: every known event type with its typed object, and what is preserved.")
    for kind, (types, fields) in KNOWN.items():
        for type_ in types:
            obj = dict(fields, metadata={"order": "6735"}, unknownField=[1, 2])
            body = compact(event(type_, obj, livemode=True))
            g.case(type_, "a %s event carries a %s" % (type_, kind), payload=body, event_type=type_,
                   created=NOW, object={"kind": kind, "typed": fields},
                   fields={"data.object.metadata": {"order": "6735"}, "data.object.unknownField": [1, 2],
                           "livemode": True})
    g.case("unknown-type", "an unknown type parses with an untyped object",
           payload=compact(event("payout.paid", {"id": "po_1", "amount": 5})), event_type="payout.paid",
           object={"kind": "other", "typed": {}}, fields={"data.object.id": "po_1"})
    g.case("type-case-sensitive", "Payment.Succeeded is not a known type",
           payload=compact(event("Payment.Succeeded")), event_type="Payment.Succeeded",
           object={"kind": "other", "typed": {}})
    g.case("payment-missing-fields", "a payment with only an id still parses; missing fields read as absent",
           payload=compact(event("payment.failed", {"id": "pay_2"})), event_type="payment.failed",
           object={"kind": "payment", "typed": {"id": "pay_2", "amount": None, "currency": None,
                                                "status": None, "customer": None}})
    g.case("payment-odd-types", "fields of another type read as absent in the typed view and are kept",
           payload=compact(event("payment.succeeded", {"id": "pay_3", "amount": "2000", "currency": 978})),
           object={"kind": "payment", "typed": {"id": "pay_3", "amount": None, "currency": None,
                                                "status": None, "customer": None}},
           fields={"data.object.amount": "2000", "data.object.currency": 978})
    g.case("empty-object", "an empty data.object is an object", payload=compact(event("refund.failed", {})),
           event_type="refund.failed",
           object={"kind": "refund", "typed": {"id": None, "payment": None, "amount": None, "status": None}})
    prev = {"status": "trialing", "currentPeriodEnd": 1765000000}
    body = compact({"id": "evt_1", "type": "subscription.updated", "created": NOW,
                    "data": {"object": KNOWN["subscription"][1], "previous_attributes": prev}})
    g.case("previous-attributes", "data.previous_attributes is kept", payload=body,
           event_type="subscription.updated", object={"kind": "subscription", "typed": KNOWN["subscription"][1]},
           previous_attributes=prev)
    g.case("no-previous-attributes", "previous_attributes is absent when the payload has none",
           previous_attributes=None)
    g.case("unicode-fields", "non-ASCII text survives",
           payload=compact(event("customer.created", {"id": "cust_2", "name": "Zo\u00eb \u2603",
                                                      "email": "z@example.com"})),
           event_type="customer.created",
           object={"kind": "customer", "typed": {"id": "cust_2", "name": "Zo\u00eb \u2603",
                                                 "email": "z@example.com"}})
    return g


def large_group():
    g = Group("large", "A 1 MiB payload, signed and tampered.")
    items = []
    size = len(compact(event("payment.succeeded", {"id": "pay_big", "items": []})))
    i = 0
    while size < 1024 * 1024 - 200:
        item = {"sku": "sku_%06d" % i, "qty": i % 7 + 1, "price": 1999}
        size += len(compact(item)) + 1
        items.append(item)
        i += 1
    obj = {"id": "pay_big", "amount": 2000, "items": items}
    body = compact(event("payment.succeeded", obj))
    body = body[:-1] + b" " * (1024 * 1024 - len(body)) + b"}"
    assert len(body) == 1024 * 1024, len(body)
    g.case("one-mib", "a 1 MiB event verifies and parses", payload=body,
           fields={"data.object.id": "pay_big"})
    tampered = bytearray(body); tampered[len(body) // 2] = ord("7") if tampered[len(body) // 2] != ord("7") else ord("8")
    g.case("one-mib-tampered", "one byte in the middle of 1 MiB changed", payload=bytes(tampered),
           header=header(body), error="signature_mismatch")
    return g


def rfc4231_group():
    """RFC 4231 section 4, test cases 1 to 7: HMAC-SHA256 itself, under the verifier."""
    cases = [
        (1, "0b" * 20, b"Hi There".hex(), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", None),
        (2, b"Jefe".hex(), b"what do ya want for nothing?".hex(),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", None),
        (3, "aa" * 20, "dd" * 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", None),
        (4, "0102030405060708090a0b0c0d0e0f10111213141516171819", "cd" * 50,
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", None),
        (5, "0c" * 20, b"Test With Truncation".hex(), "a3b6167473100ee06e0c796c2955552b", 16),
        (6, "aa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First".hex(),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", None),
        (7, "aa" * 131, (b"This is a test using a larger than block-size key and a larger than "
                          b"block-size data. The key needs to be hashed before being used by the "
                          b"HMAC algorithm.").hex(),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", None),
    ]
    out = []
    for n, key, data, mac, trunc in cases:
        full = hmac.new(bytes.fromhex(key), bytes.fromhex(data), hashlib.sha256).hexdigest()
        assert full.startswith(mac), "RFC 4231 case %d disagrees with Python's hmac" % n
        case = {"id": "rfc4231/%d" % n, "comment": "RFC 4231 test case %d" % n,
                "key_hex": key, "data_hex": data, "mac_hex": mac}
        if trunc:
            case["truncated_to_bytes"] = trunc
        out.append(case)
    doc = {"group": "rfc4231", "description": "HMAC-SHA256 test cases 1 to 7, as published.",
           "source": "RFC 4231, section 4 (https://www.rfc-editor.org/rfc/rfc4231#section-4)",
           "schema": "mac/1", "cases": out}
    (OUT / "rfc4231.json").write_text(json.dumps(doc, indent=1) + "\n")
    return len(out)


def lambda_group():
    """The HTTP events of AWS Lambda's four front ends, shaped as AWS documents
    them (API Gateway REST payload 1.0, HTTP API payload 2.0, function URLs,
    Application Load Balancers), base64 and not: the Lambda helpers' input."""
    body = PAYLOAD.decode()
    signed = header(PAYLOAD)
    encoded = base64.b64encode(PAYLOAD).decode()
    common = {"content-type": "application/json", "user-agent": "Payvost-Webhooks/1.0",
              "x-forwarded-for": "203.0.113.7", "x-forwarded-port": "443", "x-forwarded-proto": "https"}

    def rest(sig=signed, text=body, b64=False, name="Payvost-Signature", lines=None):
        named = {"Content-Type": "application/json", "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
                 "User-Agent": "Payvost-Webhooks/1.0", "X-Forwarded-For": "203.0.113.7"}
        lines = lines if lines is not None else ([] if sig is None else [sig])
        headers = dict(named, **({name: lines[-1]} if lines else {}))
        return {"resource": "/webhooks/payvost", "path": "/webhooks/payvost", "httpMethod": "POST",
                "headers": headers, "multiValueHeaders": {k: [v] for k, v in named.items()} | ({name: lines} if lines else {}),
                "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
                "stageVariables": None,
                "requestContext": {"accountId": "123456789012", "apiId": "abc123", "httpMethod": "POST",
                                   "path": "/prod/webhooks/payvost", "protocol": "HTTP/1.1", "stage": "prod",
                                   "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "resourcePath": "/webhooks/payvost",
                                   "requestTimeEpoch": NOW * 1000, "identity": {"sourceIp": "203.0.113.7"}},
                "body": text, "isBase64Encoded": b64}

    def v2(domain, route, sig=signed, text=body, b64=False):
        headers = dict(common, host=domain, **({"payvost-signature": sig} if sig is not None else {}))
        return {"version": "2.0", "routeKey": route, "rawPath": "/webhooks/payvost", "rawQueryString": "",
                "headers": headers,
                "requestContext": {"accountId": "123456789012", "apiId": domain.split(".")[0], "domainName": domain,
                                   "domainPrefix": domain.split(".")[0], "stage": "$default",
                                   "http": {"method": "POST", "path": "/webhooks/payvost", "protocol": "HTTP/1.1",
                                            "sourceIp": "203.0.113.7", "userAgent": "Payvost-Webhooks/1.0"},
                                   "requestId": "JKJaXmPLvHcESHA=", "routeKey": route, "time": "24/Nov/2025:16:00:00 +0000",
                                   "timeEpoch": NOW * 1000},
                "body": text, "isBase64Encoded": b64}

    def http(**kw):
        return v2("r3pmxmplak.execute-api.eu-west-1.amazonaws.com", "POST /webhooks/payvost", **kw)

    def url(**kw):
        return v2("a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.eu-west-1.on.aws", "$default", **kw)

    def alb(sig=signed, text=body, b64=False, multi=None):
        target = {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/payvost/6d0ecf831eec9f09"}}
        headers = dict(common, host="payvost-alb-1234.eu-west-1.elb.amazonaws.com")
        event = {"requestContext": target, "httpMethod": "POST", "path": "/webhooks/payvost", "body": text,
                 "isBase64Encoded": b64}
        if multi is None:
            event["queryStringParameters"] = {}
            event["headers"] = dict(headers, **({"payvost-signature": sig} if sig is not None else {}))
        else:
            event["multiValueQueryStringParameters"] = {}
            event["multiValueHeaders"] = dict({k: [v] for k, v in headers.items()}, **{"payvost-signature": multi})
        return event

    other = header(PAYLOAD, "whsec_second")
    fronts = {"rest": rest, "http": http, "url": url, "alb": alb}
    cases = []

    def case(id, comment, front, event, **expected):
        cases.append({"id": "lambda/" + id, "comment": comment, "front": front, "event": event,
                      "secrets": [SECRET], "now": NOW, "expected": expected or {"event_id": "evt_1", "event_type": "payment.succeeded"}})

    for name, make in fronts.items():
        case(name + "-text", "a JSON body handed as text", name, make())
        case(name + "-base64", "the body base64-encoded, isBase64Encoded true", name, make(text=encoded, b64=True))
        case(name + "-forged", "a body the signature is not for", name, make(text=body.replace("2000", "1")),
             error="signature_mismatch")
        case(name + "-no-header", "no Payvost-Signature header", name, make(sig=None), error="header_missing")
        case(name + "-bad-base64", "isBase64Encoded true on text that is not base64", name,
             make(text=body, b64=True), error="payload_wrong_type",
             message="The event's body is marked isBase64Encoded but is not base64 text (RFC 4648, with padding), "
                     "so the bytes Payvost signed cannot be had; pass the event exactly as the platform hands it to "
                     "the function.")
    case("rest-header-name-in-capitals", "the header's name in another case", "rest",
         rest(name="PAYVOST-SIGNATURE"))
    case("rest-header-sent-twice", "the header sent twice: headers holds the last line, multiValueHeaders both",
         "rest", rest(lines=[other, signed]), error="header_malformed")
    case("rest-no-body", "no body (null), the empty body signed: authentic, not JSON", "rest",
         rest(sig=header(b""), text=None), error="payload_invalid_json")
    case("http-header-sent-twice", "the header sent twice: HTTP APIs join the lines by a comma", "http",
         http(sig=other + "," + signed), error="header_malformed")
    case("alb-multi-value", "multi-value headers on the target group", "alb", alb(multi=[signed]))
    case("alb-multi-value-base64", "multi-value headers and a base64 body", "alb",
         alb(multi=[signed], text=encoded, b64=True))
    case("alb-multi-value-twice", "the header sent twice, as multi-value headers keep it", "alb",
         alb(multi=[other, signed]), error="header_malformed")
    doc = {"group": "lambda", "description": "protocol §10: the HTTP events of AWS Lambda's front ends, read by "
           "the Lambda helpers (constructEventFromLambda, payvost.aws_lambda).",
           "source": "written for this project, to the event shapes AWS documents for API Gateway (payload 1.0 "
                     "and 2.0), Lambda function URLs and Application Load Balancers",
           "schema": "lambda/1", "cases": cases}
    (OUT / "lambda.json").write_text(json.dumps(doc, indent=1, ensure_ascii=True) + "\n")
    return len(cases)


def receivers_group():
    """Protocol §10's table of answers, as data: each case a delivery and
    what every adapter answers it, the status and the body read from the
    table's row (the protocol is the source: a row that changes changes the
    file, and a case whose row says something else stops this script)."""
    protocol = (HERE.parent.parent / "docs" / "protocol.md").read_text()
    section = protocol[protocol.index("\n## 10. Receivers"):protocol.index("\n## 11.")]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1][:3].isdigit():
            rows[cells[0]] = (int(cells[1][:3]), cells[2])

    def answer(row, code=None):
        """The row's status, and its body with `...` read as "any string" and a code of `...` as `code`."""
        status, cell = rows[row]
        template = cell.split("`")[1].replace('"code": ...', '"code": "%s"' % code).replace("...", '"..."')
        body = json.loads(template)
        if code is not None:
            assert body["error"]["code"] == code, (row, code)
        return status, body

    verified_row = "verified, and the handlers (if the adapter runs them) returned"
    error_row = "a signature or payload error (§6)"
    large_row = next(row for row in rows if row.startswith("a body larger than the limit"))
    cases = []

    def case(name, comment, row, body, *, sign_with=SECRET, guard=False, after=None, code=None, over_limit=None):
        status, expected = answer(row, code)
        case = {"id": "receivers/" + name, "comment": comment, "row": row, "guard": guard}
        if over_limit is not None:
            case["over_limit"] = over_limit
        else:
            case["body_b64"] = base64.b64encode(body).decode()
        case["sign_with"] = sign_with
        if after is not None:
            case["after"] = after
        case["expected"] = {"status": status, "body": expected}
        cases.append(case)

    refund = compact(event("refund.created", {"id": "re_1", "payment": "pay_1", "amount": 500}, id="evt_receivers"))
    case("verified", "a signed event: the handlers run, then the answer", verified_row, refund)
    case("forged", "signed with another secret", error_row, refund, sign_with="whsec_someone_else",
         code="signature_mismatch")
    case("unsigned", "no Payvost-Signature header", error_row, refund, sign_with=None, code="header_missing")
    case("not-json", "authentic, but not JSON", error_row, b"not json", code="payload_invalid_json")
    case("too-large", "one byte over the adapter's limit (the body is that many bytes of spaces)", large_row, None,
         over_limit=1, code="payload_invalid_json")
    case("duplicate", "with a guard: the same event again, after it was processed", "with `idempotency` (§11): a duplicate, its handlers not run",
         refund, guard=True, after="verified")
    reused = compact(event("refund.created", {"id": "re_1", "payment": "pay_1", "amount": 1}, id="evt_receivers"))
    case("reused", "with a guard: the event's id again, with another body", "with `idempotency`: the event id came before with another body",
         reused, guard=True, after="verified", code="event_id_reused")
    doc = {"group": "receivers", "description": "protocol §10: what every framework adapter answers, read from "
           "the protocol's table. The adapters are given `secret`; a case is signed at the time it is sent, with "
           "`sign_with` (null: no header); "
           "`after` names the case sent first to the same adapter; in `expected.body` the string \"...\" stands "
           "for any string. FastAPI answers the same object under \"detail\" rather than \"error\".",
           "source": "docs/protocol.md §10", "schema": "receivers/1", "secret": SECRET, "cases": cases}
    (OUT / "receivers.json").write_text(json.dumps(doc, indent=1, ensure_ascii=True) + "\n")
    return len(cases)


if __name__ == "__main__":
    total = sum(g.write() for g in [secret_group(), header_group(), tolerance_group(), signature_group(),
                                    payload_group(), events_group(), large_group()])
    total += rfc4231_group()
    total += lambda_group()
    total += receivers_group()
    print("wrote %d cases" % total)
