//! Producing a `Payvost-Signature` header value (protocol §7).

use alloc::format;
use alloc::string::String;

use crate::error::{Error, ToleranceProblem};
use crate::secret::SigningKey;

/// The header value Payvost would send for `payload` signed with `secret`
/// at `timestamp`: `t=<timestamp>,v1=<signature>`. For tests and tools.
///
/// # Errors
///
/// The secret is checked as a verifier checks it (`secret_invalid`), and a
/// negative timestamp, which no verifier accepts, is refused with
/// `tolerance_invalid`: a helper that signs what can never verify only
/// moves the failure somewhere harder to read.
///
/// ```
/// let header = payvost_webhooks::sign(b"{}", "whsec_test", 1_764_000_000).unwrap();
/// assert!(header.starts_with("t=1764000000,v1="));
/// assert_eq!(header.len(), "t=1764000000,v1=".len() + 64);
///
/// let refused = payvost_webhooks::sign(b"{}", "sk_live_123", 1_764_000_000).unwrap_err();
/// assert_eq!(refused.code(), "secret_invalid");
/// let refused = payvost_webhooks::sign(b"{}", "whsec_test", -1).unwrap_err();
/// assert_eq!(refused.code(), "tolerance_invalid");
/// ```
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> Result<String, Error> {
    header_value(&SigningKey::new(secret, 0)?, payload, timestamp)
}

pub(crate) fn header_value(
    key: &SigningKey,
    payload: &[u8],
    timestamp: i64,
) -> Result<String, Error> {
    if timestamp < 0 {
        return Err(Error::ToleranceInvalid(
            ToleranceProblem::SigningTimeNegative(timestamp),
        ));
    }
    let mut hex = [0u8; 64];
    let tag = key.tag(timestamp, payload);
    let signature = base16ct::lower::encode_str(&tag, &mut hex).unwrap_or_default();
    Ok(format!("t={timestamp},v1={signature}"))
}
