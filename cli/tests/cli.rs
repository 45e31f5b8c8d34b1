//! The `payvost` binary end to end: sign and verify through standard input,
//! `send` and `check` against `listen`, `check` against a receiver that skips
//! verification, and `send --retry` against one that fails twice.

// Test code: a panic here is a failing test, not a crash of the tool.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const SECRET: &str = "whsec_cli_tests";

fn payvost(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_payvost"))
        .args(args)
        .env("PAYVOST_WEBHOOK_SECRET", SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// `payvost webhooks listen --port 0`, its URL, and what it prints.
struct Listener(Child, String, BufReader<std::process::ChildStdout>);

impl Listener {
    fn start() -> Self {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_payvost"))
            .args(["webhooks", "listen", "--port", "0"])
            .args(extra)
            .env("PAYVOST_WEBHOOK_SECRET", SECRET)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap()
            .to_owned();
        Listener(child, url, out)
    }

    /// The next `n` lines the listener prints.
    fn lines(&mut self, n: usize) -> String {
        let mut text = String::new();
        for _ in 0..n {
            self.2.read_line(&mut text).unwrap();
        }
        text
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A receiver on 127.0.0.1 answering the n-th request with `status(n)` and "ok".
fn fixture(status: impl Fn(usize) -> u16 + Send + 'static) -> (String, Arc<AtomicUsize>) {
    fixture_answering(status, "ok")
}

/// A receiver on 127.0.0.1 answering the n-th request with `status(n)` and
/// `body`, or hanging up without an answer where `status(n)` is 0.
fn fixture_answering(
    status: impl Fn(usize) -> u16 + Send + 'static,
    body: &'static str,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = vec![0; common::content_length(&mut reader)];
            reader.read_exact(&mut request).unwrap();
            let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
            let code = status(n);
            if code == 0 {
                continue;
            }
            let reply = format!(
                "HTTP/1.1 {code} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).unwrap();
        }
    });
    (url, count)
}

#[test]
fn sign_refuses_what_no_verifier_accepts() {
    let api_key = payvost(&["webhooks", "sign", "--secret", "sk_live_1"], b"{}");
    assert_eq!(api_key.status.code(), Some(2), "{}", text(&api_key));
    assert!(api_key.stdout.is_empty());
    assert!(
        text(&api_key).contains("starts with sk_ and looks like an API key"),
        "{}",
        text(&api_key)
    );
    let negative = payvost(&["webhooks", "sign", "--timestamp=-1"], b"{}");
    assert_eq!(negative.status.code(), Some(2), "{}", text(&negative));
    assert!(
        text(&negative).contains("Cannot sign at timestamp -1"),
        "{}",
        text(&negative)
    );
}

#[test]
fn sign_then_verify_and_the_explanations() {
    let body = br#"{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}"#;
    let header =
        String::from_utf8(payvost(&["webhooks", "sign", "--timestamp", "1764000000"], body).stdout)
            .unwrap();
    let header = header.trim();
    assert!(header.starts_with("t=1764000000,v1="), "{header}");

    let ok = payvost(
        &[
            "webhooks",
            "verify",
            "--header",
            header,
            "--now",
            "1764000010",
            "--secret",
            "whsec_old,whsec_cli_tests",
        ],
        body,
    );
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("with secret #1 of 2"), "{}", text(&ok));
    assert!(text(&ok).contains("\"amount\": 2000"));

    let stale = payvost(
        &[
            "webhooks",
            "verify",
            "--header",
            header,
            "--now",
            "1764000400",
        ],
        body,
    );
    assert_eq!(stale.status.code(), Some(1));
    assert!(text(&stale).contains("timestamp_too_old"));
    assert!(
        text(&stale).contains("400 s old, 100 s beyond the tolerance"),
        "{}",
        text(&stale)
    );

    let early = payvost(
        &[
            "webhooks",
            "verify",
            "--header",
            header,
            "--now",
            "1763999000",
        ],
        body,
    );
    assert!(
        text(&early).contains("this machine's clock is 1000 s behind"),
        "{}",
        text(&early)
    );

    let mut newline = body.to_vec();
    newline.push(b'\n');
    let added = payvost(
        &[
            "webhooks",
            "verify",
            "--header",
            header,
            "--now",
            "1764000000",
        ],
        &newline,
    );
    // The core's message, whole, and no hint of this tool's after it.
    assert_eq!(
        text(&added),
        "signature_mismatch: No signature in the Payvost-Signature header matches this payload, but one \
         matches it without its trailing newline: something added a newline to the body after Payvost \
         signed it; pass the body exactly as received, byte for byte.\n"
    );

    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    let compact = serde_json::to_string(&value).unwrap();
    let signed = payvost(
        &["webhooks", "sign", "--timestamp", "1764000000"],
        compact.as_bytes(),
    );
    let reserialised = payvost(
        &[
            "webhooks",
            "verify",
            "--header",
            String::from_utf8_lossy(&signed.stdout).trim(),
            "--now",
            "1764000000",
        ],
        pretty.as_bytes(),
    );
    assert!(
        text(&reserialised).contains("as compact JSON: the body was parsed and re-serialised"),
        "{}",
        text(&reserialised)
    );
}

#[test]
fn send_and_check_against_listen() {
    let listener = Listener::start();
    let sent = payvost(
        &[
            "webhooks",
            "send",
            "--endpoint",
            &listener.1,
            "--event",
            "refund.created",
            "--id",
            "ref_test_42",
        ],
        b"",
    );
    assert!(sent.status.success(), "{}", text(&sent));
    assert!(text(&sent).contains("200 OK"), "{}", text(&sent));

    let checked = payvost(&["webhooks", "check", &listener.1], b"");
    assert!(checked.status.success(), "{}", text(&checked));
    let table = String::from_utf8_lossy(&checked.stdout);
    assert_eq!(table.matches("PASS").count(), 8, "{table}");
    assert!(table.contains("WARN"));
    // Progress, one line per probe, on stderr.
    let progress = String::from_utf8_lossy(&checked.stderr);
    assert!(
        progress.starts_with("probe 1/7 accepts a valid event (2xx): PASS 200 OK in "),
        "{progress}"
    );
    assert!(
        progress.contains("probe 2/7 rejects a bad signature (4xx): PASS 400 Bad Request in "),
        "{progress}"
    );
    assert_eq!(progress.lines().count(), 7, "{progress}");

    let wrong = Command::new(env!("CARGO_BIN_EXE_payvost"))
        .args([
            "webhooks",
            "send",
            "--endpoint",
            &listener.1,
            "--event",
            "payment.failed",
            "--secret",
            "whsec_wrong",
        ])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    assert!(text(&wrong).contains("400 Bad Request"));
    // The listener's answer, whole: a listener reads the raw bytes, so it names the secret.
    assert!(
        text(&wrong).contains(
            "    answer: {\"error\":{\"code\":\"signature_mismatch\",\"message\":\"No signature in the \
             Payvost-Signature header matches this body with the listener's secret: the sender signed with \
             another secret. Start the listener with the sender's whsec_ secret (--secret or \
             PAYVOST_WEBHOOK_SECRET).\"}}"
        ),
        "{}",
        text(&wrong)
    );
}

#[test]
fn listen_prints_each_event_as_asked() {
    let send = |url: &str| {
        let sent = payvost(
            &[
                "webhooks",
                "send",
                "--endpoint",
                url,
                "--event",
                "customer.created",
                "--id",
                "cust_print",
            ],
            b"",
        );
        assert!(sent.status.success(), "{}", text(&sent));
    };
    let mut json = Listener::start();
    send(&json.1);
    let printed = json.lines(2);
    assert!(printed.starts_with("✓ customer.created evt_"), "{printed}");
    assert_eq!(
        printed.lines().nth(1),
        Some("{"),
        "pretty JSON follows: {printed}"
    );
    let mut id = Listener::start_with(&["--print", "id"]);
    send(&id.1);
    send(&id.1);
    let printed = id.lines(2);
    let lines: Vec<_> = printed.lines().collect();
    assert!(
        lines[0].starts_with("✓ customer.created evt_") && !lines[0].contains("duplicate"),
        "{printed}"
    );
    assert!(lines[1].starts_with("✓ customer.created evt_"), "{printed}");
}

#[test]
fn the_secret_never_reaches_output_or_logs() {
    let listener = Listener::start();
    let log = std::env::temp_dir().join(format!("payvost-secret-{}.jsonl", std::process::id()));
    let mut seen = String::new();
    for args in [
        vec![
            "webhooks",
            "send",
            "--endpoint",
            &listener.1,
            "--event",
            "payment.succeeded",
            "--log",
            log.to_str().unwrap(),
        ],
        vec!["webhooks", "check", &listener.1],
        vec!["webhooks", "verify", "--header", "t=1,v1=00"],
        vec![
            "webhooks",
            "send",
            "--endpoint",
            "http://127.0.0.1:9/none",
            "--event",
            "payment.succeeded",
        ],
    ] {
        seen += &text(&payvost(&args, b"{}"));
    }
    seen += &std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(!seen.contains(SECRET), "{seen}");
    let help = text(&payvost(&["webhooks", "send", "--help"], b""));
    assert!(
        !help.contains(SECRET),
        "clap must hide the environment's value: {help}"
    );
}

#[test]
fn listen_help_prefers_the_environment_variable_for_the_secret() {
    let help = text(&payvost(&["webhooks", "listen", "--help"], b""));
    assert!(
        help.contains(
            "Prefer the PAYVOST_WEBHOOK_SECRET environment variable: a command line, this \
             option's value included, is visible to every local user (ps)"
        ),
        "{help}"
    );
}

#[test]
fn check_fails_a_receiver_that_skips_verification() {
    let (url, _) = fixture(|_| 200);
    let checked = payvost(&["webhooks", "check", &url, "--json"], b"");
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    let report: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert_eq!(report["passed"], false);
    let failed: Vec<_> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["result"] == "FAIL")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        failed,
        ["bad_signature", "tampered", "stale", "future", "no_header"],
        "{report}"
    );
    // A failing probe shows what the endpoint answered.
    let tampered = &report["results"][2];
    let detail = tampered["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("200 OK in ") && detail.ends_with(" ms, answered: ok"),
        "{report}"
    );
    assert_eq!(tampered["answer"], "ok");
}

