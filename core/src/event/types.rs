//! The event types of protocol §5.3 and the kind of object each carries:
//! the one list, from which every binding's list of types is read.

use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;

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
            /// Every known type, in the order of protocol §5.3.
            pub const KNOWN: &'static [EventType] = &[$(EventType::$variant),*];

            /// The type as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(EventType::$variant => $name,)*
                    EventType::Other(name) => name,
                }
            }

            /// The name of a known type as written on the wire; empty for
            /// [`EventType::Other`].
            pub fn known_name(&self) -> &'static str {
                match self {
                    $(EventType::$variant => $name,)*
                    EventType::Other(_) => "",
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
