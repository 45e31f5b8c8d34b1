"""Random verification cases for `make differential`, from a seed.

Each case is what a verifier is given: a payload, a header (or none),
secrets, `now` and sometimes a tolerance. The generators aim at the edges
where doors could part: the header grammar, the secret rules, the clock
window, the JSON and envelope rules, and `created` near 2^53 with fractions.
Signatures come from Python's `hmac`, never from the SDK.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from pathlib import Path
from typing import Any, Callable, Iterator

NOW = 1_764_000_000
TOLERANCE = 300
MAX_HEADER_LEN = 8192
MAX_DEPTH = 127
# Every typed field of the core's schema (facts.json `objects`), each drawn of every JSON type.
FACTS = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "facts.json").read_text())
TYPED_FIELDS = sorted({f["name"] for o in FACTS["objects"] for f in o["fields"]} - {"id"})
TYPES = ["payment.succeeded", "payment.failed", "subscription.updated", "refund.created", "customer.created",
         "dispute.created", "payout.paid", "x", "Payment.Succeeded", "payment.succeeded ", "\u00e9v\u00e9nement"]


def signature(secret: str, t: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), t.encode() + b"." + payload, hashlib.sha256).hexdigest()


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, weighted: list[tuple[int, Callable[[], Any]]]) -> Any:
        total = sum(w for w, _ in weighted)
        roll = self.rng.randrange(total)
        for weight, make in weighted:
            if roll < weight:
                return make()
            roll -= weight
        raise AssertionError

    def text(self, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789_", lo: int = 1, hi: int = 12) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(lo, hi)))

    # ------------------------------------------------------------ secrets

    def secret(self) -> str:
        return self.pick([
            (80, lambda: "whsec_" + self.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", 8, 40)),
            (2, lambda: self.text(lo=1, hi=20)),
            (1, lambda: "whsec_\u00e9\u2603\U0001f600"),
            (1, lambda: ""),
            (1, lambda: self.rng.choice([" ", "\t", "\n", " \n "])),
            (1, lambda: self.rng.choice([" whsec_x", "whsec_x\n", "whsec_x ", "\twhsec_x"])),
            (1, lambda: self.rng.choice(["sk_", "pk_", "rk_"]) + self.text()),
            (1, lambda: "whsec_a b"),
        ])

    # ------------------------------------------------------------ numbers

    def created(self) -> Any:
        """Raw JSON text for `created`."""
        near = [2**53, 2**52, 2**51, 2**53 - 1, 10**15, NOW]
        return self.pick([
            (6, lambda: str(self.rng.randint(-2**31, 2**34))),
            (8, lambda: self.fraction_near(self.rng.choice(near))),
            (2, lambda: str(self.rng.choice(near) + self.rng.randint(-3, 3))),
            (2, lambda: f"{self.rng.choice(near) / 10 ** self.rng.randint(0, 16)!r}e{self.rng.randint(0, 16)}"),
            (1, lambda: self.rng.choice(["1e400", "-1e400", "1e-400", "-0", "0.0", "-0.0", "9223372036854775808",
                                         "18446744073709551616", "1E9", "1.764e+9", "0e0"])),
            (1, lambda: self.rng.choice(['"1764000000"', "true", "null", "[]", "{}", '""'])),
        ])

    def fraction_near(self, base: int) -> str:
        whole = base + self.rng.randint(-4, 4)
        sign = self.rng.choice(["", "", "-"])
        digits = self.rng.choice(["5", "4", "6", "25", "75", "49999999999999999999", "50000000000000000001",
                                  "0000000000000000001", str(self.rng.randint(0, 10**self.rng.randint(1, 25)))])
        return f"{sign}{whole}.{digits}"

    # ------------------------------------------------------------ payloads

    def value(self, depth: int = 0) -> Any:
        if depth > 3:
            return self.rng.choice([1, "s", None, True, 2.5])
        return self.pick([
            (4, lambda: self.rng.randint(-10**6, 10**6)),
            (2, lambda: self.rng.choice([2**63, -(2**63) - 1, 2**64, 10**30, 0.1, 1e300, -0.0])),
            (4, lambda: self.text(" abcxyz\u00e9\u2603\U0001f600\"\\\n/", 0, 10)),
            (1, lambda: self.rng.choice([True, False, None])),
            (2, lambda: [self.value(depth + 1) for _ in range(self.rng.randint(0, 3))]),
            (2, lambda: {self.text(): self.value(depth + 1) for _ in range(self.rng.randint(0, 3))}),
        ])

    def member(self, name: str, good: Callable[[], str]) -> str | None:
        """A member's raw JSON text, mostly good, sometimes of another kind or absent."""
        return self.pick([
            (80, good),
            (1, lambda: None),
            (1, lambda: self.rng.choice(["null", "1", '""', "[]", "{}", "true", '"x"'])),
        ])

    def event(self) -> bytes:
        members: list[tuple[str, str]] = []
        for name, good in [
            ("id", lambda: json.dumps("evt_" + self.text())),
            ("type", lambda: json.dumps(self.rng.choice(TYPES))),
            ("created", self.created),
            ("data", self.data),
            ("livemode", lambda: json.dumps(self.rng.choice([True, False]))),
        ]:
            raw = self.member(name, good)
            if raw is not None:
                members.append((name, raw))
        if self.rng.random() < 0.05 and members:
            # A duplicate key: the last one wins, in every door.
            name, _ = self.rng.choice(members)
            members.append((name, json.dumps("evt_dup") if name == "id" else self.member(name, lambda: "1") or "1"))
        self.rng.shuffle(members)
        space = self.rng.choice(["", "", " ", "\n  "])
        body = "{" + ",".join(f"{space}{json.dumps(k)}:{space}{v}" for k, v in members) + space + "}"
        return body.encode()

    def typed_value(self) -> Any:
        """A typed field's value: mostly of its own kind, else of any JSON type."""
        return self.pick([
            (3, lambda: self.text(" abcxyz\u00e9\u2603\U0001f600\"\\", 0, 10)),
            (3, lambda: self.rng.choice([0, 2000, -1, NOW, 2**63 - 1, -(2**63), 2**63, 10**30, 2000.0, 2e3, 0.5])),
            (2, lambda: self.value()),
        ])

    def typed_object(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"id": self.pick([(8, lambda: "pay_" + self.text()), (1, self.value)])}
        for name in TYPED_FIELDS:
            if self.rng.random() < 0.6:
                obj[name] = self.typed_value()
        obj["metadata"] = self.value()
        return obj

    def data(self) -> str:
        obj = self.member("object", lambda: json.dumps(self.typed_object(), ensure_ascii=self.rng.random() < 0.5))
        members = [] if obj is None else [f'"object":{obj}']
        if self.rng.random() < 0.2:
            members.append(f'"previous_attributes":{json.dumps(self.value())}')
        return "{" + ",".join(members) + "}"

    def hostile(self) -> bytes:
        valid = self.event()
        cut = self.rng.randrange(len(valid) + 1)
        return self.pick([
            (3, lambda: valid[:cut]),
            (2, lambda: valid[:cut] + bytes([self.rng.randrange(256)]) + valid[cut:]),
            (1, lambda: b"\xef\xbb\xbf" + valid),
            (1, lambda: valid + self.rng.choice([b"x", b" {}", b"\x00", b",", b"\n"])),
            (1, lambda: bytes(self.rng.randrange(256) for _ in range(self.rng.randint(0, 64)))),
            (1, lambda: self.nested(self.rng.randint(MAX_DEPTH - 3, MAX_DEPTH + 2))),
            (1, lambda: self.rng.choice([b"", b"null", b"[]", b'"evt"', b"42", b"NaN", b"{}", b"{\"id\":1,}"])),
            (1, lambda: valid.replace(b'"evt_', b'"\\ud800evt_', 1)),
            (1, lambda: valid.replace(b'"evt_', "\"\u00e9\u0000".encode(), 1)),
        ])

    def nested(self, depth: int) -> bytes:
        """An event whose data.object holds arrays nested to `depth` in all."""
        inner = b"[" * (depth - 3) + b"]" * (depth - 3)
        return b'{"id":"evt_deep","type":"x","data":{"object":{"n":' + inner + b"}}}"

    def payload(self) -> bytes:
        return self.pick([(8, self.event), (2, self.hostile)])

    # ------------------------------------------------------------ headers

    def timestamp(self) -> str:
        return self.pick([
            (40, lambda: str(NOW + self.rng.randint(-330, 330))),
            (2, lambda: str(NOW + self.rng.choice([-301, -300, 300, 301, -1, 1]))),
            (1, lambda: "0" * self.rng.randint(1, 9) + str(NOW)),
            (1, lambda: self.rng.choice(["", "-1764000000", "+1764000000", "1764000000.0", "9223372036854775807",
                                         "9223372036854775808", "99999999999999999999", "0", "1e9", "\u0661\u0662",
                                         " 1764000000"])),
        ])

    def header(self, payload: bytes, secrets: list[str]) -> str | None:
        t = self.timestamp()
        signer = self.pick([
            (8, lambda: self.rng.choice(secrets) if secrets else "whsec_none"),
            (1, lambda: "whsec_other"),
        ])
        v1 = signature(signer, t, payload)
        parts = [f"t={t}", f"v1={v1}"]
        # Most headers are as Payvost sends them; the rest break one rule.
        mutate = self.rng.random() * 2 - 1
        if mutate < 0.5:
            pass
        elif mutate < 0.6:
            parts.insert(self.rng.randint(0, len(parts)), f"v1={signature('whsec_decoy', t, payload)}")
        elif mutate < 0.65:
            parts.insert(self.rng.randint(0, len(parts)), self.rng.choice(["v0=abc", "v2=" + v1, "x=y", "v1=", "v1=zz"]))
        elif mutate < 0.7:
            parts[1] = "v1=" + v1.upper()
        elif mutate < 0.75:
            parts[1] = "v1=" + v1[:-1]
        elif mutate < 0.8:
            parts.append(f"t={t}")
        elif mutate < 0.85:
            parts = [p for p in parts if not p.startswith(self.rng.choice(["t=", "v1="]))]
        elif mutate < 0.9:
            parts.insert(self.rng.randint(0, len(parts)), self.rng.choice(["", "noequals", "=", " ", "t"]))
        elif mutate < 0.95:
            parts.reverse()
        else:
            filler = MAX_HEADER_LEN - len(",".join(parts)) - 1 + self.rng.randint(-4, 4) - 3
            parts.append("x=" + "a" * max(0, filler))
        sep = self.pick([(30, lambda: ","), (1, lambda: self.rng.choice([", ", " ,", ",\t", ",,"]))])
        header = sep.join(parts)
        return self.pick([
            (40, lambda: header),
            (1, lambda: None),
            (1, lambda: ""),
            (1, lambda: "   "),
            (1, lambda: " " + header + " "),
            (1, lambda: header + "\u00e9"),
            # The header sent twice, as a server hands it on: joined by ", " or "," (protocol §2).
            (2, lambda: header + self.rng.choice([", ", ","]) + self.rng.choice([header, f"v1={v1}", f"t={t}"])),
        ])

    # ------------------------------------------------------------ cases

    def case(self) -> dict[str, Any]:
        count = self.pick([(30, lambda: 1), (8, lambda: self.rng.randint(2, 4)), (1, lambda: 0)])
        secrets = [self.secret() for _ in range(count)]
        payload = self.payload()
        header = self.header(payload, secrets)
        case: dict[str, Any] = {
            "payload_b64": base64.b64encode(payload).decode(),
            "header": header,
            "secrets": secrets,
            "now": self.pick([(20, lambda: NOW), (3, lambda: NOW + self.rng.randint(-700, 700)),
                              (1, lambda: self.rng.choice([0, -1, 2**53 - 1, -(2**53 - 1)]))]),
        }
        if self.rng.random() < 0.02:
            self.lone_surrogate(case)
        if self.rng.random() < 0.15:
            case["tolerance"] = self.rng.choice([1, 60, 299, 300, 301, 600, 2592000, 600, 0, -5, 2592001])
        return case


    def lone_surrogate(self, case: dict[str, Any]) -> None:
        """A lone surrogate in the header or a secret: strings JavaScript and
        Python can hold but UTF-8 cannot carry. Those doors turn each into
        U+FFFD; PHP and the CLI are given that text (see `as_utf8`)."""
        surrogate = self.rng.choice(["\ud800", "\udbff", "\udc00", "\udfff"])
        where = self.rng.choice(["header", "secret"]) if case["secrets"] else "header"
        if where == "header" and case["header"] is not None:
            at = self.rng.randint(0, len(case["header"]))
            case["header"] = case["header"][:at] + surrogate + case["header"][at:]
        elif case["secrets"]:
            i = self.rng.randrange(len(case["secrets"]))
            case["secrets"][i] = case["secrets"][i] + surrogate


def as_utf8(value: Any) -> Any:
    """`value` with every lone surrogate replaced by U+FFFD, as the JavaScript
    and Python doors convert strings, for doors whose strings are UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if isinstance(value, list):
        return [as_utf8(v) for v in value]
    if isinstance(value, dict):
        return {k: as_utf8(v) for k, v in value.items()}
    return value


def generate(seed: int, count: int) -> Iterator[dict[str, Any]]:
    generator = Generator(seed)
    for _ in range(count):
        yield generator.case()
