//! What a receiver (a framework adapter, the CLI's listener) does before
//! verifying: it refuses a body too large to be a Payvost event without
//! reading it whole (protocol §10).

use alloc::string::String;

/// The largest request body a receiver reads by default, in bytes (5 MiB).
/// Payvost's events are far smaller, so a larger body is refused with 413
/// and the code `payload_invalid_json` before it is verified.
pub const BODY_LIMIT: u64 = 5 * 1024 * 1024;

/// The message a receiver answers a body over its `limit` with.
///
/// ```
/// assert_eq!(
///     payvost_webhooks::body_too_large_message(payvost_webhooks::BODY_LIMIT),
///     "The body is larger than the 5242880-byte limit; Payvost's events are far smaller."
/// );
/// ```
pub fn body_too_large_message(limit: u64) -> String {
    alloc::format!(
        "The body is larger than the {limit}-byte limit; Payvost's events are far smaller."
    )
}
