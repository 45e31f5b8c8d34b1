//! What a receiver (a framework adapter, the CLI's listener) does before
//! verifying: it refuses a body too large to be a Payvost event without
//! reading it whole, and reads its framing and signature lines by one rule
//! in every door (protocol §10, §2).

use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::Error;

/// The largest request body a receiver reads by default, in bytes (5 MiB).
/// Payvost's events are far smaller, so a larger body is refused with 413
/// and the code `payload_invalid_json` before it is verified.
pub const BODY_LIMIT: u64 = 5 * 1024 * 1024;

/// How much of a body over the limit a receiver still reads and throws away
/// after deciding on its 413 (64 MiB), so that a client still sending reads
/// the answer rather than a reset connection; past that it closes the
/// connection.
pub const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// The message a receiver answers a body over its `limit` with.
///
/// ```
/// assert_eq!(
///     payvost_webhooks::bindings::body_too_large_message(payvost_webhooks::BODY_LIMIT),
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

/// The message a receiver refuses a body with (400, `payload_wrong_type`)
/// when its stream ended before the length it declared, or in an error: the
/// client hung up or a proxy cut it. Never verified, so never a
/// `signature_mismatch` that would blame the secret.
pub const BODY_CUT_OFF_MESSAGE: &str = "The request body ended before it was whole: the client closed the connection or a proxy cut it, and Payvost delivers it again.";

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
/// use payvost_webhooks::bindings::content_length;
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
/// use payvost_webhooks::bindings::joined_header_lines;
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

/// The message of `payload_wrong_type` for a serverless event whose body is
/// marked base64 (`isBase64Encoded`) but is not base64 text.
pub const BASE64_BODY_INVALID_MESSAGE: &str = "The event's body is marked isBase64Encoded but is not \
     base64 text (RFC 4648, with padding), so the bytes Payvost signed cannot be had; pass the event \
     exactly as the platform hands it to the function.";

/// The raw body of a serverless HTTP event whose `isBase64Encoded` is true
/// (API Gateway, Lambda function URLs, load balancers): `text` decoded as
/// RFC 4648 base64 with its padding, strictly, so that every door reads the
/// same bytes from the same event.
///
/// ```
/// use payvost_webhooks::bindings::base64_body;
///
/// assert_eq!(base64_body(b"eyJpZCI6MX0=").unwrap(), br#"{"id":1}"#);
/// assert_eq!(base64_body(b"").unwrap(), b"");
/// assert_eq!(base64_body(b"eyJpZCI6MX0").unwrap_err().code(), "payload_wrong_type");
/// ```
///
/// # Errors
///
/// `payload_wrong_type`, with [`BASE64_BODY_INVALID_MESSAGE`], for anything
/// but base64 text.
pub fn base64_body(text: &[u8]) -> Result<Vec<u8>, Error> {
    STANDARD
        .decode(text)
        .map_err(|_| Error::PayloadWrongType(String::from(BASE64_BODY_INVALID_MESSAGE)))
}

/// The bytes a payload encodes when the whole of it is base64 text; `None`
/// at once for anything else, such as a JSON body (its `{` is not base64),
/// so that nothing is decoded or allocated for it.
pub(crate) fn decoded_base64(payload: &[u8]) -> Option<Vec<u8>> {
    let alphabet = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    if payload.is_empty() || !payload.len().is_multiple_of(4) || !payload.iter().all(alphabet) {
        return None;
    }
    STANDARD.decode(payload).ok()
}

/// The HTTP status a receiver answers an error with (protocol §10): 400
/// for a request that is not authentic or not an event, 500 for a
/// configuration mistake, and for the idempotency guard 409 (another worker
/// holds the event), 422 (its id came with another body), 503 (the store is
/// down) and 500 (a lease lost after the handler ran).
///
/// ```
/// use payvost_webhooks::bindings::status_of;
///
/// assert_eq!(status_of("signature_mismatch"), 400);
/// assert_eq!(status_of("event_in_progress"), 409);
/// assert_eq!(status_of("store_unavailable"), 503);
/// ```
pub fn status_of(code: &str) -> u16 {
    match code {
        "event_in_progress" => 409,
        "event_id_reused" => 422,
        "store_unavailable" | "receiver_busy" => 503,
        "lease_lost" => 500,
        _ => match crate::Category::of(code) {
            Some(crate::Category::Configuration | crate::Category::Processing) => 500,
            _ => 400,
        },
    }
}

/// Every status a receiver answers (protocol §10), with its reason phrase
/// (RFC 9110 §15), which an answer to a load balancer carries as its
/// `statusDescription`.
///
/// ```
/// use payvost_webhooks::bindings::{STATUSES, status_of};
///
/// for code in payvost_webhooks::Error::ALL {
///     assert!(STATUSES.iter().any(|(status, _)| *status == status_of(code)));
/// }
/// assert!(STATUSES.contains(&(413, "Content Too Large")));
/// ```
pub const STATUSES: [(u16, &str); 7] = [
    (200, "OK"),
    (400, "Bad Request"),
    (409, "Conflict"),
    (413, "Content Too Large"),
    (422, "Unprocessable Content"),
    (500, "Internal Server Error"),
    (503, "Service Unavailable"),
];
