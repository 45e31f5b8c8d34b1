//! Realistic webhook payloads for the benchmarks: a `payment.succeeded`
//! event whose object carries line items until the body has the size asked.

// Sizes of generated test data, far from any overflow; not input handling.
#![allow(clippy::arithmetic_side_effects)]

/// The sizes benchmarked, in bytes.
pub const SIZES: [usize; 4] = [256, 1024, 16 * 1024, 256 * 1024];

/// The secret the benchmarks sign and verify with.
pub const SECRET: &str = "whsec_1234567890";

/// The `now` and `t` of every benchmark, so the tolerance always passes.
pub const NOW: i64 = 1_764_000_000;

/// A compact `payment.succeeded` event of exactly `size` bytes (at least
/// 200), padded with line items and then spaces before the final brace.
pub fn payment_event(size: usize) -> Vec<u8> {
    let head = r#"{"id":"evt_1NxBench","type":"payment.succeeded","created":1764000000,"livemode":false,"data":{"object":{"id":"pay_test_1234567890","amount":2000,"currency":"eur","status":"succeeded","customer":"cust_42","items":["#;
    let tail = "]}}}";
    let mut body = String::from(head);
    let mut index = 0u32;
    loop {
        let item = format!(
            r#"{}{{"sku":"sku_{index:06}","qty":{},"price":1999}}"#,
            if index == 0 { "" } else { "," },
            index % 7 + 1
        );
        if body.len() + item.len() + tail.len() > size {
            break;
        }
        body.push_str(&item);
        index += 1;
    }
    body.push_str(&" ".repeat(size.saturating_sub(body.len() + tail.len())));
    body.push_str(tail);
    body.into_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn payloads_have_the_size_asked_and_are_events() {
        for size in super::SIZES {
            let body = super::payment_event(size);
            assert_eq!(body.len(), size);
            let event = payvost_webhooks::Event::from_slice(&body).unwrap();
            assert_eq!(event.id(), "evt_1NxBench");
        }
    }
}
