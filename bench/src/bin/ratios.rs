//! The core's two speed targets, measured as this shared machine allows:
//! `verify` against a bare SHA-256 of the same 256 bytes, and
//! `construct_event` with typed access at 16 KiB in bytes per second.
//!
//! The contenders run interleaved, batch by batch, for many rounds. A
//! ratio is the median over rounds of the ratio within each round; a time
//! is the fastest batch: other tenants only ever slow a batch down, so the
//! minimum is the figure least moved by them. (criterion's means, in the
//! table above it, move by a third from one run to the next here.)
//!
//! `cargo run --release -p payvost-bench --bin ratios`; `bench/run.sh` runs it
//! and writes its table into `bench/README.md`.

// A measurement harness: arithmetic on counts and times of its own making.
#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use payvost_bench::{NOW, SECRET, payment_event};
use payvost_webhooks::{EventObject, Webhook, sign};
use sha2::{Digest, Sha256};

/// Many short batches: the quiet moments between other tenants' bursts are
/// short, and a short batch fits in one.
const ROUNDS: usize = 1_000;

/// Each contender's seconds per call, batch by batch, over `ROUNDS`
/// rounds that run every contender once in turn.
fn rounds(contenders: &mut [&mut dyn FnMut()], batch: usize) -> Vec<Vec<f64>> {
    let mut times = vec![Vec::with_capacity(ROUNDS); contenders.len()];
    for _ in 0..ROUNDS {
        for (run, times) in contenders.iter_mut().zip(times.iter_mut()) {
            let start = Instant::now();
            for _ in 0..batch {
                run();
            }
            times.push(start.elapsed().as_secs_f64() / batch as f64);
        }
    }
    times
}

fn fastest(times: &[f64]) -> f64 {
    times.iter().copied().fold(f64::MAX, f64::min)
}

/// The median over rounds of `a / b` within each round: a tenant that slows
/// a whole round down slows both alike.
fn median_ratio(a: &[f64], b: &[f64]) -> f64 {
    let mut ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| a / b).collect();
    ratios.sort_by(f64::total_cmp);
    ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let webhook = Webhook::new(SECRET).unwrap();

    let small = payment_event(256);
    let small_header = sign(&small, SECRET, NOW).unwrap();
    let small_times = rounds(
        &mut [
            &mut || {
                black_box(
                    webhook
                        .verify(black_box(&small), black_box(&small_header), NOW)
                        .is_ok(),
                );
            },
            &mut || {
                black_box(Sha256::digest(black_box(&small)));
            },
        ],
        500,
    );
    let [verify, sha] = &small_times[..] else {
        unreachable!("two contenders")
    };
    let small_ratio = median_ratio(sha, verify);
    let (verify, sha) = (fastest(verify), fastest(sha));

    let large = payment_event(16 * 1024);
    let large_header = sign(&large, SECRET, NOW).unwrap();
    let large_times = rounds(
        &mut [
            &mut || {
                let event =
                    webhook.construct_event(black_box(&large), black_box(&large_header), NOW);
                black_box(
                    event
                        .map(|e| match e.object() {
                            EventObject::Payment(p) => p.amount,
                            _ => None,
                        })
                        .ok(),
                );
            },
            &mut || {
                black_box(Sha256::digest(black_box(&large)));
            },
        ],
        10,
    );
    let [construct, large_sha] = &large_times[..] else {
        unreachable!("two contenders")
    };
    let (construct, large_sha) = (fastest(construct), fastest(large_sha));
    let gbps = |seconds: f64| large.len() as f64 / seconds / 1e9;

    let table = format!(
        "| target | measured | figure |\n| --- | --- | --- |\n\
         | `verify` at 256 B ≥ 0.60x a bare SHA-256 (median of each round's ratio) | fastest {:.0} ns against {:.0} ns | **{:.2}x** |\n\
         | `construct_event` with typed access at 16 KiB ≥ 0.5 GB/s (fastest batch) | {:.1} µs (SHA-256 alone: {:.1} µs) | **{:.2} GB/s** |\n",
        verify * 1e9,
        sha * 1e9,
        small_ratio,
        construct * 1e6,
        large_sha * 1e6,
        gbps(construct),
    );
    print!("{table}");
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let text = std::fs::read_to_string(readme).unwrap();
    let (head, rest) = text.split_once("<!-- ratios:begin -->").unwrap();
    let (_, tail) = rest.split_once("<!-- ratios:end -->").unwrap();
    std::fs::write(
        readme,
        format!("{head}<!-- ratios:begin -->\n{table}<!-- ratios:end -->{tail}"),
    )
    .unwrap();
}
