//! The header grammar on arbitrary text: no panic, and what parses obeys
//! the grammar's promises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payvost_webhooks::SignatureHeader;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(header) = SignatureHeader::parse(text) {
        assert!(header.timestamp() >= 0);
        assert!(text.trim_matches([' ', '\t']).len() <= payvost_webhooks::bindings::MAX_HEADER_LEN);
        let _ = header.signatures().count();
    }
});
