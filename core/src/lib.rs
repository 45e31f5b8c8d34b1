#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod delivery;
mod error;
mod event;
mod facts;
mod header;
pub mod idempotency;
mod json;
mod mismatch;
mod receiver;
mod secret;
mod sign;
mod tolerance;
mod verify;

pub use error::{
    Category, ECHO_LIMIT, Error, HeaderProblem, MISMATCH_UNEXPLAINED, SECRET_VARIABLE,
    SecretProblem, ToleranceProblem, echo,
};
pub use event::{
    BuildError, Builder, Customer, Dispute, Envelope, Event, EventObject, EventType, Member,
    ObjectKind, Payment, Place, RawEvent, Refund, Subscription, build_event,
};
pub use facts::facts_json;
pub use header::{MAX_HEADER_LEN, SignatureHeader};
pub use json::{MAX_DEPTH, check_json_limits};
pub use mismatch::BodyChange;
pub use receiver::{
    BASE64_BODY_INVALID_MESSAGE, BODY_CUT_OFF_MESSAGE, BODY_LIMIT, CONTENT_LENGTH_INVALID_MESSAGE,
    DRAIN_LIMIT, LIMIT_INVALID_MESSAGE, STATUSES, base64_body, body_too_large_message,
    content_length, joined_header_lines, status_of,
};
pub use sign::sign;
pub use tolerance::{Tolerance, unix_seconds_from_f64};
pub use verify::{PACKED_SECRETS, Verified, Webhook};

/// The name of the HTTP header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Payvost-Signature";

/// Verifies `header` over `payload` with `secret`, the default tolerance and
/// the system clock, and parses the event: the one-line case.
///
/// ```
/// let now = std::time::SystemTime::now()
///     .duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
/// let payload = br#"{"id":"evt_1","type":"customer.created","data":{"object":{"id":"cust_1"}}}"#;
/// let header = payvost_webhooks::sign(payload, "whsec_test", now)?;
///
/// let event = payvost_webhooks::construct_event(payload, &header, "whsec_test")?;
/// assert_eq!(event.id(), "evt_1");
/// # Ok::<(), payvost_webhooks::Error>(())
/// ```
///
/// # Errors
///
/// Any code of protocol §6 but `tolerance_invalid` and
/// `payload_wrong_type`, in the order of section 4.
#[cfg(feature = "std")]
pub fn construct_event(payload: &[u8], header: &str, secret: &str) -> Result<Event, Error> {
    Webhook::new(secret)?.construct_event_now(payload, header)
}

/// The system clock in unix seconds, the one clock of every door that has
/// one: the fraction is dropped toward zero, as [`unix_seconds_from_f64`]
/// does for the doors that read time as a number, so a clock before 1970
/// reads the same everywhere.
///
/// ```
/// assert!(payvost_webhooks::unix_now() > 1_700_000_000);
/// ```
#[cfg(feature = "std")]
pub fn unix_now() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let secs = |d: core::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => secs(after),
        Err(before) => secs(before.duration()).saturating_neg(),
    }
}

/// The repository README's examples run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct RepositoryReadme;
