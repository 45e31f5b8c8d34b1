//! Protocol §10's table, as `tests/vectors/receivers.json` holds it: every
//! case `listen` can meet (it has no idempotency guard: not the guard's
//! cases) sent to it over HTTP, answered with the table's status and body.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::{Value, json};

const LIMIT: usize = 4096;

fn deliver(port: u16, case: &Value) -> Value {
    let body = match case["over_limit"].as_u64() {
        Some(over) => vec![b' '; LIMIT + usize::try_from(over).unwrap()],
        None => base64::engine::general_purpose::STANDARD
            .decode(case["body_b64"].as_str().unwrap())
            .unwrap(),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signature = case["sign_with"]
        .as_str()
        .map(|secret| {
            let header =
                payvost_webhooks::sign(&body, secret, i64::try_from(now).unwrap()).unwrap();
            format!("payvost-signature: {header}\r\n")
        })
        .unwrap_or_default();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "POST /webhooks HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n{signature}connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // A refused body may be answered before it is all sent: the answer counts.
    let _ = stream.write_all(&body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (_, json_body) = text.split_once("\r\n\r\n").unwrap();
    let mut body: Value = serde_json::from_str(json_body).unwrap();
    // The table's "...": any non-empty string.
    if let Some(message) = body.pointer_mut("/error/message")
        && message.as_str().is_some_and(|m| !m.is_empty())
    {
        *message = json!("...");
    }
    json!({"status": text[9..12].parse::<u16>().unwrap(), "body": body})
}

#[test]
fn listen_answers_every_case_as_the_protocol_table_says() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/receivers.json"
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut child = Listening(
        Command::new(env!("CARGO_BIN_EXE_payvost"))
            .args([
                "webhooks",
                "listen",
                "--port",
                "0",
                "--body-limit",
                &LIMIT.to_string(),
            ])
            .env("PAYVOST_WEBHOOK_SECRET", doc["secret"].as_str().unwrap())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    let port: u16 = first.trim().rsplit(':').next().unwrap().parse().unwrap();
    let mut sent = 0;
    for case in doc["cases"].as_array().unwrap() {
        if case["guard"] == true {
            continue;
        }
        assert_eq!(deliver(port, case), case["expected"], "{}", case["id"]);
        sent += 1;
    }
    assert_eq!(sent, 5);
}

/// The listener, stopped however the test ends.
struct Listening(std::process::Child);

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
