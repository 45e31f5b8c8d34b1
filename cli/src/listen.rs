//! `payvost webhooks listen`: a receiver on 127.0.0.1 that verifies each
//! delivery and prints it, for testing senders (and this CLI).

use std::collections::HashSet;
use std::io::Read;

use payvost_webhooks::Webhook;
use serde_json::json;

use crate::{SecretArg, now};

#[derive(clap::Args)]
pub struct Args {
    /// The port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 4242)]
    port: u16,
    #[command(flatten)]
    secret: SecretArg,
    /// Seconds the timestamp may lie from now, both ways
    #[arg(long, default_value_t = 300)]
    tolerance: i64,
}

/// The largest body read; Payvost's events are far smaller.
const BODY_LIMIT: u64 = 5 * 1024 * 1024;

pub fn run(args: &Args) -> Result<bool, String> {
    let webhook = Webhook::new(&args.secret.secret)
        .and_then(|w| w.tolerance(args.tolerance))
        .map_err(|e| format!("{}: {e}", e.code()))?;
    let server = tiny_http::Server::http(("127.0.0.1", args.port))
        .map_err(|e| format!("cannot listen: {e}"))?;
    let port = server.server_addr().to_ip().map_or(args.port, |a| a.port());
    println!("listening on http://127.0.0.1:{port}");
    let mut seen = HashSet::new();
    for mut request in server.incoming_requests() {
        let mut body = Vec::new();
        let read = request.as_reader().take(BODY_LIMIT).read_to_end(&mut body);
        let header = request
            .headers()
            .iter()
            .find(|h| h.field.equiv(payvost_webhooks::SIGNATURE_HEADER))
            .map(|h| h.value.as_str().to_owned())
            .unwrap_or_default();
        let (status, answer) = match read.map_err(|e| e.to_string()).and_then(|_| {
            webhook
                .construct_event(&body, &header, now())
                .map_err(|e| format!("{}: {e}", e.code()))
        }) {
            Ok(event) => {
                let duplicate = !seen.insert(event.id().to_owned());
                println!(
                    "✓ {} {}{}",
                    event.event_type(),
                    event.id(),
                    if duplicate { " (duplicate)" } else { "" }
                );
                (200, json!({"received": true, "duplicate": duplicate}))
            }
            Err(message) => {
                println!("✗ {message}");
                let code = message.split(':').next().unwrap_or("").to_owned();
                (400, json!({"error": {"code": code, "message": message}}))
            }
        };
        let response = tiny_http::Response::from_string(answer.to_string())
            .with_status_code(status)
            .with_header(
                tiny_http::Header::from_bytes("Content-Type", "application/json")
                    .map_err(|()| "bad header")?,
            );
        // A client that went away is its own problem.
        let _ = request.respond(response);
    }
    Ok(true)
}
