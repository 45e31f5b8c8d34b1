//! Processing each event once (protocol §11), across every worker that
//! shares a store, whatever its language: the guard of the Node, Python and
//! PHP SDKs, on the rules, statements and scripts of the core
//! ([`payvost_webhooks::idempotency`]), so a record written here is read
//! alike by them.
//!
//! ```
//! use payvost_axum::idempotency::{IdempotencyGuard, MemoryStore, Processed};
//! use payvost_webhooks::{Event, Webhook};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let guard = IdempotencyGuard::new(MemoryStore::default());
//! let body = br#"{"id":"evt_1","type":"payment.succeeded","data":{"object":{}}}"#;
//! let event = Event::from_slice(body)?;
//! let handled = |event: &Event| {
//!     let id = event.id().to_owned();
//!     async move { println!("fulfil {id}"); Ok::<(), std::io::Error>(()) }
//! };
//! assert_eq!(guard.process(&event, handled).await.unwrap(), Processed::Processed { attempt: 1 });
//! assert_eq!(guard.process(&event, handled).await.unwrap(), Processed::Duplicate { attempt: 1 });
//! # Ok::<(), payvost_webhooks::Error>(())
//! # }).unwrap();
//! ```
//!
//! Stores: [`MemoryStore`] (one process), and behind their features
//! `PostgresStore` (`postgres`, tokio-postgres), `RedisStore` (`redis`) and
//! `SqliteStore` (`sqlite`, rusqlite), each on the client you give it.

use std::future::Future;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use payvost_webhooks::idempotency::{self as rules, Outcome};
use payvost_webhooks::{Error, Event};

use crate::{Guarded, Refused};
use payvost_webhooks::delivery::Outcome as DeliveryOutcome;

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// What a store failed with: said in `store_unavailable`.
pub type StoreError = String;

/// A claim's answer as a store's statement or script gave it: the outcome
/// named by the core, and the record's attempt. The stores behind features
/// use it; the memory store answers in the core's types.
#[cfg(any(feature = "postgres", feature = "redis", feature = "sqlite"))]
fn claim_answer(outcome: &str, attempt: i64) -> Result<(Outcome, u32), StoreError> {
    let parsed =
        Outcome::parse(outcome).ok_or_else(|| format!("the claim answered {outcome:?}"))?;
    Ok((parsed, u32::try_from(attempt).unwrap_or(0)))
}

/// A store of records: each step one atomic operation, timed by the
/// store's own clock (protocol §11). `renew`, `release` and `complete`
/// answer `false` when this token no longer holds the record.
pub trait Store: Send + Sync {
    /// Claims the record, or says why not, with its attempt.
    fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        token: &str,
        lease_ms: u64,
        retention_ms: u64,
    ) -> impl Future<Output = Result<(Outcome, u32), StoreError>> + Send;
    /// Extends this token's lease.
    fn renew(
        &self,
        key: &str,
        token: &str,
        lease_ms: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Ends this token's lease now.
    fn release(
        &self,
        key: &str,
        token: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Marks the record completed until the retention ends.
    fn complete(
        &self,
        key: &str,
        token: &str,
        retention_ms: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Marks the record failed after its delivery was answered, keeping
    /// its raw body and header; a claim of the same body takes it again.
    fn fail(
        &self,
        key: &str,
        token: &str,
        body: &str,
        header: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The failed records whose keys start with `prefix`, by key.
    fn failed(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<FailedRecord>, StoreError>> + Send;
}

/// A store by reference, so that guards with other options share one.
impl<S: Store> Store for &S {
    fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        token: &str,
        lease_ms: u64,
        retention_ms: u64,
    ) -> impl Future<Output = Result<(Outcome, u32), StoreError>> + Send {
        (**self).claim(key, fingerprint, token, lease_ms, retention_ms)
    }

    fn renew(
        &self,
        key: &str,
        token: &str,
        lease_ms: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).renew(key, token, lease_ms)
    }

    fn release(
        &self,
        key: &str,
        token: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).release(key, token)
    }

    fn complete(
        &self,
        key: &str,
        token: &str,
        retention_ms: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).complete(key, token, retention_ms)
    }

    fn fail(
        &self,
        key: &str,
        token: &str,
        body: &str,
        header: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).fail(key, token, body, header)
    }

    fn failed(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<FailedRecord>, StoreError>> + Send {
        (**self).failed(prefix)
    }
}

