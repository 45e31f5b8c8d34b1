//! `construct_event` on signed arbitrary payloads: no panic, and the raw
//! path (RawEvent, what bindings use) decides exactly as the tree path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payvost_webhooks::{Webhook, sign};

fuzz_target!(|payload: &[u8]| {
    let webhook = Webhook::new("whsec_fuzz").unwrap();
    let header = sign(payload, "whsec_fuzz", 1_764_000_000).unwrap();
    let tree = webhook.construct_event(payload, &header, 1_764_000_000);
    let raw = webhook.construct_raw_event(payload, &header, 1_764_000_000);
    match (&tree, &raw) {
        (Ok(event), Ok((_, raw))) => {
            assert_eq!(event.id(), raw.id());
            assert_eq!(event.event_type(), raw.event_type());
            assert_eq!(event.created(), raw.created());
        }
        (Err(a), Err(b)) => assert_eq!(a.code(), b.code()),
        _ => panic!("the tree and raw paths disagree: {:?} {:?}", tree.err(), raw.err()),
    }
});
