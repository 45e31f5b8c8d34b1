//! What a receiver (a framework adapter, the CLI's listener) does before
//! verifying: it refuses a body too large to be a Payvost event without
//! reading it whole, and reads its framing and signature lines by one rule
//! in every door (protocol §10, §2).

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

/// The message a receiver answers a `Content-Length` that is not ASCII
/// digits with (400, `payload_invalid_json`): the body's size is unknown, so
/// none of it is read.
pub const CONTENT_LENGTH_INVALID_MESSAGE: &str = "The Content-Length header is not a whole number of bytes (ASCII digits only), so the body cannot be read.";

/// The message of `option_invalid` for a body limit that is not a positive
/// whole number of bytes, raised when an adapter is built; each door puts
/// how its language writes the value given for `{value}`.
pub const LIMIT_INVALID_MESSAGE: &str = "The body limit must be a positive whole number of bytes \
     (for example 1048576 for 1 MiB), not {value}.";

/// A `Content-Length` value read strictly (RFC 9110 §8.6: one or more ASCII
/// digits, nothing else); `None` for anything else, which a receiver
/// refuses with [`CONTENT_LENGTH_INVALID_MESSAGE`]. A number past `u64`
/// reads as `u64::MAX`: larger than any limit either way.
///
/// ```
/// use payvost_webhooks::content_length;
///
/// assert_eq!(content_length(b"2048"), Some(2048));
/// assert_eq!(content_length(b"99999999999999999999999"), Some(u64::MAX));
/// assert_eq!(content_length("²".as_bytes()), None); // a digit to Unicode, not to HTTP
/// assert_eq!(content_length(b"+5"), None);
/// assert_eq!(content_length(b""), None);
/// ```
pub fn content_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(value.iter().fold(0u64, |n, &digit| {
        n.saturating_mul(10)
            .saturating_add(u64::from(digit.wrapping_sub(b'0')))
    }))
}

/// A header's lines as the one value protocol §2 reads: joined in order by
/// `, `, as RFC 9110 §5.3 combines repeated lines; `None` when there are
/// none. A `Payvost-Signature` sent twice then reads as `header_malformed`,
/// as it does where the server joined the lines itself.
///
/// ```
/// use payvost_webhooks::joined_header_lines;
///
/// assert_eq!(joined_header_lines(["t=1,v1=ab"]).as_deref(), Some("t=1,v1=ab"));
/// assert_eq!(joined_header_lines(["t=1,v1=ab", "t=2"]).as_deref(), Some("t=1,v1=ab, t=2"));
/// assert_eq!(joined_header_lines(Vec::<&str>::new()), None);
/// ```
pub fn joined_header_lines<'a, I>(lines: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut lines = lines.into_iter();
    let mut joined = String::from(lines.next()?);
    for line in lines {
        joined.push_str(", ");
        joined.push_str(line);
    }
    Some(joined)
}

/// The HTTP status a receiver answers an error with (protocol §10): 400
/// for a request that is not authentic or not an event, 500 for a
/// configuration mistake, and for the idempotency guard 409 (another worker
/// holds the event), 422 (its id came with another body), 503 (the store is
/// down) and 500 (a lease lost after the handler ran).
///
/// ```
/// use payvost_webhooks::status_of;
///
/// assert_eq!(status_of("signature_mismatch"), 400);
/// assert_eq!(status_of("event_in_progress"), 409);
/// assert_eq!(status_of("store_unavailable"), 503);
/// ```
pub fn status_of(code: &str) -> u16 {
    match code {
        "event_in_progress" => 409,
        "event_id_reused" => 422,
        "store_unavailable" => 503,
        "lease_lost" => 500,
        _ => match crate::Category::of(code) {
            Some(crate::Category::Configuration | crate::Category::Processing) => 500,
            _ => 400,
        },
    }
}
