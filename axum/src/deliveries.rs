//! The delivery record of every request a route answered (protocol §10.2),
//! as `tracing` events and to an optional hook, their counts, and load
//! shedding: a middleware around the route that [`PayvostEvent`] extracts
//! on.
//!
//! ```
//! use axum::{Router, middleware, routing::post};
//! use payvost_axum::{Deliveries, PayvostEvent, record_deliveries};
//! use payvost_webhooks::Webhook;
//!
//! async fn receive(PayvostEvent(event): PayvostEvent) -> &'static str {
//!     r#"{"received":true}"#
//! }
//!
//! let deliveries = Deliveries::new()
//!     .max_concurrent(64)
//!     .on_delivery(|record| eprintln!("{}", record.to_json()));
//! let app: Router = Router::new()
//!     .route("/webhooks/payvost", post(receive))
//!     .route_layer(middleware::from_fn_with_state(deliveries.clone(), record_deliveries))
//!     .with_state(Webhook::new("whsec_test_secret")?);
//! // Later, for a health page: {"total":0,"outcomes":{...},"codes":{}}
//! assert!(deliveries.stats().starts_with(r#"{"total":0,"#));
//! # Ok::<(), payvost_webhooks::Error>(())
//! ```
//!
//! [`PayvostEvent`]: crate::PayvostEvent

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use payvost_webhooks::Error;
use payvost_webhooks::delivery::{Outcome, RETRY_AFTER_SECS, Record, Tally};

use crate::Refused;

/// A hook that gets every record.
type Hook = dyn Fn(&Record) + Send + Sync;

