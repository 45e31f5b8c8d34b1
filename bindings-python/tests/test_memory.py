"""Resident memory stays flat over many mixed calls, and a 100 MiB payload
verifies with memory close to its own size. Scaled to seconds here;
`make soak` runs 1,000,000 calls (PAYVOST_SOAK_CALLS)."""

from __future__ import annotations

import gc
import os

import payvost

from conftest import BODY, NOW, SECRET

CALLS = int(os.environ.get("PAYVOST_SOAK_CALLS", "200000"))
MB = 1024 * 1024


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_resident_memory_stays_flat_over_mixed_calls() -> None:
    header = payvost.WebhookSignature.generate_header(BODY, SECRET, NOW)
    calls = [
        lambda: payvost.Webhook.construct_event(BODY, header, SECRET, now=NOW),
        lambda: payvost.Webhook.construct_event(BODY + b" ", header, SECRET, now=NOW),
        lambda: payvost.Webhook.construct_event(BODY, "t=1,v1=zz", SECRET, now=NOW),
        lambda: payvost.Webhook.construct_event(BODY, header, "sk_wrong", now=NOW),
        lambda: payvost.Webhook.construct_event({"parsed": True}, header, SECRET, now=NOW),  # type: ignore[arg-type]
        lambda: payvost.WebhookSignature.verify_header(BODY, header, [SECRET, "whsec_b"], now=NOW + 999),
    ]

    def run(n: int) -> None:
        for i in range(n):
            try:
                calls[i % len(calls)]()
            except payvost.error.PayvostError:
                pass

    run(CALLS // 4)  # warm-up
    gc.collect()
    before = rss()
    run(CALLS)
    gc.collect()
    growth = rss() - before
    print(f"rss growth over {CALLS} calls: {growth / MB:.1f} MB")
    assert growth < 10 * MB, f"{growth / MB:.1f} MB"


def test_events_kept_then_released_leave_nothing_behind() -> None:
    # Member names change from event to event, churning the member-name cache.
    bodies = [
        (body, payvost.WebhookSignature.generate_header(body, SECRET, NOW))
        for body in (BODY.replace(b'"amount"', f'"amount_{i}"'.encode()) for i in range(2000))
    ]

    def keep_and_release() -> None:
        kept = [payvost.Webhook.construct_event(body, header, SECRET, now=NOW)
                for _ in range(max(1, CALLS // 40 // len(bodies))) for body, header in bodies]
        assert type(kept[-1]) is payvost.PaymentEvent
        del kept
        gc.collect()

    keep_and_release()  # warm-up: the allocator's arenas, the cache's slots
    before = rss()
    for _ in range(4):
        keep_and_release()
    growth = rss() - before
    print(f"rss growth over four rounds of kept and released events: {growth / MB:.1f} MB")
    assert growth < 10 * MB, f"{growth / MB:.1f} MB"


def test_a_100_mib_payload_verifies_in_place() -> None:
    payload = b" " * (100 * MB)
    header = payvost.WebhookSignature.generate_header(payload, SECRET, NOW)
    before = rss()
    assert payvost.WebhookSignature.verify_header(payload, header, SECRET, now=NOW).secret_index == 0
    extra = rss() - before
    print(f"rss beyond the payload while verifying 100 MiB: {extra / MB:.1f} MB")
    assert extra < 10 * MB, f"{extra / MB:.1f} MB"  # bytes are read where they lie