/// A failed record as a store lists it: its key, attempt, raw body and header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedRecord {
    /// `<namespace>:<event id>`.
    pub key: String,
    /// The claims of the event so far.
    pub attempt: u32,
    /// The raw body, as delivered and verified.
    pub body: String,
    /// The `Payvost-Signature` header it came with.
    pub header: String,
}

/// An event whose handlers failed after its delivery was answered
/// (acknowledged first, in any language of the SDK), as
/// [`IdempotencyGuard::failed`] lists it: Payvost will not deliver it
/// again, so it is kept until its retention ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedEvent {
    /// The event's id.
    pub id: String,
    /// The claims of the event so far.
    pub attempt: u32,
    /// The raw body, as delivered and verified.
    pub body: String,
    /// The `Payvost-Signature` header it came with.
    pub header: String,
}

/// What [`IdempotencyGuard::process`] did with an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Processed {
    /// The handler ran and completed.
    Processed {
        /// The claim's attempt: 1, or more after failures.
        attempt: u32,
    },
    /// The event was processed before: the handler did not run.
    Duplicate {
        /// The attempt that completed it.
        attempt: u32,
    },
}

/// Why [`IdempotencyGuard::process`] did not process an event: the guard's
/// refusal (`event_in_progress`, `store_unavailable`, `event_id_reused`,
/// `lease_lost`), or the handler's own error, after which the claim was
/// released so that Payvost's retry runs it again.
#[derive(Debug)]
pub enum NotProcessed<E> {
    /// The guard's refusal, with its code and status.
    Guard(Error),
    /// The handler's error.
    Handler(E),
}

impl<E: std::fmt::Display> std::fmt::Display for NotProcessed<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotProcessed::Guard(error) => write!(f, "{}: {error}", error.code()),
            NotProcessed::Handler(error) => write!(f, "the handler failed: {error}"),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for NotProcessed<E> {}

/// A refusal as its answer (409, 422, 503, 500: protocol §10); a handler's
/// error as a bare 500, so that Payvost retries. Either way the delivery's
/// record (`record_deliveries`) gets the code.
impl<E> IntoResponse for NotProcessed<E> {
    fn into_response(self) -> Response {
        let (mut answer, code) = match self {
            NotProcessed::Guard(error) => (Refused::of(&error).into_response(), Some(error.code())),
            NotProcessed::Handler(_) => (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                None,
            ),
        };
        answer.extensions_mut().insert(Guarded {
            outcome: None,
            code,
            attempt: None,
        });
        answer
    }
}

/// `{"received": true}` (200), for a processed event and a duplicate alike;
/// the delivery's record (`record_deliveries`) gets which, and the attempt.
impl IntoResponse for Processed {
    fn into_response(self) -> Response {
        let (outcome, attempt) = match self {
            Processed::Processed { attempt } => (DeliveryOutcome::Processed, attempt),
            Processed::Duplicate { attempt } => (DeliveryOutcome::Duplicate, attempt),
        };
        let mut answer = (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            r#"{"received":true}"#,
        )
            .into_response();
        answer.extensions_mut().insert(Guarded {
            outcome: Some(outcome),
            code: None,
            attempt: Some(attempt),
        });
        answer
    }
}

/// The guard: runs a handler once per event across every worker sharing
/// its store.
#[derive(Clone, Debug)]
pub struct IdempotencyGuard<S> {
    store: S,
    namespace: String,
    lease: Duration,
    retention: Duration,
}

impl<S: Store> IdempotencyGuard<S> {
    /// A guard on `store`, with the core's defaults: namespace `payvost`,
    /// lease 60 s, retention 7 days.
    pub fn new(store: S) -> Self {
        IdempotencyGuard {
            store,
            namespace: rules::DEFAULT_NAMESPACE.to_owned(),
            lease: Duration::from_secs(rules::DEFAULT_LEASE_SECS),
            retention: Duration::from_secs(rules::DEFAULT_RETENTION_SECS),
        }
    }

