//! The event envelope and the typed objects it carries (SPEC section 5).
//!
//! The whole payload is kept as a `serde_json` tree with exact numbers
//! (`arbitrary_precision`), so nothing the sender wrote is lost: unknown
//! fields, `previous_attributes` and integers too big for `i64` or `f64`.
//! The typed views borrow from that tree and are lenient: a known object
//! that lacks a field, or carries one of another type, still parses, and
//! the field reads as `None`.

use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;

use serde_json::{Map, Value};

use crate::error::{ECHO_LIMIT, Error, truncated};

/// A JSON object, as `serde_json` holds it.
pub type Object = Map<String, Value>;

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
/// // Fields the typed view does not name are kept.
/// assert_eq!(event.data_object()["risk"], 12);
/// # Ok::<(), payvost_webhooks::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    payload: Object,
    id: String,
    event_type: EventType,
    created: Option<i64>,
}

impl Event {
    /// Parses an event from the raw body. Use it only on a body that was
    /// verified; [`crate::Webhook::construct_event`] does both.
    ///
    /// # Errors
    ///
    /// `payload_invalid_json` unless the payload is UTF-8 JSON (RFC 8259)
    /// whose top level is an object; `payload_invalid_event` unless it holds
    /// a non-empty string `id` and `type`, a `data` object with an `object`
    /// object, and, if `created` is present and not null, an integer.
    pub fn from_slice(payload: &[u8]) -> Result<Self, Error> {
        let text = core::str::from_utf8(payload).map_err(|e| {
            Error::PayloadInvalidJson(alloc::format!(
                "it is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            ))
        })?;
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::PayloadInvalidJson(truncated(&e.to_string(), ECHO_LIMIT)))?;
        let Value::Object(payload) = value else {
            return Err(Error::PayloadInvalidJson(alloc::format!(
                "its top level is {}",
                kind(&value)
            )));
        };
        Self::from_object(payload)
    }

    /// Checks the envelope of an already parsed JSON object.
    ///
    /// # Errors
    ///
    /// `payload_invalid_event`, as in [`Event::from_slice`].
    pub fn from_object(payload: Object) -> Result<Self, Error> {
        let id = non_empty_string(&payload, "id")?.to_string();
        let event_type = non_empty_string(&payload, "type")?
            .parse()
            .unwrap_or_else(|e| match e {});
        match payload.get("data") {
            Some(Value::Object(data)) => match data.get("object") {
                Some(Value::Object(_)) => {}
                other => return Err(invalid_event("data.object", "an object", other)),
            },
            other => return Err(invalid_event("data", "an object", other)),
        }
        let created = match payload.get("created") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            other => {
                return Err(invalid_event(
                    "created",
                    "an integer of unix seconds",
                    other,
                ));
            }
        };
        Ok(Event {
            payload,
            id,
            event_type,
            created,
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

    /// `data.object`, untyped, with every field the payload carries.
    pub fn data_object(&self) -> &Object {
        self.data()
            .and_then(|data| data.get("object"))
            .and_then(Value::as_object)
            .unwrap_or(&self.payload) // unreachable: from_object checked it
    }

    /// `data.object` as the typed view its event type names.
    pub fn object(&self) -> EventObject<'_> {
        EventObject::new(self.event_type.object_kind(), self.data_object())
    }

    /// `data.previous_attributes`, present on `*.updated` events.
    pub fn previous_attributes(&self) -> Option<&Object> {
        self.data()?.get("previous_attributes")?.as_object()
    }

    /// The whole payload, exactly as parsed: nothing is dropped.
    pub fn payload(&self) -> &Object {
        &self.payload
    }

    /// The whole payload, owned.
    pub fn into_payload(self) -> Object {
        self.payload
    }

    fn data(&self) -> Option<&Object> {
        self.payload.get("data")?.as_object()
    }
}

fn non_empty_string<'a>(payload: &'a Object, field: &str) -> Result<&'a str, Error> {
    match payload.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        other => Err(invalid_event(field, "a non-empty string", other)),
    }
}

