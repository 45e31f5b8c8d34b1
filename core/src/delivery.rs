//! The record of one delivery (protocol §10.2): what every receiver reports
//! of each request it answered, in one shape, so that a refused or failed
//! delivery is seen by the application and its logs, not only by Payvost.
//! It never holds the secret or the body.
//!
//! ```
//! use payvost_webhooks::delivery::{Outcome, Record};
//!
//! let record = Record {
//!     event_id: Some("evt_1".into()),
//!     event_type: Some("payment.succeeded".into()),
//!     outcome: Outcome::Processed,
//!     code: None,
//!     status: 200,
//!     signature_age: Some(2),
//!     secret_index: Some(0),
//!     attempt: Some(1),
//!     duration_ms: 1.5,
//!     received_at: 1_764_000_002,
//! };
//! assert_eq!(
//!     record.to_json(),
//!     r#"{"event_id":"evt_1","event_type":"payment.succeeded","outcome":"processed","status":200,"signature_age":2,"secret_index":0,"attempt":1,"duration_ms":1.5,"received_at":1764000002}"#
//! );
//! assert_eq!(Outcome::of_code("signature_mismatch"), Outcome::Refused);
//! assert_eq!(Outcome::of_code("event_in_progress"), Outcome::InProgress);
//! ```

use alloc::string::String;
use core::fmt::Write;

use crate::error::Category;

/// How a delivery ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Verified, and the handlers ran (or the application took the event).
    Processed,
    /// Verified, and the idempotency guard found the event processed.
    Duplicate,
    /// Not authentic, not fresh, not an event, or an event id reused with
    /// another body: refused with 400, 413 or 422, nothing run.
    Refused,
    /// Authentic, but not processed now: a handler's error, the store
    /// down, a lease lost, or a receiver misconfigured. Payvost retries.
    Failed,
    /// Another worker holds the event (409). Payvost retries.
    InProgress,
    /// Answered 503 before its body was read, the receiver being at its
    /// limit of deliveries at once. Payvost retries.
    Shed,
}

impl Outcome {
    /// Every outcome, in the order of protocol §10.2.
    pub const ALL: [Outcome; 6] = [
        Outcome::Processed,
        Outcome::Duplicate,
        Outcome::Refused,
        Outcome::Failed,
        Outcome::InProgress,
        Outcome::Shed,
    ];

    /// The outcome's name in a record: `processed`, `duplicate`, `refused`,
    /// `failed`, `in_progress` or `shed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Processed => "processed",
            Outcome::Duplicate => "duplicate",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::InProgress => "in_progress",
            Outcome::Shed => "shed",
        }
    }

    /// The outcome of a delivery answered with the error `code`: the
    /// request's own fault is `refused`; the receiver's or its store's,
    /// which a later delivery may not meet, is `failed`.
    pub fn of_code(code: &str) -> Outcome {
        match (code, Category::of(code)) {
            ("event_in_progress", _) => Outcome::InProgress,
            ("event_id_reused", _) => Outcome::Refused,
            (_, Some(Category::Signature | Category::Payload)) => Outcome::Refused,
            _ => Outcome::Failed,
        }
    }
}

/// One delivery, as a receiver answered it (protocol §10.2). Fields that
/// were not known (the event of a body refused before it was read, the
/// attempt without an idempotency guard) are `None`, and absent from its
/// JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The event's `id`, once the body was verified and parsed.
    pub event_id: Option<String>,
    /// The event's `type`, likewise.
    pub event_type: Option<String>,
    /// How the delivery ended.
    pub outcome: Outcome,
    /// The error code answered, when there was one.
    pub code: Option<&'static str>,
    /// The HTTP status answered.
    pub status: u16,
    /// Seconds from the header's `t` to the time the delivery was verified,
    /// once its signature matched.
    pub signature_age: Option<i64>,
    /// The position of the secret that matched, in the list given.
    pub secret_index: Option<usize>,
    /// The idempotency guard's attempt, with a guard.
    pub attempt: Option<u32>,
    /// Milliseconds from the request's arrival to its answer (with
    /// `acknowledgeFirst`, to the handlers' end).
    pub duration_ms: f64,
    /// Unix seconds at which the request arrived.
    pub received_at: i64,
}