    /// Record keys are `<namespace>:<event id>`.
    #[must_use]
    pub fn namespace(mut self, namespace: &str) -> Self {
        namespace.clone_into(&mut self.namespace);
        self
    }

    /// How long a claim holds without renewal (renewed every third of it
    /// while the handler runs): a worker that dies frees its event this long
    /// after. At least a millisecond.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(1));
        self
    }

    /// How long a completed record is kept: past the last of Payvost's retries.
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention.max(Duration::from_millis(1));
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The events of this guard's namespace whose handlers failed after
    /// their delivery was answered, by id.
    ///
    /// # Errors
    ///
    /// `store_unavailable`.
    pub async fn failed(&self) -> Result<Vec<FailedEvent>, Error> {
        let prefix = rules::record_key(&self.namespace, "");
        let records = self
            .store
            .failed(&prefix)
            .await
            .map_err(Error::StoreUnavailable)?;
        Ok(records
            .into_iter()
            .map(|record| FailedEvent {
                id: record
                    .key
                    .get(prefix.len()..)
                    .unwrap_or_default()
                    .to_owned(),
                attempt: record.attempt,
                body: record.body,
                header: record.header,
            })
            .collect())
    }

    /// Runs `handler` for `event` unless the event was processed (a
    /// duplicate) or another worker holds it, under a claim renewed while
    /// it runs; completes the record when it returns `Ok`, releases it when
    /// it returns `Err`.
    ///
    /// # Errors
    ///
    /// [`NotProcessed::Guard`] with `event_in_progress`, `event_id_reused`,
    /// `store_unavailable` (the handler did not run) or `lease_lost` (it
    /// ran, and another worker took the event); [`NotProcessed::Handler`]
    /// with the handler's error.
    pub async fn process<F, Fut, E>(
        &self,
        event: &Event,
        handler: F,
    ) -> Result<Processed, NotProcessed<E>>
    where
        F: FnOnce(&Event) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let id = event.id();
        let key = rules::record_key(&self.namespace, id);
        let token = token();
        let fingerprint = rules::fingerprint(event.json().as_bytes());
        let (lease_ms, retention_ms) = (millis(self.lease), millis(self.retention));
        let unavailable = |why: StoreError| NotProcessed::Guard(Error::StoreUnavailable(why));
        let (outcome, attempt) = self
            .store
            .claim(&key, &fingerprint, &token, lease_ms, retention_ms)
            .await
            .map_err(unavailable)?;
        match outcome {
            Outcome::Claimed => {}
            Outcome::Duplicate => return Ok(Processed::Duplicate { attempt }),
            Outcome::InProgress => {
                return Err(NotProcessed::Guard(Error::EventInProgress(id.to_owned())));
            }
            Outcome::Reused => {
                return Err(NotProcessed::Guard(Error::EventIdReused(id.to_owned())));
            }
        }
        let ran = {
            let run = handler(event);
            tokio::pin!(run);
            // Every third of the lease; interval() refuses a zero period.
            let every = self
                .lease
                .checked_div(3)
                .unwrap_or_default()
                .max(Duration::from_millis(1));
            let mut renewals = tokio::time::interval(every);
            renewals.tick().await;
            loop {
                tokio::select! {
                    ran = &mut run => break ran,
                    _ = renewals.tick() => {
                        // A failed renewal is not fatal: completion will tell whether the lease held.
                        let _ = self.store.renew(&key, &token, lease_ms).await;
                    }
                }
            }
        };
        if let Err(error) = ran {
            // Released, so that Payvost's retry runs the handler again; a store
            // down here leaves the lease to end on its own.
            let _ = self.store.release(&key, &token).await;
            return Err(NotProcessed::Handler(error));
        }
        if self
            .store
            .complete(&key, &token, retention_ms)
            .await
            .map_err(unavailable)?
        {
            Ok(Processed::Processed { attempt })
        } else {
            Err(NotProcessed::Guard(Error::LeaseLost(id.to_owned())))
        }
    }
}

/// A random token that fences this claim.
fn token() -> String {
    let mut bytes = [0u8; 16];
    // Without the system's randomness (never on the platforms axum runs on),
    // the time still tells two claims apart.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = nanos.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