#[test]
fn check_fails_probes_that_get_no_answer() {
    let timely = |url: &str| {
        let checked = payvost(&["webhooks", "check", url, "--json"], b"");
        assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
        let report: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
        let rows = report["results"].as_array().unwrap().clone();
        let row = rows.iter().find(|r| r["id"] == "timely").unwrap().clone();
        (
            row["result"].as_str().unwrap().to_owned(),
            row["detail"].as_str().unwrap().to_owned(),
        )
    };
    // Nothing listens there: every probe is refused.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (result, detail) = timely(&format!("http://{closed}/webhooks"));
    assert_eq!(
        (result.as_str(), detail.as_str()),
        ("FAIL", "no probe got an answer")
    );
    // The first probe is answered; the others are hung up on.
    let (url, _) = fixture(|n| if n == 1 { 200 } else { 0 });
    let (result, detail) = timely(&url);
    assert_eq!(result, "FAIL");
    assert!(
        detail.starts_with("6 of 7 probes got no answer; slowest answer "),
        "{detail}"
    );
}

#[test]
fn send_shows_and_logs_the_whole_answer() {
    const LONG: &str = "The payload must be the raw request body (a Buffer, Uint8Array, ArrayBuffer or string), \
                        not a parsed object: mount express.raw({type: 'application/json'}) on the webhook route.";
    let (url, _) = fixture_answering(|_| 400, LONG);
    let log = std::env::temp_dir().join(format!("payvost-answer-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let sent = payvost(
        &[
            "webhooks",
            "send",
            "--endpoint",
            &url,
            "--event",
            "payment.succeeded",
            "--log",
            log.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(sent.status.code(), Some(1), "{}", text(&sent));
    assert!(
        text(&sent).contains(&format!("    answer: {LONG}\n")),
        "{}",
        text(&sent)
    );
    let logged: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    assert_eq!(logged["answer"], LONG);
    let _ = std::fs::remove_file(&log);
}

#[test]
fn retry_follows_the_schedule_with_fresh_signatures_and_one_event_id() {
    let (url, count) = fixture(|n| if n <= 2 { 500 } else { 200 });
    let log = std::env::temp_dir().join(format!("payvost-retry-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&log);
    // 5 min and 15 min, scaled to 1.2 s and 3.6 s: signatures a second apart at least.
    let sent = payvost(
        &[
            "webhooks",
            "send",
            "--endpoint",
            &url,
            "--event",
            "payment.succeeded",
            "--retry",
            "--time-scale",
            "0.004",
            "--log",
            log.to_str().unwrap(),
        ],
        b"",
    );
    assert!(sent.status.success(), "{}", text(&sent));
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let out = text(&sent);
    assert!(
        out.contains("attempt 1/7")
            && out.contains("next attempt in 5 min (1.2 s at --time-scale 0.004)"),
        "{out}"
    );
    assert!(
        out.contains("attempt 2/7")
            && out.contains("next attempt in 15 min (3.6 s at --time-scale 0.004)"),
        "{out}"
    );
    assert!(
        out.contains("attempt 3/7") && out.contains("succeeded  200"),
        "{out}"
    );
    let attempts: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(attempts.len(), 3);
    assert!(
        attempts
            .iter()
            .all(|a| a["event_id"] == attempts[0]["event_id"])
    );
    assert!(
        attempts[0]["t"].as_i64() < attempts[1]["t"].as_i64()
            && attempts[1]["t"].as_i64() < attempts[2]["t"].as_i64()
    );
    assert_ne!(attempts[0]["signature"], attempts[1]["signature"]);
    assert_ne!(attempts[1]["signature"], attempts[2]["signature"]);
    assert_eq!(
        attempts
            .iter()
            .map(|a| a["succeeded"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        [false, false, true]
    );
    let _ = std::fs::remove_file(&log);
}

/// `payvost` with no secret anywhere: neither `--secret` nor the variable.
fn payvost_without_secret(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payvost"))
        .args(args)
        .env_remove("PAYVOST_WEBHOOK_SECRET")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_missing_secret_names_the_option_and_the_variable() {
    for args in [
        &["webhooks", "sign"][..],
        &["webhooks", "verify", "--header", "t=1,v1=00"],
        &["webhooks", "check", "http://127.0.0.1:9/"],
    ] {
        let out = payvost_without_secret(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "payvost: no signing secret: pass --secret whsec_... or set PAYVOST_WEBHOOK_SECRET\n",
            "{args:?}"
        );
    }
}

#[test]
fn an_absurd_time_scale_is_refused_not_a_panic() {
    let out = payvost(
        &[
            "webhooks",
            "send",
            "--endpoint",
            "http://127.0.0.1:9/",
            "--event",
            "payment.succeeded",
            "--retry",
            "--time-scale",
            "1e300",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "payvost: --time-scale is so large that the 12 h retry wait cannot be waited; \
         use 1 for real time or 0.001 to run the schedule in seconds\n"
    );
}

#[test]
fn verify_takes_a_pasted_header_line() {
    let body = br#"{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}"#;
    let header = payvost_webhooks::sign(body, SECRET, 1_764_000_000).unwrap();
    for pasted in [
        format!("Payvost-Signature: {header}"),
        format!("payvost-signature:{header}"),
    ] {
        let out = payvost(
            &[
                "webhooks",
                "verify",
                "--header",
                &pasted,
                "--now",
                "1764000000",
            ],
            body,
        );
        assert_eq!(out.status.code(), Some(0), "{pasted}: {}", text(&out));
    }
}

#[test]
fn an_unknown_event_type_names_the_closest_and_needs_allow_unknown_type() {
    let (url, count) = fixture(|_| 200);
    let send = |extra: &[&str]| {
        let mut args = vec![
            "webhooks",
            "send",
            "--endpoint",
            &url,
            "--event",
            "payment.succeded",
        ];
        args.extend_from_slice(extra);
        payvost(&args, b"")
    };
    let refused = send(&[]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        "payvost: payment.succeded is not a known event type (did you mean payment.succeeded?); \
         pass --allow-unknown-type to send it anyway\n"
    );
    assert_eq!(count.load(Ordering::SeqCst), 0, "nothing was sent");
    let sent = send(&["--allow-unknown-type"]);
    assert_eq!(sent.status.code(), Some(0), "{}", text(&sent));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn an_endpoint_without_a_scheme_says_so() {
    for args in [
        &[
            "webhooks",
            "send",
            "--endpoint",
            "localhost:3000/hook",
            "--event",
            "payment.succeeded",
        ][..],
        &["webhooks", "check", "localhost:3000/hook"],
    ] {
        let out = payvost(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "payvost: the endpoint \"localhost:3000/hook\" has no scheme: write http://localhost:3000/hook \
             or https://localhost:3000/hook\n",
            "{args:?}"
        );
    }
}

#[test]
fn send_repeat_delivers_copies_at_once_to_every_endpoint() {
    // The first copy is accepted, the rest answered 409, as a guarded receiver does.
    let (first, first_count) = fixture(|n| if n == 1 { 200 } else { 409 });
    let (second, second_count) = fixture(|_| 409);
    let sent = payvost(
        &[
            "webhooks",
            "send",
            "--endpoint",
            &first,
            "--endpoint",
            &second,
            "--event",
            "payment.succeeded",
            "--repeat",
            "3",
        ],
        b"",
    );
    let output = text(&sent);
    assert_eq!(first_count.load(Ordering::SeqCst), 3, "{output}");
    assert_eq!(second_count.load(Ordering::SeqCst), 3, "{output}");
    assert!(
        output.contains("2 endpoint(s), 3 copies each, at once"),
        "{output}"
    );
    assert_eq!(output.matches(" copy ").count(), 6, "{output}");
    assert_eq!(output.matches(": 409 ").count(), 5, "{output}");
    // The second endpoint accepted no copy: the send failed.
    assert_eq!(sent.status.code(), Some(1), "{output}");

    let (only, _) = fixture(|n| if n == 1 { 200 } else { 409 });
    let once = payvost(
        &[
            "webhooks",
            "send",
            "--endpoint",
            &only,
            "--event",
            "payment.succeeded",
            "--repeat",
            "4",
        ],
        b"",
    );
    assert_eq!(once.status.code(), Some(0), "{}", text(&once));
    let refused = payvost(
        &[
            "webhooks",
            "send",
            "--endpoint",
            &only,
            "--event",
            "payment.succeeded",
            "--repeat",
            "2",
            "--retry",
        ],
        b"",
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
}

/// POSTs `body` to `url` with the signature header, if any, and returns the status.
fn post_status(url: &str, body: &[u8], signature: Option<&str>) -> u16 {
    let address = url.strip_prefix("http://").unwrap();
    let (host, path) = address
        .split_once('/')
        .map_or((address, "/"), |(h, p)| (h, p));
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    let mut head = format!(
        "POST /{} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        path.trim_start_matches('/'),
        body.len()
    );
    if let Some(signature) = signature {
        head.push_str(&format!("Payvost-Signature: {signature}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut answer = String::new();
    let _ = BufReader::new(stream).read_line(&mut answer);
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn listen_logs_one_record_per_delivery() {
    let log = std::env::temp_dir().join(format!("payvost-listen-log-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let listener = Listener::start_with(&[
        "--log",
        log.to_str().unwrap(),
        "--body-limit",
        "100",
        "--print",
        "none",
    ]);
    let url = format!("{}/webhooks", listener.1);
    let body = br#"{"id":"evt_log","type":"payment.succeeded","data":{"object":{}}}"#;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signed = payvost_webhooks::sign(body, SECRET, now - 5).unwrap();
    let forged = payvost_webhooks::sign(body, "whsec_someone_else", now).unwrap();
    assert_eq!(post_status(&url, body, Some(&signed)), 200);
    assert_eq!(post_status(&url, body, Some(&signed)), 200);
    assert_eq!(post_status(&url, body, Some(&forged)), 400);
    assert_eq!(post_status(&url, &[b' '; 200], Some(&signed)), 413);
    // Each record is written before its answer is sent.
    let text = std::fs::read_to_string(&log).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.len(), 4, "{text}");
    for record in &records {
        let fields = record.as_object().unwrap();
        for name in fields.keys() {
            assert!(
                payvost_webhooks::delivery::Record::FIELDS.contains(&name.as_str()),
                "{name}"
            );
        }
        assert!(fields["duration_ms"].as_f64().unwrap() >= 0.0);
        let received = fields["received_at"].as_i64().unwrap();
        assert!((now..now + 60).contains(&received), "{received} {now}");
    }
    let without_timing = |record: &serde_json::Value| {
        let mut record = record.clone();
        let fields = record.as_object_mut().unwrap();
        fields.remove("duration_ms");
        fields.remove("received_at");
        assert_eq!(fields.remove("remote_address").unwrap(), "127.0.0.1");
        // Signed five seconds before `now`, verified within the next few.
        if let Some(age) = fields.remove("signature_age") {
            assert!((5..10).contains(&age.as_i64().unwrap()), "{age}");
        }
        record
    };
    let event = |outcome: &str| serde_json::json!({"event_id": "evt_log", "event_type": "payment.succeeded", "outcome": outcome, "status": 200, "secret_index": 0});
    assert_eq!(without_timing(&records[0]), event("processed"));
    assert_eq!(without_timing(&records[1]), event("duplicate"));
    assert_eq!(
        without_timing(&records[2]),
        serde_json::json!({"outcome": "refused", "code": "signature_mismatch", "status": 400})
    );
    assert_eq!(
        without_timing(&records[3]),
        serde_json::json!({"outcome": "refused", "code": "payload_invalid_json", "status": 413})
    );
    assert!(!text.contains(SECRET) && !text.contains("whsec_"), "{text}");
    let _ = std::fs::remove_file(&log);
}

#[test]
fn listen_summarises_refusals_with_their_likely_cause() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_payvost"))
        .args(["webhooks", "listen", "--port", "0", "--print", "none"])
        .args(["--summary-every", "1"])
        .env("PAYVOST_WEBHOOK_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = format!(
        "{}/webhooks",
        line.trim().strip_prefix("listening on ").unwrap()
    );
    let body = br#"{"id":"evt_probe","type":"payment.succeeded","data":{"object":{}}}"#;
    let forged = payvost_webhooks::sign(body, "whsec_someone_else", 1).unwrap();
    for _ in 0..3 {
        assert_eq!(post_status(&url, body, Some(&forged)), 400);
    }
    assert_eq!(post_status(&url, body, None), 400);
    // The posts may straddle a summary: read until all four are told.
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut told = std::collections::BTreeMap::new();
    while told.values().sum::<u64>() < 4 {
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        let (count, rest) = line
            .strip_prefix("payvost: ")
            .and_then(|l| l.split_once(" refused with "))
            .unwrap_or_else(|| panic!("{line}"));
        let code = rest.split(' ').next().unwrap().to_owned();
        let count: u64 = count.parse().unwrap();
        assert_eq!(
            line,
            format!(
                "payvost: {}\n",
                payvost_webhooks::delivery::anomaly(&code, count, 1)
            )
        );
        *told.entry(code).or_insert(0) += count;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        told,
        [
            ("header_missing".to_owned(), 1),
            ("signature_mismatch".to_owned(), 3)
        ]
        .into()
    );
}

/// The rows `check --json` failed, and the report.
fn failed_rows(url: &str) -> (Vec<String>, serde_json::Value) {
    let checked = payvost(&["webhooks", "check", url, "--json"], b"");
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    let report: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert_eq!(report["passed"], false);
    let failed = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["result"] == "FAIL")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    (failed, report)
}

#[test]
fn check_fails_a_receiver_with_another_secret() {
    let mut other = Command::new(env!("CARGO_BIN_EXE_payvost"))
        .args(["webhooks", "listen", "--port", "0", "--print", "none"])
        .env("PAYVOST_WEBHOOK_SECRET", "whsec_someone_elses")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(other.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = format!(
        "{}/webhooks",
        line.trim().strip_prefix("listening on ").unwrap()
    );
    let (failed, report) = failed_rows(&url);
    let _ = other.kill();
    let _ = other.wait();
    // Everything forged is refused, but so is the real delivery and its retry.
    assert_eq!(failed, ["valid", "duplicate"], "{report}");
    let detail = report["results"][0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("400 Bad Request in ")
            && detail.contains(r#""code":"signature_mismatch""#),
        "{detail}"
    );
}

#[test]
fn check_fails_forged_probes_answered_with_a_server_error_or_a_redirect() {
    for (status, reason) in [(500, "Internal Server Error"), (302, "Found")] {
        // The valid delivery and its retry (requests 1 and 7) are accepted.
        let (url, _) = fixture(move |n| if n == 1 || n == 7 { 200 } else { status });
        let (failed, report) = failed_rows(&url);
        assert_eq!(
            failed,
            ["bad_signature", "tampered", "stale", "future", "no_header"],
            "{status}: {report}"
        );
        let detail = report["results"][1]["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!("{status} {reason} in "))
                && detail.ends_with(", answered: ok"),
            "{status}: {detail}"
        );
    }
}

#[test]
fn retry_runs_the_whole_schedule_then_gives_up() {
    // A receiver that always fails, and nothing listening at all: seven attempts each.
    let (failing, count) = fixture(|_| 500);
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for (endpoint, answered) in [
        (failing.clone(), true),
        (format!("http://{closed}/webhooks"), false),
    ] {
        let sent = payvost(
            &[
                "webhooks",
                "send",
                "--endpoint",
                &endpoint,
                "--event",
                "payment.succeeded",
                "--retry",
                "--time-scale",
                "0.00001",
            ],
            b"",
        );
        assert_eq!(sent.status.code(), Some(1), "{}", text(&sent));
        let out = text(&sent);
        let attempts: Vec<&str> = out
            .lines()
            .filter(|l| l.trim_start().starts_with("attempt "))
            .collect();
        assert_eq!(attempts.len(), 7, "{out}");
        let waits: Vec<&str> = attempts
            .iter()
            .filter_map(|l| l.split("next attempt in ").nth(1))
            .map(|rest| rest.split(" (").next().unwrap())
            .collect();
        assert_eq!(
            waits,
            ["5 min", "15 min", "1 h", "3 h", "6 h", "12 h"],
            "{out}"
        );
        for (n, line) in attempts.iter().enumerate() {
            assert!(
                line.trim_start()
                    .starts_with(&format!("attempt {}/7", n + 1)),
                "{line}"
            );
            let why = if answered {
                "500 Internal Server Error"
            } else {
                "Connection refused"
            };
            assert!(line.contains(why), "{line}");
        }
    }
    assert_eq!(count.load(Ordering::SeqCst), 7);
}