fn invalid_event(field: &str, wanted: &str, found: Option<&Value>) -> Error {
    let found = match found {
        None => "missing",
        Some(value) => kind(value),
    };
    Error::PayloadInvalidEvent(alloc::format!("`{field}` must be {wanted}, found {found}"))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if s.is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

macro_rules! event_types {
    ($($variant:ident => $name:literal, $object:ident;)*) => {
        /// The type of an event: the 16 known ones, and any other.
        ///
        /// ```
        /// use payvost_webhooks::EventType;
        ///
        /// let t: EventType = "refund.created".parse().unwrap();
        /// assert_eq!(t, EventType::RefundCreated);
        /// let t: EventType = "payout.paid".parse().unwrap();
        /// assert_eq!(t.as_str(), "payout.paid");
        /// assert!(!t.is_known());
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventType {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
            /// A type this version does not know; its `data.object` is untyped.
            Other(String),
        }

        impl EventType {
            /// Every known type, in SPEC order.
            pub const KNOWN: &'static [EventType] = &[$(EventType::$variant),*];

            /// The type as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(EventType::$variant => $name,)*
                    EventType::Other(name) => name,
                }
            }

            /// The kind of object its `data.object` holds.
            pub fn object_kind(&self) -> ObjectKind {
                match self {
                    $(EventType::$variant => ObjectKind::$object,)*
                    EventType::Other(_) => ObjectKind::Other,
                }
            }
        }

        impl FromStr for EventType {
            type Err = core::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $($name => EventType::$variant,)*
                    other => EventType::Other(other.to_string()),
                })
            }
        }
    };
}

event_types! {
    PaymentCreated => "payment.created", Payment;
    PaymentSucceeded => "payment.succeeded", Payment;
    PaymentFailed => "payment.failed", Payment;
    PaymentCanceled => "payment.canceled", Payment;
    PaymentProcessing => "payment.processing", Payment;
    SubscriptionCreated => "subscription.created", Subscription;
    SubscriptionUpdated => "subscription.updated", Subscription;
    SubscriptionDeleted => "subscription.deleted", Subscription;
    SubscriptionTrialWillEnd => "subscription.trial_will_end", Subscription;
    RefundCreated => "refund.created", Refund;
    RefundUpdated => "refund.updated", Refund;
    RefundFailed => "refund.failed", Refund;
    CustomerCreated => "customer.created", Customer;
    CustomerUpdated => "customer.updated", Customer;
    DisputeOpened => "dispute.opened", Dispute;
    DisputeResolved => "dispute.resolved", Dispute;
}

impl EventType {
    /// Whether this is one of the 16 known types.
    pub fn is_known(&self) -> bool {
        !matches!(self, EventType::Other(_))
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of object an event's `data.object` can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A payment (`pay_...`).
    Payment,
    /// A subscription (`sub_...`).
    Subscription,
    /// A refund (`ref_...`).
    Refund,
    /// A customer (`cust_...`).
    Customer,
    /// A dispute (`dp_...`).
    Dispute,
    /// The object of an event type this version does not know.
    Other,
}

impl ObjectKind {
    /// The kind in lower case: `payment`, `subscription`, ..., `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Payment => "payment",
            ObjectKind::Subscription => "subscription",
            ObjectKind::Refund => "refund",
            ObjectKind::Customer => "customer",
            ObjectKind::Dispute => "dispute",
            ObjectKind::Other => "other",
        }
    }
}

