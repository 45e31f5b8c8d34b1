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

            /// The field's name on the wire.
            pub(crate) const fn name(self) -> &'static str {
                match self {
                    $(Field::$field => $name,)*
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

/// A typed field's value as its view reads it, by JSON type: what
/// [`EventObject::typed_fields`] lists, for doors and tests that compare
/// typed views field by field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypedValue<'a> {
    /// A `string` field: its text, `None` when absent or of another type.
    Text(Option<Cow<'a, str>>),
    /// An `integer` field: its value, `None` when absent, of another type,
    /// or beyond an `i64`.
    Int(Option<i64>),
}

/// One typed field of the schema: its name on the wire, its JSON type, and
/// what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldSchema {
    pub(crate) name: &'static str,
    pub(crate) json_type: &'static str,
    pub(crate) doc: &'static str,
}

/// The typed view of one kind of object: the schema every door's typed
/// views follow (`objects` in the facts, from which the TypeScript types,
/// Python's classes and PHP's tables are generated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ObjectSchema {
    pub(crate) kind: ObjectKind,
    /// The class or type name every door gives it.
    pub(crate) class: &'static str,
    /// What the object is, in a few words.
    pub(crate) doc: &'static str,
    pub(crate) fields: &'static [FieldSchema],
}

/// Declares each kind's typed view once: its struct (a field per typed
/// member, with the member's doc), how [`EventObject::read`] fills it, and
/// its row of [`SCHEMA`]. Adding a typed field is one line here, a name in
/// `fields!` if the wire name is new, and the generated files of the other
/// doors (`scripts/generate-objects.py`).
macro_rules! objects {
    ($(
        #[doc = $doc:literal]
        $kind:ident {
            $( #[doc = $fdoc:literal] $field:ident: $ty:ident = $wire:ident, )*
        }
    )*) => {
        $(
            #[doc = $doc]
            #[derive(Clone, Debug, PartialEq, Eq)]
            #[non_exhaustive]
            pub struct $kind<'a> {
                $( #[doc = $fdoc] pub $field: objects!(@rust $ty), )*
            }
        )*

        /// `data.object` seen through the typed view of its kind. Fields a view
        /// does not name stay in [`crate::Event::data_object`].
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum EventObject<'a> {
            $(
                #[doc = $doc]
                $kind($kind<'a>),
            )*
            /// The object of an event type this version does not know.
            Other,
        }

        impl<'a> EventObject<'a> {
            /// Each typed field of the view, by its name on the wire, with
            /// the value the view reads; none for [`EventObject::Other`].
            ///
            /// ```
            /// use payvost_webhooks::{Event, bindings::TypedValue};
            ///
            /// let event = Event::from_slice(br#"{"id":"evt_1","type":"refund.created","data":{"object":{"id":"ref_1","amount":"2000"}}}"#)?;
            /// let fields = event.object().typed_fields();
            /// assert_eq!(fields[0], ("id", TypedValue::Text(Some("ref_1".into()))));
            /// // Of another type: absent from the typed view.
            /// assert_eq!(fields[2], ("amount", TypedValue::Int(None)));
            /// # Ok::<(), payvost_webhooks::Error>(())
            /// ```
            pub fn typed_fields(&self) -> alloc::vec::Vec<(&'static str, TypedValue<'a>)> {
                match self {
                    $( EventObject::$kind(view) => alloc::vec![
                        $( (Field::$wire.name(), objects!(@value $ty, view.$field.clone())), )*
                    ], )*
                    EventObject::Other => alloc::vec::Vec::new(),
                }
            }

            pub(crate) fn read(kind: ObjectKind, json: &'a str, spans: &'a FieldSpans) -> Self {
                let reader = Reader { json, spans };
                match kind {
                    $( ObjectKind::$kind => EventObject::$kind($kind {
                        $( $field: objects!(@read $ty, reader, Field::$wire), )*
                    }), )*
                    ObjectKind::Other => EventObject::Other,
                }
            }
        }

        /// Every kind's typed view, in [`ObjectKind`]'s order.
        pub(crate) const SCHEMA: &[ObjectSchema] = &[$(
            ObjectSchema {
                kind: ObjectKind::$kind,
                class: stringify!($kind),
                doc: $doc.trim_ascii(),
                fields: &[$( FieldSchema {
                    name: Field::$wire.name(),
                    json_type: objects!(@json $ty),
                    doc: $fdoc.trim_ascii(),
                }, )*],
            },
        )*];
    };
    // A field's types: `text` is a JSON string, `int` a JSON integer that fits an i64.
    (@rust text) => { Option<Cow<'a, str>> };
    (@rust int) => { Option<i64> };
    (@read text, $reader:ident, $field:expr) => { $reader.str($field) };
    (@read int, $reader:ident, $field:expr) => { $reader.int($field) };
    (@json text) => { "string" };
    (@json int) => { "integer" };
    (@value text, $value:expr) => { TypedValue::Text($value) };
    (@value int, $value:expr) => { TypedValue::Int($value) };
}

objects! {
    /// A payment (`pay_...`).
    Payment {
        /// The payment's id.
        id: text = Id,
        /// In minor units (cents).
        amount: int = Amount,
        /// ISO 4217, lower case.
        currency: text = Currency,
        /// The payment's status.
        status: text = Status,
        /// The customer's id (`cust_...`).
        customer: text = Customer,
    }
    /// A subscription (`sub_...`).
    Subscription {
        /// The subscription's id.
        id: text = Id,
        /// The customer's id (`cust_...`).
        customer: text = Customer,
        /// The subscription's status.
        status: text = Status,
        /// Unix seconds.
        current_period_start: int = CurrentPeriodStart,
        /// Unix seconds.
        current_period_end: int = CurrentPeriodEnd,
    }
    /// A refund (`ref_...`).
    Refund {
        /// The refund's id.
        id: text = Id,
        /// The refunded payment's id.
        payment: text = Payment,
        /// In minor units (cents).
        amount: int = Amount,
        /// The refund's status.
        status: text = Status,
    }
    /// A customer (`cust_...`).
    Customer {
        /// The customer's id.
        id: text = Id,
        /// The customer's email address.
        email: text = Email,
        /// The customer's name.
        name: text = Name,
    }
    /// A dispute (`dp_...`).
    Dispute {
        /// The dispute's id.
        id: text = Id,
        /// The disputed payment's id.
        payment: text = Payment,
        /// In minor units (cents).
        amount: int = Amount,
        /// Why the payment is disputed.
        reason: text = Reason,
        /// The dispute's status.
        status: text = Status,
    }
}
