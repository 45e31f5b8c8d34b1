//! `payvost webhooks listen` against hostile clients, all on 127.0.0.1 and
//! each bounded in time and count: a huge `Content-Length` then close, a
//! stalled body, slow headers, 200 idle connections, chunked garbage and a
//! 6 MiB body, while 20 clients make 1,000 valid deliveries. Afterwards the
//! listener is alive, every valid delivery was verified and printed exactly
//! once, and every hostile request got a 4xx or a closed connection.

// Test code: a panic here is a failing test, not a crash of the tool.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SECRET: &str = "whsec_hostile_tests";
const CLIENTS: usize = 20;
const PER_CLIENT: usize = 50;
const IDLE: usize = 200;
/// The listener's header and body deadlines in this test, in seconds.
const DEADLINE: u64 = 2;

/// The listener, its port, and every line it printed so far.
struct Listener {
    child: Child,
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Listener {
    fn start() -> Self {
        let deadline = DEADLINE.to_string();
        let mut child = Command::new(env!("CARGO_BIN_EXE_payvost"))
            .args([
                "webhooks",
                "listen",
                "--port",
                "0",
                "--header-timeout",
                &deadline,
            ])
            .args(["--body-timeout", &deadline])
            .env("PAYVOST_WEBHOOK_SECRET", SECRET)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let port = first
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("not a listening line: {first:?}"));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        // Read continuously, so a full pipe never stalls the listener.
        thread::spawn(move || {
            for line in stdout.lines() {
                sink.lock().unwrap().push(line.unwrap());
            }
        });
        Listener { child, port, lines }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        stream
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// A signed POST of the event `id`.
fn delivery(id: &str) -> Vec<u8> {
    let body = format!(
        r#"{{"id":"{id}","type":"payment.succeeded","data":{{"object":{{"id":"pay_1"}}}}}}"#
    );
    let header = payvost_webhooks::sign(body.as_bytes(), SECRET, now()).unwrap();
    format!(
        "POST /webhooks HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         payvost-signature: {header}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What came back on a connection: a status and body, or that it closed.
#[derive(Debug)]
enum Reply {
    Answer(u16, String),
    Closed,
}

/// Reads one HTTP response; a connection closed or reset first is `Closed`.
fn reply(reader: &mut BufReader<TcpStream>) -> Reply {
    let mut status_line = String::new();
    match reader.read_line(&mut status_line) {
        Ok(0) | Err(_) => return Reply::Closed,
        Ok(_) => {}
    }
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let mut body = vec![0; common::content_length(reader)];
    reader.read_exact(&mut body).unwrap();
    Reply::Answer(status, String::from_utf8(body).unwrap())
}

/// Sends `bytes` on a new connection and reads the reply.
fn exchange(listener: &Listener, bytes: &[u8]) -> Reply {
    let mut stream = listener.connect();
    // The server may answer and close before reading everything we send.
    let _ = stream.write_all(bytes);
    reply(&mut BufReader::new(stream))
}

/// Sends `bytes`, closes the sending side, and reads the reply.
fn send_then_close(listener: &Listener, bytes: &[u8]) -> Reply {
    let mut stream = listener.connect();
    stream.write_all(bytes).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    reply(&mut BufReader::new(stream))
}

/// The reply is the promised refusal: `status`, with the protocol's JSON
/// and `code` (a body that is not had is `payload_invalid_json`, whatever
/// the reason). A closed connection is not a refusal.
fn assert_refused(what: &str, reply: &Reply, status: u16) {
    match reply {
        Reply::Closed => panic!("{what}: the connection was closed without the promised {status}"),
        Reply::Answer(got, body) => {
            assert_eq!(*got, status, "{what}: {body}");
            let json: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(
                json["error"]["code"], "payload_invalid_json",
                "{what}: {body}"
            );
        }
    }
}

#[test]
fn listen_survives_hostile_clients_and_loses_nothing() {
    let listener = Listener::start();

    // Opened first, held throughout: they must delay nobody.
    let idle: Vec<TcpStream> = (0..IDLE).map(|_| listener.connect()).collect();
    let mut stalled = listener.connect();
    stalled
        .write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n0123456789")
        .unwrap();
    let mut slow = listener.connect();
    slow.write_all(b"POST / HTTP/1.1\r\nhost: x\r\n").unwrap();
    let slow_writer = {
        let mut slow = slow.try_clone().unwrap();
        thread::spawn(move || {
            // One header byte every 300 ms, until the server hangs up.
            for _ in 0..40 {
                if slow.write_all(b"x").is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(300));
            }
        })
    };

    // 1,000 valid deliveries from 20 clients on kept-alive connections.
    let valid: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let mut stream = listener.connect();
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                (0..PER_CLIENT)
                    .map(|n| {
                        let id = format!("evt_{client}_{n}");
                        stream.write_all(&delivery(&id)).unwrap();
                        (id, reply(&mut reader))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();

    // The one-shot hostile requests, meanwhile.
    let huge = send_then_close(
        &listener,
        b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000000000\r\n\r\n0123456789",
    );
    assert_refused("huge content-length", &huge, 413);
    let garbage = exchange(
        &listener,
        b"POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n0\r\n\r\n",
    );
    assert_refused("chunked garbage", &garbage, 400);
    let mut big = b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 6291456\r\n\r\n".to_vec();
    big.resize(big.len() + 6 * 1024 * 1024, b'x');
    let big = exchange(&listener, &big);
    match &big {
        Reply::Answer(413, body) => assert!(body.contains("5242880-byte limit"), "{body}"),
        other => panic!("a 6 MiB body must get its 413 answer, got {other:?}"),
    }

    for (client, handle) in valid.into_iter().enumerate() {
        for (id, answer) in handle.join().unwrap() {
            match answer {
                Reply::Answer(200, body) => {
                    assert_eq!(body, r#"{"received":true}"#, "{id}")
                }
                other => panic!("client {client}: {id} got {other:?}"),
            }
        }
    }

    // The stalled body and the slow head get their deadlines.
    let stalled = reply(&mut BufReader::new(stalled.try_clone().unwrap()));
    assert_refused("stalled body", &stalled, 408);
    // A head that never ends has no request to answer: hyper's header
    // deadline closes the connection, which is what frees the slot.
    let slow = reply(&mut BufReader::new(slow.try_clone().unwrap()));
    assert!(matches!(slow, Reply::Closed), "slow headers: {slow:?}");
    slow_writer.join().unwrap();
    drop(idle);

    // Alive, and every valid delivery printed exactly once.
    match exchange(&listener, &delivery("evt_after")) {
        Reply::Answer(200, _) => {}
        other => panic!("the listener must still answer, got {other:?}"),
    }
    let waited = Instant::now();
    let mut counts: HashMap<String, usize> = HashMap::new();
    while waited.elapsed() < Duration::from_secs(5) {
        let lines = listener.lines.lock().unwrap();
        if lines.iter().any(|l| l.ends_with("evt_after")) {
            for line in lines.iter() {
                if let Some(id) = line.strip_prefix("✓ payment.succeeded ") {
                    *counts.entry(id.to_owned()).or_default() += 1;
                }
            }
            break;
        }
        drop(lines);
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(counts.len(), CLIENTS * PER_CLIENT + 1, "{counts:?}");
    for client in 0..CLIENTS {
        for n in 0..PER_CLIENT {
            assert_eq!(counts.get(&format!("evt_{client}_{n}")), Some(&1));
        }
    }
}

/// The header sent twice is read as one value, its lines joined by ", "
/// (protocol §2), and refused as every door refuses it.
#[test]
fn listen_refuses_the_signature_header_sent_twice() {
    let listener = Listener::start();
    let request = delivery("evt_twice");
    let text = String::from_utf8(request).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("payvost-signature:"))
        .unwrap()
        .to_owned();
    let twice = text.replacen(&line, &format!("{line}\r\n{line}"), 1);
    match exchange(&listener, twice.as_bytes()) {
        Reply::Answer(400, body) => {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(json["error"]["code"], "header_malformed", "{body}");
            assert!(
                body.contains("joined by \\\", \\\"; Payvost sends it once"),
                "{body}"
            );
        }
        other => panic!("the header sent twice must be refused, got {other:?}"),
    }
    match exchange(&listener, &delivery("evt_once")) {
        Reply::Answer(200, _) => {}
        other => panic!("the header sent once is verified, got {other:?}"),
    }
}
