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
//!     remote_address: None,
//! };
//! assert_eq!(
//!     record.to_json(),
//!     r#"{"event_id":"evt_1","event_type":"payment.succeeded","outcome":"processed","status":200,"signature_age":2,"secret_index":0,"attempt":1,"duration_ms":1.5,"received_at":1764000002}"#
//! );
//! assert_eq!(Outcome::of_code("signature_mismatch"), Outcome::Refused);
//! assert_eq!(Outcome::of_code("event_in_progress"), Outcome::InProgress);
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
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
            ("receiver_busy", _) => Outcome::Shed,
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
    /// The address the request came from, as the server saw it (a proxy's
    /// own, unless the framework is told to trust its forwarding header):
    /// what tells a probe from one address from a wrong secret.
    pub remote_address: Option<String>,
}

impl Record {
    /// The record of a request that arrived at `received_at` from
    /// `remote_address`, before anything is known of it: processed, 200,
    /// until the receiver says otherwise.
    ///
    /// ```
    /// use payvost_webhooks::delivery::{Outcome, Record};
    ///
    /// let record = Record::arrived(1_764_000_000, None);
    /// assert_eq!((record.outcome, record.status, record.event_id), (Outcome::Processed, 200, None));
    /// ```
    pub fn arrived(received_at: i64, remote_address: Option<String>) -> Record {
        Record {
            event_id: None,
            event_type: None,
            outcome: Outcome::Processed,
            code: None,
            status: 200,
            signature_age: None,
            secret_index: None,
            attempt: None,
            duration_ms: 0.0,
            received_at,
            remote_address,
        }
    }

    /// The names of a record's fields, in the order of its JSON.
    pub const FIELDS: [&'static str; 11] = [
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
        "remote_address",
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
        if let Some(address) = &self.remote_address {
            field("remote_address", &Quoted(address));
        }
        json.push('}');
        json
    }
}

/// The `Retry-After` of a delivery shed at a receiver's limit (`receiver_busy`,
/// 503), in seconds: soon enough that the event is not held back long,
/// late enough for a burst to pass. Payvost retries on its own schedule
/// whatever it says.
pub const RETRY_AFTER_SECS: u32 = 30;

/// The likely cause of many refusals with `code` at once, from `senders`
/// addresses (0 when they are not known): the first thing to check.
///
/// ```
/// use payvost_webhooks::delivery::likely_cause;
///
/// assert!(likely_cause("signature_mismatch", 3).starts_with("the secret"));
/// assert!(likely_cause("signature_mismatch", 1).starts_with("a probe"));
/// ```
pub fn likely_cause(code: &str, senders: usize) -> &'static str {
    let from_one = senders == 1;
    match code {
        "signature_mismatch" if from_one => {
            "a probe, if that address is neither Payvost's nor your proxy's; otherwise the secret"
        }
        "signature_mismatch" => {
            "the secret: it was rotated, or is another endpoint's; compare it with the endpoint's \
             signing secret in the Payvost dashboard"
        }
        "timestamp_too_old" | "timestamp_too_new" if from_one => {
            "old deliveries replayed from one address, or this server's clock"
        }
        "timestamp_too_old" | "timestamp_too_new" => {
            "this server's clock (is NTP running?), or a queue that holds deliveries back before \
             they reach the receiver"
        }
        _ if from_one => "a probe: one address sending requests that are not Payvost deliveries",
        "header_missing" => {
            "a proxy or load balancer that drops the Payvost-Signature header, or requests that \
             are not Payvost's"
        }
        "header_malformed" | "no_signatures" => {
            "a proxy that rewrites the Payvost-Signature header"
        }
        "event_id_reused" => "event ids replayed with other bodies: a sender that is not Payvost",
        _ => {
            "a proxy or framework that rewrites the body before it is verified (a JSON parser, a \
             charset conversion, a compression layer)"
        }
    }
}

