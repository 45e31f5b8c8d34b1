//! The core's JSON checks in bytes per second, and what they cost a whole
//! verification: `check_json_limits` (UTF-8, nesting, surrogate escapes, the
//! work of `verify_json` beyond `verify`) at 1, 16 and 256 KiB, `verify` at
//! 256 B (the floor a binding's crossing adds to) and `construct_event` at
//! 16 KiB, on the payment events of `payvost_bench`. Each figure is the
//! fastest batch of 300 interleaved rounds, the one least moved by other
//! tenants of this shared machine.
//!
//! `cargo run --release -p payvost-bench --bin scan`; it prints the table
//! that `bench/README.md` shows, and writes it there between the markers
//! named by its first argument (default `scan`).

// A measurement harness: arithmetic on counts and times of its own making.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Instant;

use payvost_bench::{NOW, SECRET, payment_event};
use payvost_webhooks::{Webhook, bindings::check_json_limits, sign};

const ROUNDS: usize = 300;

/// The fastest batch of `run`, in seconds per call, interleaved with the others.
fn fastest(contenders: &mut [(&str, usize, &mut dyn FnMut())]) -> Vec<f64> {
    let mut best = vec![f64::MAX; contenders.len()];
    for _ in 0..ROUNDS {
        for ((_, batch, run), best) in contenders.iter_mut().zip(best.iter_mut()) {
            let start = Instant::now();
            for _ in 0..*batch {
                run();
            }
            *best = best.min(start.elapsed().as_secs_f64() / *batch as f64);
        }
    }
    best
}

fn main() {
    let webhook = Webhook::new(SECRET).unwrap();
    let sizes = [1024, 16 * 1024, 256 * 1024];
    let bodies: Vec<Vec<u8>> = sizes.iter().map(|&size| payment_event(size)).collect();
    let small = payment_event(256);
    let small_header = sign(&small, SECRET, NOW).unwrap();
    let large = &bodies[1];
    let large_header = sign(large, SECRET, NOW).unwrap();
    let mut scans: Vec<Box<dyn FnMut()>> = bodies
        .iter()
        .map(|body| {
            Box::new(move || {
                black_box(check_json_limits(black_box(body)).is_ok());
            }) as Box<dyn FnMut()>
        })
        .collect();
    let mut verify = || {
        black_box(
            webhook
                .verify(black_box(&small), black_box(&small_header), NOW)
                .is_ok(),
        );
    };
    let mut construct = || {
        black_box(
            webhook
                .construct_event(black_box(large), black_box(&large_header), NOW)
                .is_ok(),
        );
    };
    let [s1, s16, s256] = &mut scans[..] else {
        unreachable!("three sizes")
    };
    let times = fastest(&mut [
        ("check_json_limits 1 KiB", 200, &mut **s1),
        ("check_json_limits 16 KiB", 20, &mut **s16),
        ("check_json_limits 256 KiB", 2, &mut **s256),
        ("verify 256 B", 200, &mut verify),
        ("construct_event 16 KiB", 5, &mut construct),
    ]);
    let gbps = |seconds: f64, bytes: usize| bytes as f64 / seconds / 1e9;
    let table = format!(
        "| `check_json_limits` 1 KiB | 16 KiB | 256 KiB | `verify` 256 B | `construct_event` 16 KiB |\n\
         | --- | --- | --- | --- | --- |\n\
         | {:.0} ns ({:.1} GB/s) | {:.2} µs ({:.1} GB/s) | {:.1} µs ({:.1} GB/s) | {:.0} ns | {:.1} µs ({:.2} GB/s) |\n",
        times[0] * 1e9,
        gbps(times[0], sizes[0]),
        times[1] * 1e6,
        gbps(times[1], sizes[1]),
        times[2] * 1e6,
        gbps(times[2], sizes[2]),
        times[3] * 1e9,
        times[4] * 1e6,
        gbps(times[4], sizes[1]),
    );
    print!("{table}");
    let mark = std::env::args().nth(1).unwrap_or_else(|| "scan".into());
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let text = std::fs::read_to_string(readme).unwrap();
    let Some((head, rest)) = text.split_once(&format!("<!-- {mark}:begin -->")) else {
        eprintln!(
            "bench/README.md has no <!-- {mark}:begin --> marker: the table was not written."
        );
        return;
    };
    let (_, tail) = rest.split_once(&format!("<!-- {mark}:end -->")).unwrap();
    std::fs::write(
        readme,
        format!("{head}<!-- {mark}:begin -->\n{table}<!-- {mark}:end -->{tail}"),
    )
    .unwrap();
}
