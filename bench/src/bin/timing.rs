//! Timing evidence, dudect-style: does rejecting a forged signature take
//! longer the more of its leading bytes match the real tag?
//!
//! Two classes of forged headers are timed call by call in random order:
//! one that differs from the real tag in its first byte (0 leading bytes
//! match), one that differs in its last byte (31 match). Welch's t-test
//! compares the classes, on all samples and on samples cropped at several
//! percentiles (dudect's treatment of outliers); |t| above 4.5 is the usual
//! threshold for "a leak is detected". A deliberately leaky comparison, an
//! early-exit loop over the 32 bytes, runs the same way as a positive
//! control, showing that the method can see a leak of this kind at all; the
//! same header in both classes is the null control, the harness's own noise.
//!
//! `cargo run --release -p payvost-bench --bin timing [samples per class]`

// A measurement harness: arithmetic on counts and times of its own making.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used
)]

use std::hint::black_box;
use std::time::Instant;

use payvost_webhooks::{Webhook, sign};

/// Welch's t statistic of two samples.
fn welch(a: &[f64], b: &[f64]) -> f64 {
    let stats = |x: &[f64]| {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (n, mean, var)
    };
    let ((na, ma, va), (nb, mb, vb)) = (stats(a), stats(b));
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// Samples of both classes below the `p`-th percentile of all samples.
fn cropped(a: &[f64], b: &[f64], p: f64) -> (Vec<f64>, Vec<f64>) {
    let mut all: Vec<f64> = a.iter().chain(b).copied().collect();
    all.sort_by(|x, y| x.total_cmp(y));
    let limit = all[((all.len() as f64 - 1.0) * p) as usize];
    (
        a.iter().copied().filter(|v| *v <= limit).collect(),
        b.iter().copied().filter(|v| *v <= limit).collect(),
    )
}

/// Times `run(class)` for `n` calls per class, the classes in random order.
fn measure(n: usize, mut run: impl FnMut(bool) -> bool) -> (Vec<f64>, Vec<f64>) {
    let (mut first, mut last) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    while first.len() < n || last.len() < n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let class = (state & 1 == 1 && first.len() < n) || last.len() >= n;
        let start = Instant::now();
        black_box(run(black_box(class)));
        let ns = start.elapsed().as_nanos() as f64;
        if class { first.push(ns) } else { last.push(ns) }
    }
    (first, last)
}

fn report(name: &str, (a, b): (Vec<f64>, Vec<f64>)) {
    let mut line = format!("| {name} | {:.2} |", welch(&a, &b));
    for p in [0.5, 0.9, 0.99] {
        let (ca, cb) = cropped(&a, &b, p);
        line += &format!(" {:.2} |", welch(&ca, &cb));
    }
    println!("{line}");
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(1_000_000, |s| s.parse().unwrap());
    let payload = payvost_bench::payment_event(256);
    let header =
        sign(&payload, payvost_bench::SECRET, payvost_bench::NOW).unwrap_or_else(|e| panic!("{e}"));
    let tag = header.rsplit("v1=").next().unwrap().to_owned();
    let flip = |at: usize| {
        let mut hex = tag.clone().into_bytes();
        hex[at] = if hex[at] == b'0' { b'1' } else { b'0' };
        format!(
            "t={},v1={}",
            payvost_bench::NOW,
            String::from_utf8(hex).unwrap()
        )
    };
    let (first_wrong, last_wrong) = (flip(0), flip(63));
    let webhook = Webhook::new(payvost_bench::SECRET).unwrap();
    println!(
        "{n} samples per class; Welch's t of (first byte wrong) vs (last byte wrong); |t| > 4.5 means a leak is detected\n"
    );
    println!("| comparison | all samples | below 50th percentile | below 90th | below 99th |");
    println!("| --- | --- | --- | --- | --- |");
    report(
        "`Webhook::verify` (constant-time, `subtle`)",
        measure(n, |class| {
            webhook
                .verify(
                    &payload,
                    if class { &first_wrong } else { &last_wrong },
                    payvost_bench::NOW,
                )
                .is_err()
        }),
    );
    // The null control: the same forged header in both classes (separate
    // copies), so any |t| here is the harness's own noise or bias.
    let same = first_wrong.clone();
    report(
        "null control: the same header in both classes",
        measure(n, |class| {
            webhook
                .verify(
                    &payload,
                    if class { &first_wrong } else { &same },
                    payvost_bench::NOW,
                )
                .is_err()
        }),
    );
    // The positive control: an early-exit comparison of the 32 tag bytes.
    let real: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&tag[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut forged_first = real.clone();
    forged_first[0] ^= 1;
    let mut forged_last = real.clone();
    forged_last[31] ^= 1;
    report(
        "control: early-exit byte loop (leaky)",
        measure(n, |class| {
            let candidate = if class { &forged_first } else { &forged_last };
            for i in 0..32 {
                if black_box(candidate[i]) != black_box(real[i]) {
                    return false;
                }
            }
            true
        }),
    );
}