/// The line an anomaly summary gives one code: `count` refusals with it
/// since the last summary, from `senders` addresses, and their
/// [`likely_cause`].
///
/// ```
/// use payvost_webhooks::delivery::anomaly;
///
/// assert_eq!(
///     anomaly("header_missing", 4, 1),
///     "4 refused with header_missing since the last summary, from 1 address; likely cause: \
///      a probe: one address sending requests that are not Payvost deliveries"
/// );
/// ```
pub fn anomaly(code: &str, count: u64, senders: usize) -> String {
    let from = match senders {
        0 => String::from(FROM[0]),
        1 => String::from(FROM[1]),
        n => FROM[2].replace("{n}", &alloc::format!("{n}")),
    };
    ANOMALY
        .replace("{count}", &alloc::format!("{count}"))
        .replace("{code}", code)
        .replace("{from}", &from)
        .replace("{cause}", likely_cause(code, senders))
}

/// The template of an [`anomaly`] line, for the doors that count their own
/// refusals.
const ANOMALY: &str =
    "{count} refused with {code} since the last summary, from {from}; likely cause: {cause}";

/// Where an anomaly's refusals came from: addresses not known, one, `{n}`.
const FROM: [&str; 3] = ["addresses not known", "1 address", "{n} addresses"];

/// The deliveries a receiver answered, counted: by outcome and by code
/// since it started (an adapter's `stats()`), and its refusals since the
/// last summary by code and address, for [`Tally::anomalies`].
///
/// ```
/// use payvost_webhooks::delivery::{Outcome, Record, Tally};
///
/// let mut tally = Tally::default();
/// let forged = Record {
///     event_id: None, event_type: None, outcome: Outcome::Refused,
///     code: Some("signature_mismatch"), status: 400, signature_age: None,
///     secret_index: None, attempt: None, duration_ms: 0.2, received_at: 0,
///     remote_address: Some("203.0.113.9".into()),
/// };
/// tally.add(&forged);
/// tally.add(&forged);
/// assert_eq!(tally.count(Outcome::Refused), 2);
/// assert_eq!(
///     tally.to_json(),
///     r#"{"total":2,"outcomes":{"processed":0,"duplicate":0,"refused":2,"failed":0,"in_progress":0,"shed":0},"codes":{"signature_mismatch":2}}"#
/// );
/// let lines = tally.anomalies();
/// assert_eq!(lines.len(), 1);
/// assert!(lines[0].starts_with("2 refused with signature_mismatch"));
/// assert!(tally.anomalies().is_empty(), "a summary starts the next window");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Tally {
    outcomes: [u64; 6],
    codes: BTreeMap<&'static str, u64>,
    window: BTreeMap<&'static str, Refusals>,
}

/// The refusals of one code since the last summary.
#[derive(Clone, Debug, Default)]
struct Refusals {
    count: u64,
    addresses: BTreeSet<String>,
}

impl Tally {
    /// The most addresses a summary tells apart per code: past it, a
    /// flood of addresses costs no more memory.
    pub const MAX_ADDRESSES: usize = 1024;

    /// Counts `record`.
    pub fn add(&mut self, record: &Record) {
        for (outcome, count) in Outcome::ALL.iter().zip(self.outcomes.iter_mut()) {
            if *outcome == record.outcome {
                *count = count.saturating_add(1);
            }
        }
        let Some(code) = record.code else { return };
        let count = self.codes.entry(code).or_insert(0);
        *count = count.saturating_add(1);
        if record.outcome == Outcome::Refused {
            let refusals = self.window.entry(code).or_default();
            refusals.count = refusals.count.saturating_add(1);
            if let Some(address) = &record.remote_address
                && refusals.addresses.len() < Self::MAX_ADDRESSES
            {
                refusals.addresses.insert(address.clone());
            }
        }
    }