impl Record {
    /// The names of a record's fields, in the order of its JSON.
    pub const FIELDS: [&'static str; 10] = [
        "event_id",
        "event_type",
        "outcome",
        "code",
        "status",
        "signature_age",
        "secret_index",
        "attempt",
        "duration_ms",
        "received_at",
    ];

    /// The record as one line of JSON, its fields in [`Record::FIELDS`]'
    /// order, those not known left out: what `payvost webhooks listen --log`
    /// writes, one line per delivery.
    pub fn to_json(&self) -> String {
        let mut json = String::from("{");
        let mut field = |name: &str, value: &dyn core::fmt::Display| {
            if json.len() > 1 {
                json.push(',');
            }
            // Writing into a String cannot fail.
            let _ = write!(json, "\"{name}\":{value}");
        };
        if let Some(id) = &self.event_id {
            field("event_id", &Quoted(id));
        }
        if let Some(event_type) = &self.event_type {
            field("event_type", &Quoted(event_type));
        }
        field("outcome", &Quoted(self.outcome.as_str()));
        if let Some(code) = self.code {
            field("code", &Quoted(code));
        }
        field("status", &self.status);
        if let Some(age) = self.signature_age {
            field("signature_age", &age);
        }
        if let Some(index) = self.secret_index {
            field("secret_index", &index);
        }
        if let Some(attempt) = self.attempt {
            field("attempt", &attempt);
        }
        // JSON has no NaN or infinity: a duration that is not finite is 0.
        let duration = if self.duration_ms.is_finite() {
            self.duration_ms
        } else {
            0.0
        };
        field("duration_ms", &duration);
        field("received_at", &self.received_at);
        json.push('}');
        json
    }
}

/// Text as a JSON string: quotes, backslashes and control characters
/// escaped (an event id comes from the payload, and may hold any of them).
struct Quoted<'a>(&'a str);

impl core::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if u32::from(c) < 0x20 => write!(f, "\\u{:04x}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

/// The facts of a record, for the doors: its fields, its outcomes, and the
/// outcome of each error code.
pub(crate) fn facts_json() -> String {
    let text = crate::facts::text;
    let fields: alloc::vec::Vec<String> = Record::FIELDS.iter().map(|f| text(f)).collect();
    let outcomes: alloc::vec::Vec<String> = Outcome::ALL.iter().map(|o| text(o.as_str())).collect();
    let of_code: alloc::vec::Vec<String> = crate::Error::ALL
        .iter()
        .map(|code| alloc::format!("{}: {}", text(code), text(Outcome::of_code(code).as_str())))
        .collect();
    alloc::format!(
        r#"{{"fields": [{}], "outcomes": [{}], "outcome_of_code": {{{}}}}}"#,
        fields.join(", "),
        outcomes.join(", "),
        of_code.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Record {
        Record {
            event_id: None,
            event_type: None,
            outcome: Outcome::Refused,
            code: Some("signature_mismatch"),
            status: 400,
            signature_age: None,
            secret_index: None,
            attempt: None,
            duration_ms: f64::NAN,
            received_at: -1,
        }
    }

    #[test]
    fn a_refused_delivery_has_no_event_and_its_code() {
        assert_eq!(
            refused().to_json(),
            r#"{"outcome":"refused","code":"signature_mismatch","status":400,"duration_ms":0,"received_at":-1}"#
        );
    }

    #[test]
    fn an_event_id_is_escaped_and_the_json_parses_back() {
        let record = Record {
            event_id: Some("evt_\"\\\n\u{1}é".into()),
            ..refused()
        };
        let json = record.to_json();
        assert!(
            json.starts_with(r#"{"event_id":"evt_\"\\\n\u0001é","#),
            "{json}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["event_id"], "evt_\"\\\n\u{1}é");
        let names: alloc::vec::Vec<&str> = parsed
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(names.iter().all(|name| Record::FIELDS.contains(name)));
    }

    #[test]
    fn every_code_has_an_outcome_and_every_guard_code_the_right_one() {
        for code in crate::Error::ALL {
            let outcome = Outcome::of_code(code);
            let expected = match *code {
                "event_in_progress" => Outcome::InProgress,
                "store_unavailable" | "lease_lost" => Outcome::Failed,
                "secret_invalid" | "tolerance_invalid" | "option_invalid" => Outcome::Failed,
                _ => Outcome::Refused,
            };
            assert_eq!(outcome, expected, "{code}");
        }
    }
}
