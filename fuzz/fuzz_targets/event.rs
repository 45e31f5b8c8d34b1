//! The event parser and the JSON limits on arbitrary bytes: no panic, and
//! the limits check agrees with the full parse on what is acceptable JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payvost_webhooks::{Event, bindings::check_json_limits};

fuzz_target!(|payload: &[u8]| {
    let parsed = Event::from_slice(payload);
    if parsed.is_ok() {
        assert!(check_json_limits(payload).is_ok());
    }
    if let Err(e) = parsed {
        assert!(e.code().starts_with("payload_invalid_"));
    }
});
