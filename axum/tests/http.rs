//! The extractor over real HTTP on 127.0.0.1 with axum: valid, forged,
//! stale, unsigned, not an event, oversized.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use axum::{Router, routing::post};
use payvost_axum::{BODY_LIMIT, PayvostEvent};
use payvost_webhooks::{Webhook, sign, unix_now};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "whsec_axum_secret";

async fn receive(PayvostEvent(event): PayvostEvent) -> String {
    format!("received {} {}", event.event_type(), event.id())
}

/// One request, `connection: close`: the status and the body.
async fn post_to(port: u16, body: &[u8], header: Option<&str>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let signature = header
        .map(|h| format!("payvost-signature: {h}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /webhooks/payvost HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n{signature}connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // A refused body may be answered before it is all sent: the answer counts.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "current_thread")]
async fn the_extractor_verifies_before_the_handler() {
    let app = Router::new()
        .route("/webhooks/payvost", post(receive))
        .with_state(Webhook::new(SECRET).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

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
