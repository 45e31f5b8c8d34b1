//! `payvost webhooks check URL`: audits an endpoint against the security
//! checklist of the webhook docs, in three steps: the probes it sends, the
//! verdict on each answer, and the rendering as a table or as JSON whose rows
//! carry stable ids (`valid`, `bad_signature`, ...) for scripts.

use std::time::Duration;

use payvost_webhooks::EventType;
use serde_json::json;

use crate::{SecretArg, events, http, now};

#[derive(clap::Args)]
pub struct Args {
    /// The endpoint, e.g. https://yourapp.com/webhooks/payvost
    url: String,
    #[command(flatten)]
    secret: SecretArg,
    /// Print the results as JSON instead of a table
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<bool, String> {
    http::endpoint(&args.url)?;
    let probes = probes(args.secret.get()?)?;
    let rows = verdict(&args.url, &probes, true);
    let passed = rows.iter().all(|r| r.outcome != Outcome::Fail);
    if args.json {
        println!("{}", render_json(&args.url, passed, &rows));
    } else {
        print!("{}", render_table(passed, &rows));
    }
    Ok(passed)
}

/// How far outside the default tolerance the stale and future deliveries lie.
const SKEW: i64 = crate::DEFAULT_TOLERANCE.saturating_mul(2);

/// One delivery sent to the endpoint, and the answer the checklist wants.
struct Probe {
    id: &'static str,
    check: &'static str,
    payload: Vec<u8>,
    header: Option<String>,
    want_2xx: bool,
}

/// The deliveries of the checklist: one valid event, then each way a
/// delivery can be forged or replayed, then the valid one again.
fn probes(secret: &str) -> Result<Vec<Probe>, String> {
    let event_type = EventType::PaymentSucceeded;
    let t = now();
    let id = events::event_id();
    let object = events::sample_object(&event_type, None, t);
    let body = events::event(&id, &event_type, object, t)
        .to_string()
        .into_bytes();
    let sign =
        |secret: &str, t: i64| payvost_webhooks::sign(&body, secret, t).map_err(|e| e.to_string());
    let probe = |id, check, payload: &[u8], header, want_2xx| Probe {
        id,
        check,
        payload: payload.to_vec(),
        header,
        want_2xx,
    };
    Ok(vec![
        probe(
            "valid",
            "accepts a valid event (2xx)",
            &body,
            Some(sign(secret, t)?),
            true,
        ),
        probe(
            "bad_signature",
            "rejects a bad signature (4xx)",
            &body,
            Some(sign("whsec_not_the_endpoints_secret", t)?),
            false,
        ),
        probe(
            "tampered",
            "rejects a tampered body (4xx)",
            &tampered(&body),
            Some(sign(secret, t)?),
            false,
        ),
        probe(
            "stale",
            "rejects a stale timestamp (4xx)",
            &body,
            Some(sign(secret, t.saturating_sub(SKEW))?),
            false,
        ),
        probe(
            "future",
            "rejects a timestamp from the future (4xx)",
            &body,
            Some(sign(secret, t.saturating_add(SKEW))?),
            false,
        ),
        probe(
            "no_header",
            "rejects a missing header (4xx)",
            &body,
            None,
            false,
        ),
        probe(
            "duplicate",
            "answers a duplicate delivery with 2xx",
            &body,
            Some(sign(secret, now())?),
            true,
        ),
    ])
}

/// `body` with one bit of its middle byte flipped: signed bytes that differ
/// from the bytes sent, whatever the body holds.
fn tampered(body: &[u8]) -> Vec<u8> {
    let mut bytes = body.to_vec();
    if let Some(byte) = bytes.get_mut(body.len() / 2) {
        *byte ^= 0x01;
    }
    bytes
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    Pass,
    Fail,
    Warn,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Warn => "WARN",
        }
    }
}

struct Row {
    id: &'static str,
    check: &'static str,
    outcome: Outcome,
    detail: String,
    /// The body the endpoint answered, as `send` shows it.
    answer: Option<String>,
}

/// Sends each probe and judges its answer, then the endpoint as a whole:
/// how fast it answered and whether it uses HTTPS. With `progress`, each
/// probe is reported on stderr as it goes (an endpoint may take 30 s).
fn verdict(url: &str, probes: &[Probe], progress: bool) -> Vec<Row> {
    let mut slowest: Option<Duration> = None;
    let mut unanswered = 0usize;
    let mut rows: Vec<Row> = probes
        .iter()
        .enumerate()
        .map(|(i, probe)| {
            if progress {
                eprint!(
                    "probe {}/{} {}: ",
                    i.saturating_add(1),
                    probes.len(),
                    probe.check
                );
            }
            let answer = http::post(url, &probe.payload, probe.header.as_deref());
            let (outcome, detail, answer) = match answer {
                Ok(a) => {
                    slowest = Some(slowest.unwrap_or_default().max(a.elapsed));
                    let good = if probe.want_2xx {
                        a.accepted()
                    } else {
                        (400..500).contains(&a.status)
                    };
                    let outcome = if good { Outcome::Pass } else { Outcome::Fail };
                    let mut detail = format!("{} {} in {} ms", a.status, a.reason, a.millis());
                    let shown = a.shown();
                    if outcome == Outcome::Fail && !shown.is_empty() {
                        detail.push_str(&format!(", answered: {shown}"));
                    }
                    (outcome, detail, Some(shown))
                }
                Err(e) => {
                    unanswered = unanswered.saturating_add(1);
                    (Outcome::Fail, e, None)
                }
            };
            if progress {
                eprintln!("{} {detail}", outcome.label());
            }
            Row {
                id: probe.id,
                check: probe.check,
                outcome,
                detail,
                answer,
            }
        })
        .collect();
    rows.push(timely(slowest, unanswered, probes.len(), http::TIMEOUT));
    rows.push(uses_https(url));
    rows
}

