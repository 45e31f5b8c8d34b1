//! A Payvost webhook receiver with axum: the `PayvostEvent` extractor reads
//! the raw body and verifies it; the handler processes each event once and
//! answers before doing the work.
//!
//! `PAYVOST_WEBHOOK_SECRET=whsec_... PORT=4242 cargo run -p payvost-axum --example receiver`

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{FromRef, State};
use axum::{Router, routing::get, routing::post};
use payvost_axum::PayvostEvent;
use payvost_webhooks::{SECRET_VARIABLE, Webhook};

#[derive(Clone)]
struct App {
    webhook: Webhook,
    // In production this is a table with a unique key on the event id.
    seen: Arc<Mutex<HashSet<String>>>,
    processed: Arc<Mutex<Vec<String>>>,
}

impl FromRef<App> for Webhook {
    fn from_ref(app: &App) -> Webhook {
        app.webhook.clone()
    }
}

async fn receive(State(app): State<App>, PayvostEvent(event): PayvostEvent) -> &'static str {
    let id = event.id().to_owned();
    // Idempotent: a retried delivery of an event already taken is acknowledged, not redone.
    if !app
        .seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id.clone())
    {
        return r#"{"received":true,"duplicate":true}"#;
    }
    // Respond fast (Payvost waits 30 s at most), then process.
    tokio::spawn(async move {
        println!("{} {id}", event.event_type());
        app.processed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(id);
    });
    r#"{"received":true}"#
}

async fn processed(State(app): State<App>) -> String {
    let ids = app
        .processed
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    format!("{ids:?}")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let secret = std::env::var(SECRET_VARIABLE).unwrap_or_default();
    let webhook = Webhook::new(&secret).map_err(|e| format!("{}: {e}", e.code()))?;
    let app = App {
        webhook,
        seen: Arc::default(),
        processed: Arc::default(),
    };
    let router = Router::new()
        .route("/webhooks/payvost", post(receive))
        .route("/processed", get(processed))
        .with_state(app);
    let port = std::env::var("PORT").unwrap_or_else(|_| "4242".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{address}");
    axum::serve(listener, router)
        .await
        .map_err(|e| e.to_string())
}
