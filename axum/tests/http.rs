//! The extractor over real HTTP on 127.0.0.1 with axum: valid, forged,
//! stale, unsigned, not an event, oversized.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use axum::{Router, routing::post};
use payvost_axum::{BODY_LIMIT, PayvostEvent};
use payvost_webhooks::{Webhook, sign, unix_now};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;

const SECRET: &str = "whsec_axum_secret";

async fn receive(PayvostEvent(event): PayvostEvent) -> String {
    format!("received {} {}", event.event_type(), event.id())
}

/// One request to the extractor's route: the status and the body.
async fn post_to(port: u16, body: &[u8], header: Option<&str>) -> (u16, String) {
    common::post(port, "/webhooks/payvost", body, header).await
}

/// `receive` behind the extractor on 127.0.0.1: its port.
async fn serve_extractor() -> u16 {
    let app = Router::new()
        .route("/webhooks/payvost", post(receive))
        .with_state(Webhook::new(SECRET).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

#[tokio::test(flavor = "current_thread")]
async fn the_extractor_verifies_before_the_handler() {
    let port = serve_extractor().await;

    let body = br#"{"id":"evt_axum","type":"refund.created","data":{"object":{"id":"ref_1"}}}"#;
    let now = unix_now();
    let header = sign(body, SECRET, now).unwrap();
    assert_eq!(
        post_to(port, body, Some(&header)).await,
        (200, "received refund.created evt_axum".to_owned())
    );

    let refused = |code: &str| {
        let code = code.to_owned();
        move |(status, text): (u16, String)| {
            let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                (status, answer["error"]["code"].as_str()),
                (400, Some(code.as_str())),
                "{text}"
            );
        }
    };
    refused("signature_mismatch")(
        post_to(port, body, Some(&sign(body, "whsec_forged", now).unwrap())).await,
    );
    refused("timestamp_too_old")(
        post_to(port, body, Some(&sign(body, SECRET, now - 3600).unwrap())).await,
    );
    refused("header_missing")(post_to(port, body, None).await);
    // The header sent twice: its lines are joined by ", " and refused (protocol §2).
    let twice = format!("{header}\r\npayvost-signature: {header}");
    refused("header_malformed")(post_to(port, body, Some(&twice)).await);
    refused("payload_invalid_json")(
        post_to(port, b"[1]", Some(&sign(b"[1]", SECRET, now).unwrap())).await,
    );

    let big = vec![b' '; BODY_LIMIT + 1];
    let (status, text) = post_to(port, &big, Some(&sign(&big, SECRET, now).unwrap())).await;
    assert_eq!(status, 413, "{text}");
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["error"]["code"], "payload_invalid_json");
}