/// The time row: every probe answered, the slowest within `timeout` (the
/// time Payvost waits). A probe without an answer (refused, reset, or past
/// the timeout) fails this row too: "slowest answer" would otherwise judge
/// only the others.
fn timely(slowest: Option<Duration>, unanswered: usize, probes: usize, timeout: Duration) -> Row {
    let (outcome, detail) = match slowest {
        None => (Outcome::Fail, "no probe got an answer".into()),
        Some(slowest) if unanswered > 0 => (
            Outcome::Fail,
            format!(
                "{unanswered} of {probes} probes got no answer; slowest answer {} ms",
                slowest.as_millis()
            ),
        ),
        Some(slowest) if slowest < timeout => (
            Outcome::Pass,
            format!("slowest answer {} ms", slowest.as_millis()),
        ),
        Some(slowest) => (
            Outcome::Fail,
            format!(
                "slowest answer {} ms, past the {} s Payvost waits",
                slowest.as_millis(),
                timeout.as_secs()
            ),
        ),
    };
    Row {
        id: "timely",
        check: "answers within 30 s",
        outcome,
        detail,
        answer: None,
    }
}

/// The HTTPS row: a warning, not a failure, for a plain http:// endpoint,
/// which is how one tests on 127.0.0.1.
fn uses_https(url: &str) -> Row {
    // A scheme is case-insensitive (RFC 3986 §3.1).
    let https = url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    Row {
        id: "https",
        check: "uses HTTPS",
        outcome: if https { Outcome::Pass } else { Outcome::Warn },
        detail: if https {
            "yes".into()
        } else {
            "no: fine on 127.0.0.1, required in production".into()
        },
        answer: None,
    }
}

fn render_json(url: &str, passed: bool, rows: &[Row]) -> serde_json::Value {
    let results: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({"id": r.id, "check": r.check, "result": r.outcome.label(), "detail": r.detail,
                   "answer": r.answer})
        })
        .collect();
    json!({"url": url, "passed": passed, "results": results})
}

fn render_table(passed: bool, rows: &[Row]) -> String {
    let mut table = format!("{:<43} {:<6} detail\n", "check", "result");
    for r in rows {
        table.push_str(&format!(
            "{:<43} {:<6} {}\n",
            r.check,
            r.outcome.label(),
            r.detail
        ));
    }
    table.push_str(if passed {
        "passed\n"
    } else {
        "FAILED: the endpoint does not follow the checklist\n"
    });
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tampered_body_differs_in_one_bit_and_stays_ascii() {
        let body = br#"{"id":"evt_1","amount":2000}"#;
        let changed = tampered(body);
        let diff: u32 = body
            .iter()
            .zip(&changed)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum();
        assert_eq!(diff, 1);
        assert!(changed.is_ascii());
    }

    #[test]
    fn rows_have_stable_ids() {
        let probes = probes("whsec_test").unwrap_or_default();
        let ids: Vec<_> = probes.iter().map(|p| p.id).collect();
        assert_eq!(
            ids,
            [
                "valid",
                "bad_signature",
                "tampered",
                "stale",
                "future",
                "no_header",
                "duplicate"
            ]
        );
    }

    #[test]
    fn the_time_row_judges_every_probe_and_the_slowest_answer() {
        let row = |slowest: Option<u64>, unanswered| {
            let row = timely(
                slowest.map(Duration::from_millis),
                unanswered,
                7,
                Duration::from_secs(30),
            );
            (row.outcome, row.detail)
        };
        assert_eq!(
            row(None, 7),
            (Outcome::Fail, "no probe got an answer".into())
        );
        assert_eq!(
            row(Some(120), 6),
            (
                Outcome::Fail,
                "6 of 7 probes got no answer; slowest answer 120 ms".into()
            )
        );
        assert_eq!(
            row(Some(29_999), 0),
            (Outcome::Pass, "slowest answer 29999 ms".into())
        );
        assert_eq!(
            row(Some(30_000), 0),
            (
                Outcome::Fail,
                "slowest answer 30000 ms, past the 30 s Payvost waits".into()
            )
        );
    }

    #[test]
    fn the_https_row_warns_for_plain_http() {
        let row = |url| {
            let row = uses_https(url);
            (row.outcome, row.detail)
        };
        assert_eq!(
            row("https://example.com/webhooks"),
            (Outcome::Pass, "yes".into())
        );
        assert_eq!(
            row("http://127.0.0.1:8080/webhooks"),
            (
                Outcome::Warn,
                "no: fine on 127.0.0.1, required in production".into()
            )
        );
        assert_eq!(
            row("HTTP://example.com/"),
            (
                Outcome::Warn,
                "no: fine on 127.0.0.1, required in production".into()
            )
        );
    }
}
