//! The event model (protocol §5), one concern per file:
//!
//! - `envelope.rs`: the rules that make a parsed payload an event;
//! - `scan.rs`: the one pass over the payload text that applies them;
//! - `types.rs`: the known event types and their objects;
//! - `objects.rs`: the typed views of `data.object`;
//! - `build.rs`: the same pass building a language's own values, for doors
//!   that hand users a tree.
//!
//! An [`Event`] keeps the payload as the text that was signed, so nothing
//! the sender wrote is lost or rounded (unknown fields, big integers,
//! `previous_attributes`), and the crate needs no JSON library at all: a
//! caller who wants a tree parses [`Event::json`], [`Event::data_object`]
//! or [`Event::previous_attributes`] with the parser and features of their
//! choice.

mod build;
mod envelope;
mod objects;
mod scan;
mod types;

use alloc::borrow::Cow;
use alloc::string::String;
use core::ops::Range;

pub use build::{BuildError, Builder, Place, build_event};
pub use envelope::{CREATED_ABSENT, Envelope, MAX_SAFE_INTEGER, MEMBER_RULES, Member};
pub(crate) use objects::SCHEMA;
pub use objects::{Customer, Dispute, EventObject, Payment, Refund, Subscription, TypedValue};
pub use types::{EventType, ObjectKind};

use crate::error::Error;
use objects::FieldSpans;
use scan::scan;

/// An authenticated Payvost event.
///
/// ```
/// use payvost_webhooks::{Event, EventObject, EventType};
///
/// let event = Event::from_slice(br#"{
///     "id": "evt_1", "type": "payment.succeeded", "created": 1764000000,
///     "data": {"object": {"id": "pay_1", "amount": 2000, "currency": "eur", "risk": 12}}
/// }"#)?;
/// assert_eq!(event.event_type(), &EventType::PaymentSucceeded);
/// let EventObject::Payment(payment) = event.object() else { panic!("a payment") };
/// assert_eq!(payment.amount, Some(2000));
/// assert_eq!(payment.id.as_deref(), Some("pay_1"));
/// // Fields the typed view does not name are kept, as written.
/// let object: serde_json::Value = serde_json::from_str(event.data_object()).unwrap();
/// assert_eq!(object["risk"], 12);
/// # Ok::<(), payvost_webhooks::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    json: String,
    id: String,
    event_type: EventType,
    created: Option<i64>,
    data_object: Range<usize>,
    fields: FieldSpans,
    previous_attributes: Option<Range<usize>>,
}

impl Event {
    /// Parses an event from the raw body. Use it only on a body that was
    /// verified; [`crate::Webhook::construct_event`] does both.
    ///
    /// # Errors
    ///
    /// `payload_invalid_json` and `payload_invalid_event`, exactly as
    /// [`RawEvent::from_slice`] decides them.
    pub fn from_slice(payload: &[u8]) -> Result<Self, Error> {
        let scanned = scan(payload)?;
        Ok(Event {
            json: String::from(scanned.json),
            id: scanned.id.into_owned(),
            event_type: scanned.event_type,
            created: scanned.created,
            // The envelope rules made sure `data.object` is there.
            data_object: scanned.data_object.unwrap_or_default(),
            fields: scanned.fields,
            previous_attributes: scanned.previous_attributes,
        })
    }

    /// The event id (`evt_...`), the key for idempotent processing.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type.
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// When the event was created, in unix seconds, if the payload says.
    pub fn created(&self) -> Option<i64> {
        self.created
    }

    /// `data.object` as the typed view its event type names. Only the
    /// fields the view reads are decoded; the payload is not read again.
    pub fn object(&self) -> EventObject<'_> {
        EventObject::read(self.event_type.object_kind(), &self.json, &self.fields)
    }

    /// `data.object` as JSON text, exactly as written, with every field the
    /// payload carries, for a parser of the caller's choosing.
    pub fn data_object(&self) -> &str {
        self.json.get(self.data_object.clone()).unwrap_or_default()
    }

    /// `data.previous_attributes` as JSON text, present on `*.updated` events.
    pub fn previous_attributes(&self) -> Option<&str> {
        self.json.get(self.previous_attributes.clone()?)
    }

    /// The whole payload, exactly the text that was signed.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The whole payload text, owned.
    pub fn into_json(self) -> String {
        self.json
    }
}

/// An event checked on its bytes but not built into a tree: the envelope
/// fields, and the JSON text for a parser of the caller's choosing.
///
/// ```
/// use payvost_webhooks::RawEvent;
///
/// let body = br#"{"id":"evt_1","type":"refund.created","data":{"object":{"id":"ref_1"}}}"#;
/// let raw = RawEvent::from_slice(body)?;
/// assert_eq!(raw.id(), "evt_1");
/// assert_eq!(raw.json().len(), body.len());
/// # Ok::<(), payvost_webhooks::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawEvent<'a> {
    json: &'a str,
    id: Cow<'a, str>,
    event_type: EventType,
    created: Option<i64>,
}

impl<'a> RawEvent<'a> {
    /// Checks, in one pass that builds no tree, that the payload is a JSON
    /// object holding an event.
    ///
    /// # Errors
    ///
    /// `payload_invalid_json` unless the payload is UTF-8 JSON (RFC 8259,
    /// within the limits of [`crate::bindings::check_json_limits`]) whose top level is
    /// an object; `payload_invalid_event` when [`Envelope::check`] refuses it.
    pub fn from_slice(payload: &'a [u8]) -> Result<Self, Error> {
        let scanned = scan(payload)?;
        Ok(RawEvent {
            json: scanned.json,
            id: scanned.id,
            event_type: scanned.event_type,
            created: scanned.created,
        })
    }

    /// The payload as JSON text, exactly the bytes received.
    pub fn json(&self) -> &'a str {
        self.json
    }

    /// The event id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type.
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// `created`, in unix seconds, if present.
    pub fn created(&self) -> Option<i64> {
        self.created
    }
}