/// What a route's deliveries are recorded by: an optional hook, a limit of
/// deliveries at once, and their counts. Clones share all three.
#[derive(Clone, Default)]
pub struct Deliveries {
    hook: Option<Arc<Hook>>,
    limit: Option<usize>,
    running: Arc<AtomicUsize>,
    tally: Arc<Mutex<Tally>>,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliveries")
            .field("hook", &self.hook.is_some())
            .field("limit", &self.limit)
            .field("running", &self.running.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Deliveries {
    /// Records, with no hook and no limit: `tracing` events and counts only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `hook` with the record of every delivery, once it is answered.
    /// A hook that panics never changes the answer: the panic is caught and
    /// told as an error event.
    #[must_use]
    pub fn on_delivery(mut self, hook: impl Fn(&Record) + Send + Sync + 'static) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// At most `limit` deliveries at once: past it, a delivery is answered
    /// 503 with `Retry-After` and `receiver_busy` before its body is read,
    /// and recorded as `shed`. Payvost delivers it again later.
    #[must_use]
    pub fn max_concurrent(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The counts so far, as JSON: `total`, every outcome, each code
    /// answered (the core's [`Tally::to_json`]).
    pub fn stats(&self) -> String {
        self.tally().to_json()
    }

    /// The refusals since the last call, one line per code with its likely
    /// cause (the core's [`Tally::anomalies`]): for a task that logs them
    /// once a minute.
    pub fn anomalies(&self) -> Vec<String> {
        self.tally().anomalies()
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, record: &Record) {
        self.tally().add(record);
        trace(record);
        if let Some(hook) = &self.hook
            && catch_unwind(AssertUnwindSafe(|| hook(record))).is_err()
        {
            tracing::error!(
                target: "payvost",
                status = record.status,
                "payvost: on_delivery panicked; the answer was not changed"
            );
        }
    }
}

/// What the extractor learned of a delivery, for its record.
#[derive(Default)]
pub(crate) struct Seen {
    pub(crate) event_id: Option<String>,
    pub(crate) event_type: Option<String>,
    pub(crate) code: Option<&'static str>,
    pub(crate) signature_age: Option<i64>,
    pub(crate) secret_index: Option<usize>,
}

/// What an idempotency guard's answer ([`crate::idempotency::Processed`],
/// [`crate::idempotency::NotProcessed`]) says of the delivery, in the
/// response's extensions, for its record.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Guarded {
    pub(crate) outcome: Option<Outcome>,
    pub(crate) code: Option<&'static str>,
    pub(crate) attempt: Option<u32>,
}

/// Where the extractor leaves what it learned, in the request's extensions.
#[derive(Clone, Default)]
pub(crate) struct Slot(pub(crate) Arc<Mutex<Seen>>);

impl Slot {
    pub(crate) fn fill(&self, fill: impl FnOnce(&mut Seen)) {
        fill(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Counts a delivery in while it runs, out when dropped.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The middleware: `middleware::from_fn_with_state(deliveries, record_deliveries)`
/// on the route the [`crate::PayvostEvent`] extractor serves.
pub async fn record_deliveries(
    State(deliveries): State<Deliveries>,
    mut request: Request,
    next: Next,
) -> Response {
    let at = Instant::now();
    let received_at = payvost_webhooks::unix_now();
    let remote_address = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip().to_string());
    let running = deliveries.running.fetch_add(1, Ordering::AcqRel);
    let _running = Running(Arc::clone(&deliveries.running));
    let mut record = Record::arrived(received_at, remote_address);
    if let Some(limit) = deliveries.limit
        && running >= limit
    {
        let mut answer = Refused::of(&Error::ReceiverBusy(limit.to_string())).into_response();
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        record.outcome = Outcome::Shed;
        record.code = Some("receiver_busy");
        record.status = answer.status().as_u16();
        record.duration_ms = at.elapsed().as_secs_f64() * 1e3;
        deliveries.record(&record);
        return answer;
    }
    let slot = Slot::default();
    request.extensions_mut().insert(slot.clone());
    let answer = next.run(request).await;
    let seen = std::mem::take(&mut *slot.0.lock().unwrap_or_else(PoisonError::into_inner));
    // What the idempotency guard's answer says of itself, when the handler gave one.
    let guarded = answer.extensions().get::<Guarded>().copied();
    let code = seen.code.or(guarded.and_then(|g| g.code));
    record.status = answer.status().as_u16();
    record.outcome = match (code, guarded.and_then(|g| g.outcome)) {
        (Some(code), _) => Outcome::of_code(code),
        (None, Some(outcome)) => outcome,
        (None, None) if record.status < 400 => Outcome::Processed,
        (None, None) => Outcome::Failed,
    };
    record.attempt = guarded.and_then(|g| g.attempt);
    record.event_id = seen.event_id;
    record.event_type = seen.event_type;
    record.code = code;
    record.signature_age = seen.signature_age;
    record.secret_index = seen.secret_index;
    record.duration_ms = at.elapsed().as_secs_f64() * 1e3;
    deliveries.record(&record);
    answer
}

/// `record` as a `tracing` event of target `payvost`: INFO for a delivery
/// processed, a duplicate or one another worker holds, WARN for one refused
/// or shed, ERROR for one that failed; the fields are the record's.
fn trace(record: &Record) {
    macro_rules! event {
        ($level:expr) => {
            tracing::event!(
                target: "payvost",
                $level,
                event_id = record.event_id.as_deref(),
                event_type = record.event_type.as_deref(),
                outcome = record.outcome.as_str(),
                code = record.code,
                status = record.status,
                signature_age = record.signature_age,
                secret_index = record.secret_index,
                attempt = record.attempt,
                duration_ms = record.duration_ms,
                received_at = record.received_at,
                remote_address = record.remote_address.as_deref(),
                "payvost delivery {}",
                record.outcome.as_str()
            )
        };
    }
    match record.outcome {
        Outcome::Processed | Outcome::Duplicate | Outcome::InProgress => {
            event!(tracing::Level::INFO)
        }
        Outcome::Refused | Outcome::Shed => event!(tracing::Level::WARN),
        Outcome::Failed => event!(tracing::Level::ERROR),
    }
}
