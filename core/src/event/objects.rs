//! The typed views of `data.object` (protocol §5.3). The scanner notes
//! where each named field's value lies in the payload text as it judges
//! the envelope; a view decodes only those values, when asked, so typed
//! access costs no second pass over the payload.

use alloc::borrow::Cow;
use core::ops::Range;

use super::types::ObjectKind;

macro_rules! fields {
    ($($field:ident => $name:literal,)*) => {
        /// A member of `data.object` that some typed view reads.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Field {
            $($field,)*
        }

        impl Field {
            const COUNT: usize = [$($name),*].len();

            /// The field spelt `name` on the wire, if a view reads it.
            pub(crate) fn from_name(name: &str) -> Option<Field> {
                match name {
                    $($name => Some(Field::$field),)*
                    _ => None,
                }
            }
        }
    };
}

fields! {
    Id => "id",
    Amount => "amount",
    Currency => "currency",
    Status => "status",
    Customer => "customer",
    Payment => "payment",
    Email => "email",
    Name => "name",
    Reason => "reason",
    CurrentPeriodStart => "currentPeriodStart",
    CurrentPeriodEnd => "currentPeriodEnd",
}

/// Where the value of each [`Field`] lies in the payload text, for the last
/// member of that name (the last one wins, as in every JSON parser we match).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldSpans([Option<Range<usize>>; Field::COUNT]);

impl FieldSpans {
    pub(crate) fn set(&mut self, field: Field, span: Range<usize>) {
        if let Some(slot) = self.0.get_mut(field as usize) {
            *slot = Some(span);
        }
    }
}

/// Reads fields leniently: a missing field, or one of another type, is `None`.
struct Reader<'a> {
    json: &'a str,
    spans: &'a FieldSpans,
}

impl<'a> Reader<'a> {
    fn text(&self, field: Field) -> Option<&'a str> {
        let span = self.spans.0.get(field as usize)?.clone()?;
        self.json.get(span)
    }

    fn str(&self, field: Field) -> Option<Cow<'a, str>> {
        super::scan::string_value(self.text(field)?)
    }

    /// An integer written as one (`2000`, not `2e3` or `2000.0`) that fits
    /// an `i64`; others are left to the untyped object.
    fn int(&self, field: Field) -> Option<i64> {
        self.text(field)?.parse().ok()
    }
}

/// `data.object` seen through the typed view of its kind. Fields a view
/// does not name stay in [`crate::Event::data_object`].
#[derive(Clone, Debug, PartialEq, Eq)]
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
    Other,
}

impl<'a> EventObject<'a> {
    pub(crate) fn read(kind: ObjectKind, json: &'a str, spans: &'a FieldSpans) -> Self {
        let f = Reader { json, spans };
        match kind {
            ObjectKind::Payment => EventObject::Payment(Payment {
                id: f.str(Field::Id),
                amount: f.int(Field::Amount),
                currency: f.str(Field::Currency),
                status: f.str(Field::Status),
                customer: f.str(Field::Customer),
            }),
            ObjectKind::Subscription => EventObject::Subscription(Subscription {
                id: f.str(Field::Id),
                customer: f.str(Field::Customer),
                status: f.str(Field::Status),
                current_period_start: f.int(Field::CurrentPeriodStart),
                current_period_end: f.int(Field::CurrentPeriodEnd),
            }),
            ObjectKind::Refund => EventObject::Refund(Refund {
                id: f.str(Field::Id),
                payment: f.str(Field::Payment),
                amount: f.int(Field::Amount),
                status: f.str(Field::Status),
            }),
            ObjectKind::Customer => EventObject::Customer(Customer {
                id: f.str(Field::Id),
                email: f.str(Field::Email),
                name: f.str(Field::Name),
            }),
            ObjectKind::Dispute => EventObject::Dispute(Dispute {
                id: f.str(Field::Id),
                payment: f.str(Field::Payment),
                amount: f.int(Field::Amount),
                reason: f.str(Field::Reason),
                status: f.str(Field::Status),
            }),
            ObjectKind::Other => EventObject::Other,
        }
    }
}

/// A payment (`pay_...`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Payment<'a> {
    /// `id`
    pub id: Option<Cow<'a, str>>,
    /// `amount`, in minor units (cents).
    pub amount: Option<i64>,
    /// `currency`, ISO 4217 in lower case.
    pub currency: Option<Cow<'a, str>>,
    /// `status`
    pub status: Option<Cow<'a, str>>,
    /// `customer`, a customer id.
    pub customer: Option<Cow<'a, str>>,
}

/// A subscription (`sub_...`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Subscription<'a> {
    /// `id`
    pub id: Option<Cow<'a, str>>,
    /// `customer`, a customer id.
    pub customer: Option<Cow<'a, str>>,
    /// `status`
    pub status: Option<Cow<'a, str>>,
    /// `currentPeriodStart`, unix seconds.
    pub current_period_start: Option<i64>,
    /// `currentPeriodEnd`, unix seconds.
    pub current_period_end: Option<i64>,
}

/// A refund (`ref_...`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refund<'a> {
    /// `id`
    pub id: Option<Cow<'a, str>>,
    /// `payment`, the refunded payment's id.
    pub payment: Option<Cow<'a, str>>,
    /// `amount`, in minor units.
    pub amount: Option<i64>,
    /// `status`
    pub status: Option<Cow<'a, str>>,
}

/// A customer (`cust_...`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Customer<'a> {
    /// `id`
    pub id: Option<Cow<'a, str>>,
    /// `email`
    pub email: Option<Cow<'a, str>>,
    /// `name`
    pub name: Option<Cow<'a, str>>,
}

/// A dispute (`dp_...`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Dispute<'a> {
    /// `id`
    pub id: Option<Cow<'a, str>>,
    /// `payment`, the disputed payment's id.
    pub payment: Option<Cow<'a, str>>,
    /// `amount`, in minor units.
    pub amount: Option<i64>,
    /// `reason`
    pub reason: Option<Cow<'a, str>>,
    /// `status`
    pub status: Option<Cow<'a, str>>,
}
