//! `payvost webhooks replay` on a real SQLite store: an event a guard kept
//! as failed (its handlers failed after the answer) is listed, delivered
//! again to a receiver whose guard shares the store, processed there once,
//! and gone from the list.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::extract::{FromRef, State};
use axum::{Router, routing::post};
use payvost_axum::PayvostEvent;
use payvost_axum::idempotency::{IdempotencyGuard, NotProcessed, Processed, SqliteStore, Store};
use payvost_webhooks::Webhook;
use payvost_webhooks::idempotency::{fingerprint, record_key};

const SECRET: &str = "whsec_replay_tests";
const BODY: &str =
    r#"{"id":"evt_replay","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}"#;

fn replay(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_payvost"))
        .args(["webhooks", "replay"])
        .args(args)
        .env("PAYVOST_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[derive(Clone)]
struct App {
    webhook: Webhook,
    guard: Arc<IdempotencyGuard<SqliteStore>>,
    ran: Arc<AtomicU32>,
}

impl FromRef<App> for Webhook {
    fn from_ref(app: &App) -> Webhook {
        app.webhook.clone()
    }
}

async fn receive(
    State(app): State<App>,
    PayvostEvent(event): PayvostEvent,
) -> Result<Processed, NotProcessed<String>> {
    app.guard
        .process(&event, |_| async {
            app.ran.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .await
}

#[test]
fn a_failed_event_is_listed_delivered_again_and_processed_once() {
    let directory = std::env::temp_dir().join(format!("payvost-replay-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("events.db");
    let store_url = format!("sqlite:{}", path.display());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();

    // A guard of another process kept it failed: claimed, then failed after its answer.
    let store = SqliteStore::new(rusqlite::Connection::open(&path).unwrap()).unwrap();
    runtime.block_on(async {
        store.setup().await.unwrap();
        let key = record_key("shop", "evt_replay");
        store
            .claim(
                &key,
                &fingerprint(BODY.as_bytes()),
                "theirs",
                60_000,
                600_000,
            )
            .await
            .unwrap();
        assert!(
            store
                .fail(&key, "theirs", BODY, "t=1764000000,v1=00")
                .await
                .unwrap()
        );
    });

    let (ok, listed) = replay(&["--store", &store_url, "--namespace", "shop"]);
    assert!(ok, "{listed}");
    assert_eq!(
        listed,
        format!(
            "evt_replay  payment.succeeded  attempt 1  {} bytes\n1 failed event in namespace shop\n",
            BODY.len()
        )
    );
    let (ok, other) = replay(&["--store", &store_url]);
    assert_eq!(
        (ok, other.as_str()),
        (true, "0 failed events in namespace payvost\n"),
        "another namespace"
    );

    // The receiver: a guard on the same store.
    let ran = Arc::new(AtomicU32::new(0));
    let app = Router::new()
        .route("/webhooks", post(receive))
        .with_state(App {
            webhook: Webhook::new(SECRET).unwrap(),
            guard: Arc::new(IdempotencyGuard::new(store).namespace("shop")),
            ran: Arc::clone(&ran),
        });
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let endpoint = format!("http://{}/webhooks", listener.local_addr().unwrap());
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let (ok, delivered) = replay(&[
        "--store",
        &store_url,
        "--namespace",
        "shop",
        "--endpoint",
        &endpoint,
    ]);
    assert!(ok, "{delivered}");
    let lines: Vec<&str> = delivered.lines().collect();
    assert!(
        lines[0].starts_with(&format!(
            "✓ evt_replay  payment.succeeded  attempt 1  {} bytes  200 OK in ",
            BODY.len()
        )),
        "{delivered}"
    );
    assert_eq!(
        lines[1],
        format!("1 of 1 failed event delivered again to {endpoint}")
    );
    assert_eq!(
        ran.load(Ordering::SeqCst),
        1,
        "the receiver's guard took the failed record and ran its handler"
    );
    let (ok, after) = replay(&["--store", &store_url, "--namespace", "shop"]);
    assert_eq!(
        (ok, after.as_str()),
        (true, "0 failed events in namespace shop\n")
    );

    let (ok, missing) = replay(&[
        "--store",
        &store_url,
        "--namespace",
        "shop",
        "--event",
        "evt_none",
    ]);
    assert!(!ok);
    assert_eq!(
        missing,
        format!("payvost: no failed event evt_none in {store_url} (namespace shop)\n")
    );
    let (ok, nowhere) = replay(&["--store", "/nonexistent/events.db"]);
    assert!(!ok);
    assert_eq!(
        nowhere,
        "payvost: /nonexistent/events.db is not an SQLite file (give --store postgresql://..., redis://... or a path)\n"
    );
    drop(runtime);
    let _ = std::fs::remove_dir_all(directory);
}
