//! Records in this process's memory, by the core's rules
//! ([`payvost_webhooks::idempotency::memory`]): for one process only, and
//! forgotten when it exits.

use std::sync::{Arc, Mutex, PoisonError};

use payvost_webhooks::idempotency::Outcome;
use payvost_webhooks::idempotency::memory::Records;

use super::{FailedRecord, Store, StoreError};

/// A store in this process's memory; clones share it.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    records: Arc<Mutex<Records>>,
}

impl MemoryStore {
    fn with<T>(&self, step: impl FnOnce(&mut Records, u64) -> T) -> T {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        step(
            &mut self.records.lock().unwrap_or_else(PoisonError::into_inner),
            now,
        )
    }

    /// Drops the records past their retention; how many.
    pub fn purge(&self) -> usize {
        self.with(|records, now| records.purge(now))
    }
}

impl Store for MemoryStore {
    async fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        token: &str,
        lease_ms: u64,
        retention_ms: u64,
    ) -> Result<(Outcome, u32), StoreError> {
        Ok(self.with(|records, now| {
            records.claim(key, fingerprint, token, now, lease_ms, retention_ms)
        }))
    }

    async fn renew(&self, key: &str, token: &str, lease_ms: u64) -> Result<bool, StoreError> {
        Ok(self
            .with(|records, now| records.renew(key, token, now, lease_ms))
            .is_some())
    }

    async fn release(&self, key: &str, token: &str) -> Result<bool, StoreError> {
        Ok(self
            .with(|records, now| records.release(key, token, now))
            .is_some())
    }

    async fn complete(
        &self,
        key: &str,
        token: &str,
        retention_ms: u64,
    ) -> Result<bool, StoreError> {
        Ok(self
            .with(|records, now| records.complete(key, token, now, retention_ms))
            .is_some())
    }

    async fn fail(
        &self,
        key: &str,
        token: &str,
        body: &str,
        header: &str,
    ) -> Result<bool, StoreError> {
        Ok(self
            .with(|records, _| records.fail(key, token, body, header))
            .is_some())
    }

    async fn failed(&self, prefix: &str) -> Result<Vec<FailedRecord>, StoreError> {
        let rows = self.with(|records, now| records.failed(prefix, now));
        Ok(rows
            .into_iter()
            .map(|(key, attempt, body, header)| FailedRecord {
                key,
                attempt,
                body,
                header,
            })
            .collect())
    }
}
