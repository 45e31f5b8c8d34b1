#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod bindings;
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

// The user's API. What the bindings build on is in `bindings`.
pub use error::{Category, Error, HeaderProblem, SECRET_VARIABLE, SecretProblem, ToleranceProblem};
pub use event::{
    Customer, Dispute, Event, EventObject, EventType, ObjectKind, Payment, RawEvent, Refund,
    Subscription,
};
pub use header::SignatureHeader;
pub use mismatch::BodyChange;
pub use receiver::BODY_LIMIT;
pub use sign::sign;
pub use tolerance::Tolerance;
pub use verify::{Verified, Webhook};

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
/// one: the fraction is dropped toward zero, as [`bindings::unix_seconds_from_f64`]
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
