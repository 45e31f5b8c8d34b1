//! `payvost webhooks listen`: a receiver on 127.0.0.1 that verifies each
//! delivery and prints it, for testing senders (and this CLI). The HTTP
//! server and its limits are in `receiver.rs`.

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::StatusCode;
use payvost_webhooks::delivery::{Outcome, Record, Tally};
use payvost_webhooks::{Error, Event, SECRET_VARIABLE, Webhook};
use serde_json::json;

use crate::receiver::{self, Answer, Delivery, Limits};
use crate::{SecretArg, now};

#[derive(clap::Args)]
pub struct Args {
    /// The port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 4242)]
    port: u16,
    #[command(flatten)]
    secret: SecretArg,
    /// Seconds the timestamp may lie from now, both ways
    #[arg(long, default_value_t = crate::DEFAULT_TOLERANCE)]
    tolerance: i64,
    /// Seconds a client has to send a request's headers
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a client has to send a request's body
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
    /// The largest body accepted, in bytes; a larger one is answered 413
    #[arg(long, default_value_t = payvost_webhooks::BODY_LIMIT)]
    body_limit: u64,
    /// What to print of each verified event: the whole event as pretty JSON,
    /// its type and id, or nothing (refused deliveries are always printed)
    #[arg(long, value_enum, default_value_t = Print::Json)]
    print: Print,
    /// Append one line of JSON per delivery to this file: its record of
    /// protocol §10.2 (event, outcome, code, status, signature age, secret,
    /// duration), never the secret or the body
    #[arg(long, value_name = "FILE")]
    log: Option<std::path::PathBuf>,
    /// Seconds between two summaries of the refusals on stderr (their
    /// counts by code and likely cause), printed only while there are any
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86400))]
    summary_every: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Print {
    Json,
    Id,
    None,
}

pub fn run(args: &Args) -> Result<bool, String> {
    let webhook = Webhook::new(args.secret.get()?)
        .and_then(|w| w.tolerance(args.tolerance))
        .map_err(|e| format!("{}: {e}", e.code()))?;
    let log = match &args.log {
        Some(path) => Some(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open the log {}: {e}", path.display()))?,
        )),
        None => None,
    };
    let limits = Limits {
        header_timeout: Duration::from_secs(args.header_timeout),
        body_timeout: Duration::from_secs(args.body_timeout),
        body_limit: args.body_limit,
    };
    // One thread is plenty for a test receiver: verifying takes microseconds
    // and every wait is asynchronous.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the receiver: {e}"))?;
    runtime.block_on(async {
        let (listener, port) = receiver::bind(args.port).await?;
        println!("listening on http://127.0.0.1:{port}");
        let receiver = Arc::new(Receiver {
            webhook,
            seen: Mutex::new(HashSet::new()),
            log,
            tally: Mutex::new(Tally::default()),
        });
        tokio::spawn(summaries(
            Arc::clone(&receiver),
            Duration::from_secs(args.summary_every),
        ));
        let print = args.print;
        let logging = Arc::clone(&receiver);
        receiver::serve(
            listener,
            limits,
            move |delivery| {
                let receiver = Arc::clone(&receiver);
                async move { receiver.receive(&delivery, print) }
            },
            move |refusal, arrival| logging.record_refusal(refusal, arrival),
        )
        .await;
        Ok(true)
    })
}

/// The verifier, the event ids seen so far, to flag duplicates, the
/// file the delivery records go to, and their counts.
struct Receiver {
    webhook: Webhook,
    seen: Mutex<HashSet<String>>,
    log: Option<Mutex<std::fs::File>>,
    tally: Mutex<Tally>,
}

/// Every `every`, while deliveries are being refused, the refusals since
/// the last summary by code, with their likely cause, on stderr: a rotated
/// secret or a probe shows at once, not when payments stop arriving.
async fn summaries(receiver: Arc<Receiver>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let lines = receiver
            .tally
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .anomalies();
        let mut stderr = std::io::stderr().lock();
        for line in lines {
            let _ = writeln!(stderr, "payvost: {line}");
        }
    }
}

