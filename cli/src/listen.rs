//! `payvost webhooks listen`: a receiver on 127.0.0.1 that verifies each
//! delivery and prints it, for testing senders (and this CLI). The HTTP
//! server and its limits are in `receiver.rs`.

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::StatusCode;
use payvost_webhooks::{Error, SECRET_VARIABLE, Webhook};
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
        });
        let print = args.print;
        receiver::serve(listener, limits, move |delivery| {
            let receiver = Arc::clone(&receiver);
            async move { receiver.receive(&delivery, print) }
        })
        .await;
        Ok(true)
    })
}

/// The verifier and the event ids seen so far, to flag duplicates.
struct Receiver {
    webhook: Webhook,
    seen: Mutex<HashSet<String>>,
}

impl Receiver {
    fn receive(&self, delivery: &Delivery, print: Print) -> Answer {
        let mut line;
        let answer = match self
            .webhook
            .construct_event(&delivery.body, &delivery.signature, now())
        {
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
                (
                    StatusCode::OK,
                    json!({"received": true, "duplicate": duplicate}),
                )
            }
            Err(e) => {
                let message = refusal(&e);
                line = format!("✗ {}: {message}", e.code());
                (StatusCode::BAD_REQUEST, receiver::error(e.code(), &message))
            }
        };
        // One block per delivery, whole, even with many connections at once;
        // a closed stdout must not stop the receiver.
        if !line.is_empty() {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
        answer
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
