//! The event envelope and the typed objects it carries (SPEC section 5).
//!
//! The whole payload is kept as a `serde_json` tree with exact numbers
//! (`arbitrary_precision`), so nothing the sender wrote is lost: unknown
//! fields, `previous_attributes` and integers too big for `i64` or `f64`.
//! The typed views borrow from that tree and are lenient: a known object
//! that lacks a field, or carries one of another type, still parses, and
//! the field reads as `None`.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::json;

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
    /// `payload_invalid_json` and `payload_invalid_event`, exactly as
    /// [`RawEvent::from_slice`] decides them.
    pub fn from_slice(payload: &[u8]) -> Result<Self, Error> {
        let raw = RawEvent::from_slice(payload)?;
        // Cannot fail after RawEvent accepted: the same grammar and limits.
        let payload: Object = serde_json::from_str(raw.json()).map_err(json::invalid)?;
        Ok(Event {
            payload,
            id: raw.id.into_owned(),
            event_type: raw.event_type,
            created: raw.created,
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
            .unwrap_or(&self.payload) // unreachable: RawEvent checked it
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

/// An event checked on its bytes but not built into a tree: the envelope
/// fields, and the JSON text for a parser of the caller's choosing.
///
/// This is how the language bindings hand events over: the core decides,
/// in one pass with no allocation for the body, that the payload is
/// acceptable JSON and an event, and the binding then builds its native
/// objects with its own parser (`JSON.parse`, for one), which cannot
/// disagree, because every payload accepted here is plain RFC 8259 JSON.
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
    /// Checks that the payload is a JSON object holding an event.
    ///
    /// # Errors
    ///
    /// `payload_invalid_json` unless the payload is UTF-8 JSON (RFC 8259,
    /// within [`crate::MAX_DEPTH`] and with no unpaired surrogate escape)
    /// whose top level is an object; `payload_invalid_event` unless it holds
    /// a non-empty string `id` and `type`, a `data` object with an `object`
    /// object, and a `created` that is absent, null or an integer.
    pub fn from_slice(payload: &'a [u8]) -> Result<Self, Error> {
        let json = json::utf8(payload)?;
        if json
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .as_bytes()
            .first()
            != Some(&b'{')
        {
            // Settle the message: broken JSON, or JSON of another kind.
            return Err(match serde_json::from_str::<IgnoredAny>(json) {
                Err(e) => json::invalid(e),
                Ok(_) => json::invalid("its top level is not an object"),
            });
        }
        let envelope: Envelope<'a> = serde_json::from_str(json).map_err(json::invalid)?;
        json::limits(json)?;
        envelope.check(json)
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

/// The members of the top level an event is judged by, taken as borrowed
/// JSON text while the rest of the payload is skipped.
#[derive(Default)]
struct Envelope<'a> {
    id: Option<&'a RawValue>,
    event_type: Option<&'a RawValue>,
    data: Option<Kind>,
    data_object: Option<Kind>,
    created: Option<&'a RawValue>,
}

impl<'a> Envelope<'a> {
    /// The envelope rules of SPEC section 5, in one place.
    fn check(self, json: &'a str) -> Result<RawEvent<'a>, Error> {
        let id = non_empty_string("id", self.id)?;
        let event_type = non_empty_string("type", self.event_type)?;
        match (self.data, self.data_object) {
            (Some(Kind::Object), Some(Kind::Object)) => {}
            (Some(Kind::Object), found) => {
                return Err(invalid_event("data.object", "an object", found));
            }
            (found, _) => return Err(invalid_event("data", "an object", found)),
        }
        let created_rule = "an integer of unix seconds";
        let created = match self.created.map(|raw| (Kind::of(raw), raw)) {
            None | Some((Kind::Null, _)) => None,
            Some((Kind::Number, raw)) => Some(
                serde_json::from_str::<i64>(raw.get())
                    .map_err(|_| invalid_event("created", created_rule, Some(Kind::Number)))?,
            ),
            Some((found, _)) => return Err(invalid_event("created", created_rule, Some(found))),
        };
        Ok(RawEvent {
            json,
            id,
            event_type: EventType::from_name(&event_type),
            created,
        })
    }
}

fn non_empty_string<'a>(field: &str, raw: Option<&'a RawValue>) -> Result<Cow<'a, str>, Error> {
    let wanted = "a non-empty string";
    let Some(raw) = raw else {
        return Err(invalid_event(field, wanted, None));
    };
    let text = match serde_json::from_str::<&'a str>(raw.get()) {
        Ok(borrowed) => Cow::Borrowed(borrowed),
        // A string with escapes cannot be borrowed; anything else is no string.
        Err(_) => serde_json::from_str::<String>(raw.get())
            .map(Cow::Owned)
            .map_err(|_| invalid_event(field, wanted, Some(Kind::of(raw))))?,
    };
    if text.is_empty() {
        return Err(Error::PayloadInvalidEvent(alloc::format!(
            "`{field}` must be {wanted}, found an empty string"
        )));
    }
    Ok(text)
}

fn invalid_event(field: &str, wanted: &str, found: Option<Kind>) -> Error {
    let found = found.map_or("missing", Kind::described);
    Error::PayloadInvalidEvent(alloc::format!("`{field}` must be {wanted}, found {found}"))
}

/// The kind of a JSON value, enough to name what was found instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// The kind of grammatical JSON text, from its first byte.
    fn of(raw: &RawValue) -> Kind {
        match raw.get().as_bytes().first() {
            Some(b'n') => Kind::Null,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'"') => Kind::String,
            Some(b'[') => Kind::Array,
            Some(b'{') => Kind::Object,
            _ => Kind::Number,
        }
    }

    fn described(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// The member names that matter; every other member is skipped unread.
#[derive(Clone, Copy)]
enum Member {
    Id,
    Type,
    Data,
    Created,
    Object,
    NumberToken,
    Other,
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = Member;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Member, E> {
                Ok(match name {
                    "id" => Member::Id,
                    "type" => Member::Type,
                    "data" => Member::Data,
                    "created" => Member::Created,
                    "object" => Member::Object,
                    "$serde_json::private::Number" => Member::NumberToken,
                    _ => Member::Other,
                })
            }
        }
        deserializer.deserialize_identifier(Name)
    }
}

