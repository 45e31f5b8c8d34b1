//! Protocol §10's table, as `tests/vectors/receivers.json` holds it: every
//! case sent over HTTP to the extractor (a plain route, and one whose handler
//! runs inside the idempotency guard), answered with the table's status and
//! body.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::{Router, routing::post};
use base64::Engine;
use payvost_axum::idempotency::{IdempotencyGuard, MemoryStore, NotProcessed, Processed};
use payvost_axum::{BODY_LIMIT, PayvostEvent};
use payvost_webhooks::{Webhook, sign, unix_now};
use serde_json::{Value, json};

mod common;

#[derive(Clone)]
struct App {
    webhook: Webhook,
    guard: Arc<IdempotencyGuard<MemoryStore>>,
    handled: Arc<Mutex<Vec<String>>>,
}

impl FromRef<App> for Webhook {
    fn from_ref(app: &App) -> Webhook {
        app.webhook.clone()
    }
}

async fn plain(State(app): State<App>, PayvostEvent(event): PayvostEvent) -> impl IntoResponse {
    app.handled.lock().unwrap().push(event.id().to_owned());
    ([(CONTENT_TYPE, "application/json")], r#"{"received":true}"#)
}

async fn guarded(
    State(app): State<App>,
    PayvostEvent(event): PayvostEvent,
) -> Result<Processed, NotProcessed<std::io::Error>> {
    let handled = Arc::clone(&app.handled);
    let id = event.id().to_owned();
    app.guard
        .process(&event, move |_| async move {
            handled.lock().unwrap().push(id);
            Ok(())
        })
        .await
}

async fn deliver(port: u16, case: &Value) -> Value {
    let body = match case["over_limit"].as_u64() {
        Some(over) => vec![b' '; BODY_LIMIT + over as usize],
        None => base64::engine::general_purpose::STANDARD
            .decode(case["body_b64"].as_str().unwrap())
            .unwrap(),
    };
    let header = case["sign_with"]
        .as_str()
        .map(|secret| sign(&body, secret, unix_now()).unwrap());
    let path = if case["guard"] == true {
        "/guarded"
    } else {
        "/plain"
    };
    let (status, text) = common::post(port, path, &body, header.as_deref()).await;
    let mut answer: Value = serde_json::from_str(&text).unwrap();
    // The table's "...": any non-empty string.
    if let Some(message) = answer.pointer_mut("/error/message")
        && message.as_str().is_some_and(|m| !m.is_empty())
    {
        *message = json!("...");
    }
    json!({"status": status, "body": answer})
}

#[tokio::test(flavor = "current_thread")]
async fn the_extractor_answers_every_case_as_the_protocol_table_says() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/receivers.json"
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let app = App {
        webhook: Webhook::new(doc["secret"].as_str().unwrap()).unwrap(),
        guard: Arc::new(IdempotencyGuard::new(MemoryStore::default())),
        handled: Arc::default(),
    };
    let handled = Arc::clone(&app.handled);
    let router = Router::new()
        .route("/plain", post(plain))
        .route("/guarded", post(guarded))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let cases = doc["cases"].as_array().unwrap();
    for case in cases {
        if let Some(after) = case["after"].as_str() {
            let first = cases
                .iter()
                .find(|c| c["id"] == format!("receivers/{after}"))
                .unwrap();
            let mut first = first.clone();
            first["guard"] = case["guard"].clone();
            deliver(port, &first).await;
        }
        assert_eq!(
            deliver(port, case).await,
            case["expected"],
            "{}",
            case["id"]
        );
    }
    // The handlers ran for the deliveries the table calls processed: once plain, once guarded.
    assert_eq!(*handled.lock().unwrap(), ["evt_receivers", "evt_receivers"]);
}