/// The records a route's deliveries got, and the `tracing` events they made.
#[tokio::test(flavor = "current_thread")]
async fn every_delivery_is_recorded_traced_and_counted() {
    use axum::http::StatusCode;
    use payvost_axum::{Deliveries, record_deliveries};
    use std::sync::{Arc, Mutex};

    // A writer the tracing subscriber formats JSON lines into.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let traced = Lines::default();
    let writer = traced.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let records = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&records);
    let deliveries = Deliveries::new()
        .max_concurrent(1)
        .on_delivery(move |record| kept.lock().unwrap().push(record.to_json()));
    let (entered, release) = (
        Arc::new(tokio::sync::Notify::new()),
        Arc::new(tokio::sync::Notify::new()),
    );
    let (entered_in, release_in) = (Arc::clone(&entered), Arc::clone(&release));
    let app = Router::new()
        .route(
            "/webhooks/payvost",
            post(move |PayvostEvent(event): PayvostEvent| {
                let (entered, release) = (Arc::clone(&entered_in), Arc::clone(&release_in));
                async move {
                    match event.id() {
                        "evt_fails" => Err(StatusCode::INTERNAL_SERVER_ERROR),
                        "evt_slow" => {
                            entered.notify_one();
                            release.notified().await;
                            Ok("ok")
                        }
                        _ => Ok("ok"),
                    }
                }
            }),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            deliveries.clone(),
            record_deliveries,
        ))
        .with_state(Webhook::new(SECRET).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });

    let event =
        |id: &str| format!(r#"{{"id":"{id}","type":"refund.created","data":{{"object":{{}}}}}}"#);
    let now = unix_now();
    let signed = |body: &str| sign(body.as_bytes(), SECRET, now).unwrap();
    let ok = event("evt_ok");
    assert_eq!(
        post_to(port, ok.as_bytes(), Some(&signed(&ok))).await.0,
        200
    );
    let forged = sign(ok.as_bytes(), "whsec_forged", now).unwrap();
    assert_eq!(post_to(port, ok.as_bytes(), Some(&forged)).await.0, 400);
    let fails = event("evt_fails");
    assert_eq!(
        post_to(port, fails.as_bytes(), Some(&signed(&fails)))
            .await
            .0,
        500
    );
    // One delivery runs; the next, past the limit of one, is shed.
    let slow = event("evt_slow");
    let slow_header = signed(&slow);
    let first =
        tokio::spawn(async move { post_to(port, slow.as_bytes(), Some(&slow_header)).await });
    entered.notified().await;
    let (status, text) = post_to(port, ok.as_bytes(), Some(&signed(&ok))).await;
    release.notify_one();
    assert_eq!(first.await.unwrap().0, 200);
    assert_eq!(status, 503, "{text}");
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["error"]["code"], "receiver_busy");
    assert_eq!(
        answer["error"]["message"],
        "This receiver was already handling its limit of deliveries at once (1), so it answered 503 \
         without reading this one; Payvost delivers it again later"
    );

    let records: Vec<serde_json::Value> = records
        .lock()
        .unwrap()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let summary: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r["outcome"].as_str().unwrap().to_owned(),
                r["status"].as_u64().unwrap(),
                r["code"].as_str().map(str::to_owned),
                r["event_id"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let row = |outcome: &str, status, code: Option<&str>, id: Option<&str>| {
        (
            outcome.to_owned(),
            status,
            code.map(str::to_owned),
            id.map(str::to_owned),
        )
    };
    assert_eq!(
        summary,
        [
            row("processed", 200, None, Some("evt_ok")),
            row("refused", 400, Some("signature_mismatch"), None),
            row("failed", 500, None, Some("evt_fails")),
            row("shed", 503, Some("receiver_busy"), None),
            row("processed", 200, None, Some("evt_slow")),
        ]
    );
    assert_eq!(records[0]["secret_index"], 0);
    assert_eq!(records[0]["remote_address"], "127.0.0.1");
    assert!((0..5).contains(&records[0]["signature_age"].as_i64().unwrap()));
    assert_eq!(
        deliveries.stats(),
        r#"{"total":5,"outcomes":{"processed":2,"duplicate":0,"refused":1,"failed":1,"in_progress":0,"shed":1},"codes":{"receiver_busy":1,"signature_mismatch":1}}"#
    );
    assert_eq!(
        deliveries.anomalies(),
        [payvost_webhooks::delivery::anomaly(
            "signature_mismatch",
            1,
            1
        )]
    );

    let traced = String::from_utf8(traced.0.lock().unwrap().clone()).unwrap();
    let levels: Vec<(String, String)> = traced
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|line| line["target"] == "payvost")
        .map(|line| {
            (
                line["level"].as_str().unwrap().to_owned(),
                line["fields"]["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let level = |l: &str, o: &str| (l.to_owned(), o.to_owned());
    assert_eq!(
        levels,
        [
            level("INFO", "processed"),
            level("WARN", "refused"),
            level("ERROR", "failed"),
            level("WARN", "shed"),
            level("INFO", "processed"),
        ],
        "{traced}"
    );
}

/// The idempotency guard's answers in a route's records: processed and
/// duplicate with their attempt, another worker's claim in_progress.
#[tokio::test(flavor = "current_thread")]
async fn the_guards_answers_are_recorded_with_their_attempt() {
    use axum::extract::State;
    use payvost_axum::idempotency::{
        IdempotencyGuard, MemoryStore, NotProcessed, Processed, Store,
    };
    use payvost_axum::{Deliveries, record_deliveries};
    use std::sync::{Arc, Mutex};

    #[derive(Clone)]
    struct App {
        webhook: Webhook,
        guard: Arc<IdempotencyGuard<MemoryStore>>,
    }
    impl axum::extract::FromRef<App> for Webhook {
        fn from_ref(app: &App) -> Webhook {
            app.webhook.clone()
        }
    }
    async fn guarded(
        State(app): State<App>,
        PayvostEvent(event): PayvostEvent,
    ) -> Result<Processed, NotProcessed<std::io::Error>> {
        app.guard.process(&event, |_| async { Ok(()) }).await
    }

    let records = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&records);
    let deliveries =
        Deliveries::new().on_delivery(move |record| kept.lock().unwrap().push(record.to_json()));
    let guard = Arc::new(IdempotencyGuard::new(MemoryStore::default()));
    let app = Router::new()
        .route("/webhooks/payvost", post(guarded))
        .route_layer(axum::middleware::from_fn_with_state(
            deliveries,
            record_deliveries,
        ))
        .with_state(App {
            webhook: Webhook::new(SECRET).unwrap(),
            guard: Arc::clone(&guard),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let body = br#"{"id":"evt_once","type":"payment.succeeded","data":{"object":{}}}"#;
    let header = sign(body, SECRET, unix_now()).unwrap();
    assert_eq!(
        post_to(port, body, Some(&header)).await,
        (200, r#"{"received":true}"#.to_owned())
    );
    assert_eq!(
        post_to(port, body, Some(&header)).await,
        (200, r#"{"received":true}"#.to_owned())
    );
    let held = br#"{"id":"evt_held","type":"payment.succeeded","data":{"object":{}}}"#;
    let fingerprint = payvost_webhooks::idempotency::fingerprint(held);
    guard
        .store()
        .claim("payvost:evt_held", &fingerprint, "theirs", 60_000, 60_000)
        .await
        .unwrap();
    let (status, text) = post_to(port, held, Some(&sign(held, SECRET, unix_now()).unwrap())).await;
    assert_eq!(status, 409, "{text}");

    let summary: Vec<(String, Option<u64>, Option<String>)> = records
        .lock()
        .unwrap()
        .iter()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                record["outcome"].as_str().unwrap().to_owned(),
                record["attempt"].as_u64(),
                record["code"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("processed".to_owned(), Some(1), None),
            ("duplicate".to_owned(), Some(1), None),
            (
                "in_progress".to_owned(),
                None,
                Some("event_in_progress".to_owned())
            ),
        ]
    );
}

/// A client that sends part of the body it declared, then stops sending:
/// refused as cut off (400 `payload_wrong_type`), never verified, never
/// answered as too large.
#[tokio::test(flavor = "current_thread")]
async fn a_body_cut_off_is_refused_as_such() {
    let port = serve_extractor().await;

    let body = br#"{"id":"evt_cut","type":"refund.created","data":{"object":{"id":"ref_1"}}}"#;
    let header = sign(body, SECRET, unix_now()).unwrap();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "POST /webhooks/payvost HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\npayvost-signature: {header}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400 "), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(text.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"error": {"code": "payload_wrong_type", "message": payvost_webhooks::bindings::BODY_CUT_OFF_MESSAGE}})
    );
}
