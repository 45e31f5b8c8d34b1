//! Seeded random and mutated inputs, 100,000 calls: the core returns an
//! `Error` with a code of protocol §6 or an event, and never panics.

// Test code: a panic here is a failing test, not a crash of the library.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use payvost_webhooks::{Error, Webhook, sign};

/// xorshift64*: seeded, so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn one_hundred_thousand_random_and_mutated_calls() {
    let mut rng = Rng(20_261_128);
    let body = br#"{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}"#;
    let header = sign(body, "whsec_escape", 1_764_000_000).unwrap();
    let (mut events, mut errors) = (0, 0);
    for i in 0..100_000 {
        let mut payload = match rng.below(3) {
            0 => body.to_vec(),
            1 => {
                let n = rng.below(128);
                rng.bytes(n)
            }
            _ => body.to_vec(),
        };
        for _ in 0..rng.below(4) {
            let at = rng.below(payload.len().max(1));
            if let Some(byte) = payload.get_mut(at) {
                *byte = rng.next() as u8;
            }
        }
        let header = match rng.below(4) {
            0 => header.clone(),
            1 => header[..rng.below(header.len())].to_owned(),
            2 => {
                let n = rng.below(60);
                String::from_utf8_lossy(&rng.bytes(n)).into_owned()
            }
            _ => header.replace('v', ["v", "V", ",", "="][rng.below(4)]),
        };
        let secret = ["whsec_escape", "sk_x", "", " whsec_escape", "whsec_other"][rng.below(5)];
        let tolerance = [300, 0, -1, 1, 2_592_001, i64::MAX][rng.below(6)];
        let now = [1_764_000_000, i64::MIN, i64::MAX, 0, rng.next() as i64][rng.below(5)];
        let outcome = Webhook::new(secret)
            .and_then(|w| w.tolerance(tolerance))
            .and_then(|w| {
                if i % 2 == 0 {
                    w.construct_event(&payload, &header, now).map(drop)
                } else {
                    w.verify(&payload, &header, now).map(drop)
                }
            });
        match outcome {
            Ok(()) => events += 1,
            Err(e) => {
                assert!(Error::ALL.contains(&e.code()));
                errors += 1;
            }
        }
    }
    assert!(events > 0 && errors > 0, "{events} events, {errors} errors");
}
