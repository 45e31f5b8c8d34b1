//! Producing a `Payvost-Signature` header value (SPEC section 7).

use alloc::format;
use alloc::string::String;

use crate::secret::SigningKey;

/// The header value Payvost would send for `payload` signed with `secret`
/// at `timestamp`: `t=<timestamp>,v1=<signature>`. For tests and tools.
///
/// The secret is used exactly as given, without the checks a verifier
/// makes, so tests can sign with any key; a negative timestamp yields a
/// header the verifier rejects as `header_malformed`.
///
/// ```
/// let header = payvost_webhooks::sign(b"{}", "whsec_test", 1_764_000_000);
/// assert!(header.starts_with("t=1764000000,v1="));
/// assert_eq!(header.len(), "t=1764000000,v1=".len() + 64);
/// ```
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    header_value(&SigningKey::unchecked(secret), payload, timestamp)
}

pub(crate) fn header_value(key: &SigningKey, payload: &[u8], timestamp: i64) -> String {
    let mut hex = [0u8; 64];
    let tag = key.tag(timestamp, payload);
    let signature = base16ct::lower::encode_str(&tag, &mut hex).unwrap_or_default();
    format!("t={timestamp},v1={signature}")
}