/// `data.object` seen through the typed view of its kind. Every view keeps
/// the untyped object in `raw`, with the fields it does not name.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum EventObject<'a> {
    /// Carried by `payment.*` events.
    Payment(Payment<'a>),
    /// Carried by `subscription.*` events.
    Subscription(Subscription<'a>),
    /// Carried by `refund.*` events.
    Refund(Refund<'a>),
    /// Carried by `customer.*` events.
    Customer(Customer<'a>),
    /// Carried by `dispute.*` events.
    Dispute(Dispute<'a>),
    /// The object of an event type this version does not know.
    Other(&'a Object),
}

impl<'a> EventObject<'a> {
    fn new(kind: ObjectKind, raw: &'a Object) -> Self {
        let f = Fields(raw);
        match kind {
            ObjectKind::Payment => EventObject::Payment(Payment {
                id: f.str("id"),
                amount: f.int("amount"),
                currency: f.str("currency"),
                status: f.str("status"),
                customer: f.str("customer"),
                raw,
            }),
            ObjectKind::Subscription => EventObject::Subscription(Subscription {
                id: f.str("id"),
                customer: f.str("customer"),
                status: f.str("status"),
                current_period_start: f.int("currentPeriodStart"),
                current_period_end: f.int("currentPeriodEnd"),
                raw,
            }),
            ObjectKind::Refund => EventObject::Refund(Refund {
                id: f.str("id"),
                payment: f.str("payment"),
                amount: f.int("amount"),
                status: f.str("status"),
                raw,
            }),
            ObjectKind::Customer => EventObject::Customer(Customer {
                id: f.str("id"),
                email: f.str("email"),
                name: f.str("name"),
                raw,
            }),
            ObjectKind::Dispute => EventObject::Dispute(Dispute {
                id: f.str("id"),
                payment: f.str("payment"),
                amount: f.int("amount"),
                reason: f.str("reason"),
                status: f.str("status"),
                raw,
            }),
            ObjectKind::Other => EventObject::Other(raw),
        }
    }

    /// The untyped object, whatever the view.
    pub fn raw(&self) -> &'a Object {
        match self {
            EventObject::Payment(o) => o.raw,
            EventObject::Subscription(o) => o.raw,
            EventObject::Refund(o) => o.raw,
            EventObject::Customer(o) => o.raw,
            EventObject::Dispute(o) => o.raw,
            EventObject::Other(raw) => raw,
        }
    }
}

/// Reads fields leniently: a missing field, or one of another type, is `None`.
struct Fields<'a>(&'a Object);

impl<'a> Fields<'a> {
    fn str(&self, name: &str) -> Option<&'a str> {
        self.0.get(name)?.as_str()
    }

    fn int(&self, name: &str) -> Option<i64> {
        self.0.get(name)?.as_i64()
    }
}

/// A payment (`pay_...`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Payment<'a> {
    /// `id`
    pub id: Option<&'a str>,
    /// `amount`, in minor units (cents).
    pub amount: Option<i64>,
    /// `currency`, ISO 4217 in lower case.
    pub currency: Option<&'a str>,
    /// `status`
    pub status: Option<&'a str>,
    /// `customer`, a customer id.
    pub customer: Option<&'a str>,
    /// The whole object.
    pub raw: &'a Object,
}

/// A subscription (`sub_...`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Subscription<'a> {
    /// `id`
    pub id: Option<&'a str>,
    /// `customer`, a customer id.
    pub customer: Option<&'a str>,
    /// `status`
    pub status: Option<&'a str>,
    /// `currentPeriodStart`, unix seconds.
    pub current_period_start: Option<i64>,
    /// `currentPeriodEnd`, unix seconds.
    pub current_period_end: Option<i64>,
    /// The whole object.
    pub raw: &'a Object,
}

/// A refund (`ref_...`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Refund<'a> {
    /// `id`
    pub id: Option<&'a str>,
    /// `payment`, the refunded payment's id.
    pub payment: Option<&'a str>,
    /// `amount`, in minor units.
    pub amount: Option<i64>,
    /// `status`
    pub status: Option<&'a str>,
    /// The whole object.
    pub raw: &'a Object,
}

/// A customer (`cust_...`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Customer<'a> {
    /// `id`
    pub id: Option<&'a str>,
    /// `email`
    pub email: Option<&'a str>,
    /// `name`
    pub name: Option<&'a str>,
    /// The whole object.
    pub raw: &'a Object,
}

/// A dispute (`dp_...`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Dispute<'a> {
    /// `id`
    pub id: Option<&'a str>,
    /// `payment`, the disputed payment's id.
    pub payment: Option<&'a str>,
    /// `amount`, in minor units.
    pub amount: Option<i64>,
    /// `reason`
    pub reason: Option<&'a str>,
    /// `status`
    pub status: Option<&'a str>,
    /// The whole object.
    pub raw: &'a Object,
}
