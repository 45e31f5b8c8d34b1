//! Where the time of one `verify` of a 256-byte event goes: header parsing,
//! candidate decoding and the HMAC itself, beside a bare SHA-256.
//! `cargo bench -p payvost-bench --bench profile`; figures in bench/README.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{KeyInit, Mac};
use payvost_bench::{NOW, SECRET, payment_event};
use payvost_webhooks::{SignatureHeader, Webhook, sign};
use sha2::{Digest, Sha256};

fn bench(c: &mut Criterion) {
    let payload = payment_event(256);
    let header = sign(&payload, SECRET, NOW).unwrap_or_else(|e| panic!("{e}"));
    let webhook = Webhook::new(SECRET).unwrap_or_else(|e| panic!("{e}"));
    let keyed =
        hmac::Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mut signed_content = format!("{NOW}.").into_bytes();
    signed_content.extend_from_slice(&payload);

    let mut group = c.benchmark_group("profile-256");
    group.bench_function("sha256 of the payload", |b| {
        b.iter(|| Sha256::digest(black_box(&payload)))
    });
    group.bench_function("header parse", |b| {
        b.iter(|| SignatureHeader::parse(black_box(&header)).map(|h| h.timestamp()))
    });
    group.bench_function("header parse + decode v1", |b| {
        b.iter(|| {
            SignatureHeader::parse(black_box(&header)).map(|h| h.signatures().flatten().count())
        })
    });
    group.bench_function("hmac from keyed state", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            mac.update(black_box(&signed_content));
            mac.finalize().into_bytes()
        })
    });
    group.bench_function("verify", |b| {
        b.iter(|| webhook.verify(black_box(&payload), black_box(&header), NOW))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