    /// How many deliveries ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> u64 {
        Outcome::ALL
            .iter()
            .zip(self.outcomes)
            .find(|(o, _)| **o == outcome)
            .map_or(0, |(_, count)| count)
    }

    /// The counts, as an adapter's `stats()` gives them: `total`, every
    /// outcome (0 included), and each code that was answered.
    pub fn to_json(&self) -> String {
        let total: u64 = self.outcomes.iter().fold(0, |a, b| a.saturating_add(*b));
        let outcomes: Vec<String> = Outcome::ALL
            .iter()
            .zip(self.outcomes)
            .map(|(o, n)| alloc::format!("\"{}\":{n}", o.as_str()))
            .collect();
        let codes: Vec<String> = self
            .codes
            .iter()
            .map(|(code, n)| alloc::format!("{}:{n}", Quoted(code)))
            .collect();
        alloc::format!(
            r#"{{"total":{total},"outcomes":{{{}}},"codes":{{{}}}}}"#,
            outcomes.join(","),
            codes.join(",")
        )
    }

    /// The [`anomaly`] lines of the refusals since the last call, one per
    /// code, and a new window: none when nothing was refused.
    pub fn anomalies(&mut self) -> Vec<String> {
        core::mem::take(&mut self.window)
            .into_iter()
            .map(|(code, refusals)| anomaly(code, refusals.count, refusals.addresses.len()))
            .collect()
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
    // The likely causes of refusals by code, from one address and from
    // many, and the anomaly line's templates, for the doors that count
    // their own refusals.
    let causes: Vec<String> = crate::Error::ALL
        .iter()
        .filter(|code| Outcome::of_code(code) == Outcome::Refused)
        .map(|code| {
            alloc::format!(
                r#"{}: {{"one": {}, "many": {}}}"#,
                text(code),
                text(likely_cause(code, 1)),
                text(likely_cause(code, 2))
            )
        })
        .collect();
    alloc::format!(
        r#"{{"fields": [{}], "outcomes": [{}], "outcome_of_code": {{{}}}, "retry_after": {RETRY_AFTER_SECS}, "max_addresses": {max_addresses}, "causes": {{{}}}, "anomaly": {}, "from": {{"unknown": {}, "one": {}, "many": {}}}}}"#,
        fields.join(", "),
        outcomes.join(", "),
        of_code.join(", "),
        causes.join(", "),
        text(ANOMALY),
        text(FROM[0]),
        text(FROM[1]),
        text(FROM[2]),
        max_addresses = Tally::MAX_ADDRESSES
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
            remote_address: None,
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
                "receiver_busy" => Outcome::Shed,
                "secret_invalid" | "tolerance_invalid" | "option_invalid" => Outcome::Failed,
                _ => Outcome::Refused,
            };
            assert_eq!(outcome, expected, "{code}");
        }
    }

    #[test]
    fn an_anomaly_names_the_secret_for_many_senders_and_a_probe_for_one() {
        let mut tally = Tally::default();
        for address in ["198.51.100.1", "198.51.100.2", "198.51.100.2"] {
            tally.add(&Record {
                remote_address: Some(address.into()),
                ..refused()
            });
        }
        tally.add(&Record {
            code: Some("header_missing"),
            remote_address: Some("203.0.113.9".into()),
            ..refused()
        });
        tally.add(&Record {
            code: Some("timestamp_too_old"),
            ..refused()
        });
        assert_eq!(
            tally.anomalies(),
            [
                "1 refused with header_missing since the last summary, from 1 address; likely cause: \
                 a probe: one address sending requests that are not Payvost deliveries",
                "3 refused with signature_mismatch since the last summary, from 2 \
                 addresses; likely cause: the secret: it was rotated, or is another endpoint's; compare \
                 it with the endpoint's signing secret in the Payvost dashboard",
                "1 refused with timestamp_too_old since the last summary, from \
                 addresses not known; likely cause: this server's clock (is NTP running?), or a queue \
                 that holds deliveries back before they reach the receiver",
            ]
        );
        assert_eq!(tally.count(Outcome::Refused), 5);
    }

    #[test]
    fn a_flood_of_addresses_is_counted_up_to_the_bound() {
        let mut tally = Tally::default();
        for n in 0..Tally::MAX_ADDRESSES + 10 {
            tally.add(&Record {
                remote_address: Some(alloc::format!("10.0.{}.{}", n / 256, n % 256)),
                ..refused()
            });
        }
        let lines = tally.anomalies();
        assert!(lines[0].contains("from 1024 addresses"), "{lines:?}");
        assert!(lines[0].starts_with("1034 refused"), "{lines:?}");
    }

    #[test]
    fn an_outcome_without_a_code_is_counted_but_not_in_the_window() {
        let mut tally = Tally::default();
        tally.add(&Record {
            outcome: Outcome::Processed,
            code: None,
            status: 200,
            ..refused()
        });
        assert_eq!(tally.count(Outcome::Processed), 1);
        assert!(tally.anomalies().is_empty());
        assert!(tally.to_json().ends_with(r#""codes":{}}"#));
    }
}
