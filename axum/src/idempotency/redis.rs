//! Redis through redis-rs (async), running the core's Lua scripts
//! ([`payvost_webhooks::idempotency::redis`]).

use payvost_webhooks::idempotency::Outcome;
use payvost_webhooks::idempotency::redis::{CLAIM, COMPLETE, FAIL, FAILED, RELEASE, RENEW};
use redis::aio::{ConnectionLike, ConnectionManager};

use super::{FailedRecord, Store, StoreError, claim_answer};

/// A store on an async connection: a `ConnectionManager` by default, which
/// reconnects after the server restarts, or any connection redis-rs gives
/// (a `MultiplexedConnection`, a cluster's). Clones share it.
#[derive(Clone)]
pub struct RedisStore<C = ConnectionManager> {
    connection: C,
    claim: redis::Script,
    renew: redis::Script,
    release: redis::Script,
    complete: redis::Script,
    fail: redis::Script,
    failed: redis::Script,
}

impl<C> std::fmt::Debug for RedisStore<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").finish_non_exhaustive()
    }
}

impl<C: ConnectionLike + Clone + Send + Sync> RedisStore<C> {
    /// A store on `connection` (`ConnectionManager::new(client).await?`).
    pub fn new(connection: C) -> Self {
        RedisStore {
            connection,
            claim: redis::Script::new(CLAIM.source),
            renew: redis::Script::new(RENEW.source),
            release: redis::Script::new(RELEASE.source),
            complete: redis::Script::new(COMPLETE.source),
            fail: redis::Script::new(FAIL.source),
            failed: redis::Script::new(FAILED.source),
        }
    }

    async fn held(
        &self,
        script: &redis::Script,
        key: &str,
        args: &[&str],
    ) -> Result<bool, StoreError> {
        let mut call = script.key(key);
        for arg in args {
            call.arg(*arg);
        }
        let attempt: i64 = call
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|e| e.to_string())?;
        Ok(attempt != 0)
    }
}

impl<C: ConnectionLike + Clone + Send + Sync> Store for RedisStore<C> {
    async fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        token: &str,
        lease_ms: u64,
        retention_ms: u64,
    ) -> Result<(Outcome, u32), StoreError> {
        let (outcome, attempt): (String, i64) = self
            .claim
            .key(key)
            .arg(fingerprint)
            .arg(token)
            .arg(lease_ms)
            .arg(retention_ms)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|e| e.to_string())?;
        claim_answer(&outcome, attempt)
    }

    async fn renew(&self, key: &str, token: &str, lease_ms: u64) -> Result<bool, StoreError> {
        self.held(&self.renew, key, &[token, &lease_ms.to_string()])
            .await
    }

    async fn release(&self, key: &str, token: &str) -> Result<bool, StoreError> {
        self.held(&self.release, key, &[token]).await
    }

    async fn complete(
        &self,
        key: &str,
        token: &str,
        retention_ms: u64,
    ) -> Result<bool, StoreError> {
        self.held(&self.complete, key, &[token, &retention_ms.to_string()])
            .await
    }

    async fn fail(
        &self,
        key: &str,
        token: &str,
        body: &str,
        header: &str,
    ) -> Result<bool, StoreError> {
        self.held(&self.fail, key, &[token, body, header]).await
    }

    async fn failed(&self, prefix: &str) -> Result<Vec<FailedRecord>, StoreError> {
        // The script scans: it names no key of its own (this one routes it on a cluster).
        let flat: Vec<redis::Value> = self
            .failed
            .key(format!("{prefix}*"))
            .arg(prefix)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|e| e.to_string())?;
        flat.chunks_exact(4)
            .map(|row| match row {
                [key, attempt, body, header] => Ok(FailedRecord {
                    key: redis::from_redis_value(key.clone()).map_err(|e| e.to_string())?,
                    attempt: redis::from_redis_value(attempt.clone()).map_err(|e| e.to_string())?,
                    body: redis::from_redis_value(body.clone()).map_err(|e| e.to_string())?,
                    header: redis::from_redis_value(header.clone()).map_err(|e| e.to_string())?,
                }),
                _ => Err("the FAILED script answered a short row".to_owned()),
            })
            .collect()
    }
}