impl Receiver {
    fn receive(&self, delivery: &Delivery, print: Print) -> Answer {
        let mut line;
        let at = now();
        let verified = self.webhook.verify(&delivery.body, &delivery.signature, at);
        let mut record = Record::arrived(
            delivery.arrival.unix,
            delivery.arrival.peer.map(|peer| peer.to_string()),
        );
        if let Ok(verified) = &verified {
            record.signature_age = Some(at.saturating_sub(verified.timestamp));
            record.secret_index = Some(verified.secret_index);
        }
        let answer = match verified.and_then(|_| Event::from_slice(&delivery.body)) {
            Ok(event) => {
                let duplicate = !self
                    .seen
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(event.id().to_owned());
                line = format!(
                    "✓ {} {}{}",
                    event.event_type(),
                    event.id(),
                    if duplicate { " (duplicate)" } else { "" }
                );
                match print {
                    Print::Json => {
                        // serde_json keeps numbers as written here (arbitrary_precision).
                        let pretty = serde_json::from_str::<serde_json::Value>(event.json())
                            .and_then(|value| serde_json::to_string_pretty(&value));
                        line = format!(
                            "{line}\n{}",
                            pretty.unwrap_or_else(|_| event.json().to_owned())
                        );
                    }
                    Print::Id => {}
                    Print::None => line.clear(),
                }
                record.event_id = Some(event.id().to_owned());
                record.event_type = Some(event.event_type().as_str().to_owned());
                if duplicate {
                    record.outcome = Outcome::Duplicate;
                }
                // The protocol's answer (§10), as every adapter gives it; a
                // duplicate shows in the printed line and the record.
                (StatusCode::OK, json!({"received": true}))
            }
            Err(e) => {
                let message = refusal(&e);
                line = format!("✗ {}: {message}", e.code());
                record.outcome = Outcome::of_code(e.code());
                record.code = Some(e.code());
                record.status = StatusCode::BAD_REQUEST.as_u16();
                (StatusCode::BAD_REQUEST, receiver::error(e.code(), &message))
            }
        };
        record.duration_ms = delivery.arrival.at.elapsed().as_secs_f64() * 1e3;
        self.write(&record);
        // One block per delivery, whole, even with many connections at once;
        // a closed stdout must not stop the receiver.
        if !line.is_empty() {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
        answer
    }
}

impl Receiver {
    /// The record of a delivery refused before its body was had (413, 408,
    /// an unreadable body).
    fn record_refusal(&self, (status, body): &Answer, arrival: receiver::Arrival) {
        let code = body
            .pointer("/error/code")
            .and_then(serde_json::Value::as_str)
            .and_then(|code| Error::ALL.iter().copied().find(|known| *known == code));
        let mut record = Record::arrived(arrival.unix, arrival.peer.map(|peer| peer.to_string()));
        record.outcome = code.map_or(Outcome::Refused, Outcome::of_code);
        record.code = code;
        record.status = status.as_u16();
        record.duration_ms = arrival.at.elapsed().as_secs_f64() * 1e3;
        self.write(&record);
    }

    /// Counts `record`, and appends it to the log when there is one; a log
    /// that cannot be written is said on stderr, and the receiver goes on.
    fn write(&self, record: &Record) {
        self.tally
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .add(record);
        let Some(log) = &self.log else { return };
        let mut file = log.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = writeln!(file, "{}", record.to_json()) {
            let _ = writeln!(
                std::io::stderr().lock(),
                "payvost: cannot write the delivery log: {error}"
            );
        }
    }
}

/// Why a delivery was refused, for a listener: it reads the raw bytes
/// itself, so an unexplained mismatch means the sender's secret is not this
/// one, not a body parser (the core's message names both, for an
/// application); a change the core recognised in the body is its own message.
fn refusal(error: &Error) -> String {
    match error {
        Error::SignatureMismatch {
            body_change: None, ..
        } => format!(
            "No signature in the Payvost-Signature header matches this body with the listener's secret: \
             the sender signed with another secret. Start the listener with the sender's whsec_ secret \
             (--secret or {SECRET_VARIABLE})."
        ),
        other => other.to_string(),
    }
}
