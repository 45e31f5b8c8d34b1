//! `verify` and `construct_event` beside a bare SHA-256 of the same bytes.
//! `bench/run.sh` adds OpenSSL's figures and writes the table.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use payvost_bench::{NOW, SECRET, SIZES, payment_event};
use payvost_webhooks::{EventObject, Webhook, sign};
use sha2::{Digest, Sha256};

fn bench(c: &mut Criterion) {
    let webhook = Webhook::new(SECRET).unwrap_or_else(|e| panic!("{e}"));
    for size in SIZES {
        let payload = payment_event(size);
        let header = sign(&payload, SECRET, NOW).unwrap_or_else(|e| panic!("{e}"));
        let mut group = c.benchmark_group(format!("{size}"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("sha256", |b| b.iter(|| Sha256::digest(black_box(&payload))));
        group.bench_function("verify", |b| {
            b.iter(|| webhook.verify(black_box(&payload), black_box(&header), NOW))
        });
        group.bench_function("check_json_limits", |b| {
            b.iter(|| payvost_webhooks::bindings::check_json_limits(black_box(&payload)).is_ok())
        });
        group.bench_function("construct_raw_event", |b| {
            b.iter(|| {
                webhook
                    .construct_raw_event(black_box(&payload), black_box(&header), NOW)
                    .is_ok()
            })
        });
        // With typed access: the event, then its payment's fields.
        group.bench_function("construct_event", |b| {
            b.iter(|| {
                let event = webhook.construct_event(black_box(&payload), black_box(&header), NOW);
                event.map(|e| match e.object() {
                    EventObject::Payment(p) => p.amount,
                    _ => None,
                })
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
