//! The records of a store that lives in one process's memory, following
//! the same rules as the statements and scripts of the shared stores (the
//! module's documentation): for doors whose memory store is not a database
//! (Rust's). Times are the caller's clock in milliseconds.
//!
//! ```
//! use payvost_webhooks::idempotency::{Outcome, memory::Records};
//!
//! let mut records = Records::default();
//! assert_eq!(records.claim("payvost:evt_1", "fp", "mine", 0, 60_000, 600_000), (Outcome::Claimed, 1));
//! assert_eq!(records.claim("payvost:evt_1", "fp", "theirs", 1, 60_000, 600_000), (Outcome::InProgress, 1));
//! assert_eq!(records.complete("payvost:evt_1", "mine", 2, 600_000), Some(1));
//! assert_eq!(records.claim("payvost:evt_1", "fp", "theirs", 3, 60_000, 600_000), (Outcome::Duplicate, 1));
//! assert_eq!(records.claim("payvost:evt_1", "other", "theirs", 4, 60_000, 600_000), (Outcome::Reused, 1));
//! ```

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::Outcome;

/// One event's record.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    fingerprint: String,
    completed: bool,
    /// Failed after its delivery was answered: its raw body and header.
    failed: Option<(String, String)>,
    token: Option<String>,
    lease_until: u64,
    attempt: u32,
    expires_at: u64,
}

/// Every record, by key.
#[derive(Clone, Debug, Default)]
pub struct Records {
    entries: BTreeMap<String, Entry>,
}

impl Records {
    /// Claims `key` for `token` at `now`, or says why not (with the
    /// record's attempt): the claim step of protocol §11.
    pub fn claim(
        &mut self,
        key: &str,
        fingerprint: &str,
        token: &str,
        now: u64,
        lease_ms: u64,
        retention_ms: u64,
    ) -> (Outcome, u32) {
        let attempt = match self.entries.get(key) {
            Some(entry) if entry.expires_at > now => {
                if entry.fingerprint != fingerprint {
                    return (Outcome::Reused, entry.attempt);
                }
                if entry.completed {
                    return (Outcome::Duplicate, entry.attempt);
                }
                if entry.failed.is_none() && entry.lease_until > now {
                    return (Outcome::InProgress, entry.attempt);
                }
                entry.attempt.saturating_add(1)
            }
            _ => 1,
        };
        self.entries.insert(
            String::from(key),
            Entry {
                fingerprint: String::from(fingerprint),
                completed: false,
                failed: None,
                token: Some(String::from(token)),
                lease_until: now.saturating_add(lease_ms),
                attempt,
                expires_at: now.saturating_add(retention_ms),
            },
        );
        (Outcome::Claimed, attempt)
    }

    /// The record `token` holds in progress, if it still does.
    fn held(&mut self, key: &str, token: &str) -> Option<&mut Entry> {
        self.entries.get_mut(key).filter(|entry| {
            !entry.completed && entry.failed.is_none() && entry.token.as_deref() == Some(token)
        })
    }

    /// Extends `token`'s lease: its attempt, or `None` when the lease was lost.
    pub fn renew(&mut self, key: &str, token: &str, now: u64, lease_ms: u64) -> Option<u32> {
        let entry = self.held(key, token)?;
        entry.lease_until = now.saturating_add(lease_ms);
        Some(entry.attempt)
    }

    /// Ends `token`'s lease now, after a handler's error.
    pub fn release(&mut self, key: &str, token: &str, now: u64) -> Option<u32> {
        let entry = self.held(key, token)?;
        entry.lease_until = now;
        Some(entry.attempt)
    }

    /// Marks the record completed, kept `retention_ms` from `now`.
    pub fn complete(&mut self, key: &str, token: &str, now: u64, retention_ms: u64) -> Option<u32> {
        let entry = self.held(key, token)?;
        entry.completed = true;
        entry.failed = None;
        entry.token = None;
        entry.lease_until = 0;
        entry.expires_at = now.saturating_add(retention_ms);
        Some(entry.attempt)
    }

    /// Marks the record failed after its delivery was answered, keeping its
    /// raw body and header for a retry; a claim of the same body takes it again.
    pub fn fail(&mut self, key: &str, token: &str, body: &str, header: &str) -> Option<u32> {
        let entry = self.held(key, token)?;
        entry.failed = Some((String::from(body), String::from(header)));
        entry.token = None;
        entry.lease_until = 0;
        Some(entry.attempt)
    }

    /// The failed records whose keys start with `prefix`, by key: `(key,
    /// attempt, body, header)`.
    pub fn failed(&self, prefix: &str, now: u64) -> Vec<(String, u32, String, String)> {
        self.entries
            .iter()
            .filter(|(key, entry)| key.starts_with(prefix) && entry.expires_at > now)
            .filter_map(|(key, entry)| {
                let (body, header) = entry.failed.as_ref()?;
                Some((key.clone(), entry.attempt, body.clone(), header.clone()))
            })
            .collect()
    }

    /// Drops the records past their retention; how many.
    pub fn purge(&mut self, now: u64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, entry| entry.expires_at > now);
        before.saturating_sub(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_that_ended_is_claimed_again_with_the_next_attempt() {
        let mut records = Records::default();
        assert_eq!(
            records.claim("k", "f", "a", 0, 10, 100),
            (Outcome::Claimed, 1)
        );
        assert_eq!(
            records.claim("k", "f", "b", 10, 10, 100),
            (Outcome::Claimed, 2)
        );
        assert_eq!(
            records.complete("k", "a", 11, 100),
            None,
            "a's lease was lost"
        );
        assert_eq!(records.renew("k", "b", 12, 10), Some(2));
        assert_eq!(records.release("k", "b", 13), Some(2));
        assert_eq!(
            records.claim("k", "f", "c", 13, 10, 100),
            (Outcome::Claimed, 3)
        );
    }

    #[test]
    fn a_failed_record_is_listed_and_claimed_again_by_its_own_body_only() {
        let mut records = Records::default();
        records.claim("ns:evt_1", "f", "a", 0, 10, 100);
        assert_eq!(records.fail("ns:evt_1", "a", "{}", "t=1,v1=00"), Some(1));
        assert_eq!(
            records.fail("ns:evt_1", "a", "{}", "t=1,v1=00"),
            None,
            "no longer held"
        );
        assert_eq!(
            records.failed("ns:", 1),
            [("ns:evt_1".into(), 1, "{}".into(), "t=1,v1=00".into())]
        );
        assert!(records.failed("other:", 1).is_empty());
        assert_eq!(
            records.claim("ns:evt_1", "g", "b", 2, 10, 100),
            (Outcome::Reused, 1)
        );
        assert_eq!(
            records.claim("ns:evt_1", "f", "b", 2, 10, 100),
            (Outcome::Claimed, 2)
        );
        assert!(records.failed("ns:", 3).is_empty());
        assert_eq!(records.complete("ns:evt_1", "b", 3, 100), Some(2));
    }

    #[test]
    fn a_record_past_its_retention_is_absent() {
        let mut records = Records::default();
        records.claim("k", "f", "a", 0, 10, 100);
        assert_eq!(records.complete("k", "a", 5, 100), Some(1));
        assert_eq!(
            records.claim("k", "g", "b", 105, 10, 100),
            (Outcome::Claimed, 1)
        );
        assert_eq!(records.purge(1000), 1);
        assert_eq!(records.purge(1000), 0);
    }
}
