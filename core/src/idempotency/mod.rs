//! Processing each event once (protocol §11): the rules every door's
//! idempotency guard follows, and the statements and scripts its stores run
//! with the user's own database client.
//!
//! A record, keyed `<namespace>:<event id>`, moves through these states:
//!
//! - **absent**: no record, or one past its retention, or one in progress
//!   whose lease has ended (a crashed or released claim);
//! - **in progress**: a worker holds it: a random token fences that worker,
//!   the lease says until when, and `attempt` counts claims;
//! - **completed**: the handler returned; a delivery of the same event is a
//!   duplicate until the retention ends.
//!
//! Each step is one atomic operation of the store, timed by the store's own
//! clock, never a worker's: claiming (absent → in progress, or the outcome
//! that says why not), renewing and releasing a lease, and completing (only
//! by the token that claimed). The same id with another body (its
//! fingerprint, the SHA-256 of the raw body) is refused, never processed.
//!
//! ```
//! use payvost_webhooks::idempotency::{self, Outcome};
//!
//! assert_eq!(idempotency::record_key("payvost", "evt_1"), "payvost:evt_1");
//! assert_eq!(
//!     idempotency::fingerprint(b"{}"),
//!     "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
//! );
//! assert_eq!(Outcome::parse("duplicate"), Some(Outcome::Duplicate));
//! assert_eq!(idempotency::DEFAULT_LEASE_SECS, 60);
//! ```

use alloc::string::String;
use sha2::{Digest, Sha256};

pub mod memory;
pub mod redis;
pub mod sql;

pub use redis::RedisScript;
pub use sql::{Dialect, SqlStatement};

/// The namespace of record keys unless configured: `payvost:<event id>`.
pub const DEFAULT_NAMESPACE: &str = "payvost";

/// How long a claim holds, in seconds, unless configured: a worker that
/// crashes frees its event this long after its last renewal.
pub const DEFAULT_LEASE_SECS: u64 = 60;

/// How long a completed record is kept, in seconds, unless configured:
/// 7 days, well past the last of Payvost's retries (22 h 20 m, protocol §8).
pub const DEFAULT_RETENTION_SECS: u64 = 7 * 24 * 60 * 60;

/// The table the SQL stores keep their records in.
pub const TABLE: &str = "payvost_events";

/// The key of an event's record.
pub fn record_key(namespace: &str, event_id: &str) -> String {
    let mut key = String::with_capacity(
        namespace
            .len()
            .saturating_add(event_id.len())
            .saturating_add(1),
    );
    key.push_str(namespace);
    key.push(':');
    key.push_str(event_id);
    key
}

/// The fingerprint of a delivery: the SHA-256 of its raw body, in lowercase
/// hex. A record remembers it, so the same event id with another body is
/// told apart.
pub fn fingerprint(payload: &[u8]) -> String {
    let digest = Sha256::digest(payload);
    let mut hex = [0u8; 64];
    base16ct::lower::encode_str(&digest, &mut hex)
        .map(String::from)
        .unwrap_or_default()
}

/// What a claim found, as every store's claim answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The record was absent: this worker holds it now, and runs the handler.
    Claimed,
    /// The event was processed already: acknowledge, do not run the handler.
    Duplicate,
    /// Another worker holds the lease: `event_in_progress`.
    InProgress,
    /// The same event id came with another body: `event_id_reused`.
    Reused,
}

impl Outcome {
    /// Every outcome, in the order of the facts.
    pub const ALL: [Outcome; 4] = [
        Outcome::Claimed,
        Outcome::Duplicate,
        Outcome::InProgress,
        Outcome::Reused,
    ];

    /// The outcome's name, as the stores' statements and scripts answer it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Claimed => "claimed",
            Outcome::Duplicate => "duplicate",
            Outcome::InProgress => "in_progress",
            Outcome::Reused => "reused",
        }
    }

    /// The outcome named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

/// The idempotency facts, as the JSON object under `idempotency` in
/// [`crate::bindings::facts_json`]: defaults, outcome names, and each store's
/// statements and scripts.
pub(crate) fn facts_json() -> String {
    use core::fmt::Write;
    let mut json = String::new();
    let outcomes: alloc::vec::Vec<String> = Outcome::ALL
        .iter()
        .map(|o| alloc::format!("\"{}\"", o.as_str()))
        .collect();
    // Writing into a String cannot fail.
    let _ = write!(
        json,
        r#"{{"namespace": "{DEFAULT_NAMESPACE}", "lease": {DEFAULT_LEASE_SECS}, "retention": {DEFAULT_RETENTION_SECS}, "table": "{TABLE}", "outcomes": [{}],
    "postgres": {},
    "sqlite": {},
    "redis": {}}}"#,
        outcomes.join(", "),
        sql::postgres_json(),
        sql::sqlite_json(),
        redis::json(),
    );
    json
}