impl<'de> Deserialize<'de> for Envelope<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Top;
        impl<'de> Visitor<'de> for Top {
            type Value = Envelope<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            // Duplicate members: the last one wins, as in JSON.parse and json.loads.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'de>, A::Error> {
                let mut envelope = Envelope::default();
                while let Some(member) = map.next_key::<Member>()? {
                    match member {
                        Member::Id => envelope.id = Some(map.next_value()?),
                        Member::Type => envelope.event_type = Some(map.next_value()?),
                        Member::Created => envelope.created = Some(map.next_value()?),
                        Member::Data => {
                            let (data, object) = map.next_value_seed(DataSeed)?;
                            envelope.data = Some(data);
                            envelope.data_object = object;
                        }
                        Member::Object | Member::NumberToken | Member::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(envelope)
            }
        }
        deserializer.deserialize_map(Top)
    }
}

/// Reads `data` in the same pass as the rest: its kind, and the kind of its
/// `object` member when it is an object. Other values are skipped unread.
struct DataSeed;

impl<'de> DeserializeSeed<'de> for DataSeed {
    type Value = (Kind, Option<Kind>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DataSeed {
    type Value = (Kind, Option<Kind>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok((Kind::Null, None))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok((Kind::Bool, None))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok((Kind::Number, None))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok((Kind::Number, None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok((Kind::Number, None))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok((Kind::String, None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok((Kind::Array, None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = None;
        while let Some(member) = map.next_key::<Member>()? {
            match member {
                // serde_json hands an arbitrary-precision number over as a
                // one-member map under this name.
                Member::NumberToken => {
                    map.next_value::<IgnoredAny>()?;
                    return Ok((Kind::Number, None));
                }
                Member::Object => object = Some(Kind::of(map.next_value::<&RawValue>()?)),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((Kind::Object, object))
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
    /// The type named `name`, known or not.
    pub fn from_name(name: &str) -> Self {
        name.parse().unwrap_or_else(|never| match never {})
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the serde_json detail `DataSeed` relies on: should an upgrade
    /// rename its number token, a numeric `data` would be misnamed here.
    #[test]
    fn a_numeric_data_is_named_a_number() {
        for data in ["5", "-1.5e3", "123456789012345678901234567890"] {
            let body = alloc::format!(r#"{{"id":"evt_1","type":"x","data":{data}}}"#);
            let e = RawEvent::from_slice(body.as_bytes()).unwrap_err();
            assert_eq!(
                e.to_string(),
                "The payload is authentic JSON but not a Payvost event: `data` must be an object, found a number",
                "{data}"
            );
        }
    }
}
