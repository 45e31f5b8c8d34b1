//! `payvost webhooks check URL`: audits an endpoint against the security
//! checklist of the webhook docs, and prints a pass/fail table.

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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail,
    Warn,
}

struct Row {
    check: &'static str,
    outcome: Outcome,
    detail: String,
}

/// How far outside the default tolerance (300 s) the stale and future deliveries lie.
const SKEW: i64 = 600;

pub fn run(args: &Args) -> Result<bool, String> {
    let event_type = EventType::PaymentSucceeded;
    let t = now();
    let id = events::event_id();
    let body = events::event(
        &id,
        &event_type,
        events::sample_object(&event_type, None, t),
        t,
    )
    .to_string();
    let tampered = body.replacen("\"amount\":2000", "\"amount\":1", 1);
    let sign = |payload: &str, secret: &str, t: i64| {
        payvost_webhooks::sign(payload.as_bytes(), secret, t).map_err(|e| e.to_string())
    };
    let secret = args.secret.secret.as_str();
    let mut slowest = Duration::ZERO;
    let mut rows = Vec::new();
    let mut probe = |check: &'static str, payload: &str, header: Option<String>, want_2xx: bool| {
        let answer = http::post(&args.url, payload.as_bytes(), header.as_deref());
        let (outcome, detail) = match answer {
            Ok(a) => {
                slowest = slowest.max(a.elapsed);
                let good = if want_2xx {
                    a.accepted()
                } else {
                    (400..500).contains(&a.status)
                };
                (
                    if good { Outcome::Pass } else { Outcome::Fail },
                    format!("{} {} in {} ms", a.status, a.reason, a.millis()),
                )
            }
            Err(e) => (Outcome::Fail, e),
        };
        rows.push(Row {
            check,
            outcome,
            detail,
        });
    };
    probe(
        "accepts a valid event (2xx)",
        &body,
        Some(sign(&body, secret, t)?),
        true,
    );
    probe(
        "rejects a bad signature (4xx)",
        &body,
        Some(sign(&body, "whsec_not_the_endpoints_secret", t)?),
        false,
    );
    probe(
        "rejects a tampered body (4xx)",
        &tampered,
        Some(sign(&body, secret, t)?),
        false,
    );
    probe(
        "rejects a stale timestamp (4xx)",
        &body,
        Some(sign(&body, secret, t.saturating_sub(SKEW))?),
        false,
    );
    probe(
        "rejects a timestamp from the future (4xx)",
        &body,
        Some(sign(&body, secret, t.saturating_add(SKEW))?),
        false,
    );
    probe("rejects a missing header (4xx)", &body, None, false);
    probe(
        "answers a duplicate delivery with 2xx",
        &body,
        Some(sign(&body, secret, now())?),
        true,
    );
    rows.push(Row {
        check: "answers within 30 s",
        outcome: if slowest < http::TIMEOUT {
            Outcome::Pass
        } else {
            Outcome::Fail
        },
        detail: format!("slowest answer {} ms", slowest.as_millis()),
    });
    let https = args.url.starts_with("https://");
    rows.push(Row {
        check: "uses HTTPS",
        outcome: if https { Outcome::Pass } else { Outcome::Warn },
        detail: if https {
            "yes".into()
        } else {
            "no: fine on 127.0.0.1, required in production".into()
        },
    });
    let failed = rows.iter().any(|r| r.outcome == Outcome::Fail);
    let label = |o: Outcome| match o {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Warn => "WARN",
    };
    if args.json {
        let results: Vec<_> = rows
            .iter()
            .map(|r| json!({"check": r.check, "result": label(r.outcome), "detail": r.detail}))
            .collect();
        println!(
            "{}",
            json!({"url": args.url, "passed": !failed, "results": results})
        );
    } else {
        println!("{:<43} {:<6} detail", "check", "result");
        for r in &rows {
            println!("{:<43} {:<6} {}", r.check, label(r.outcome), r.detail);
        }
        println!(
            "{}",
            if failed {
                "FAILED: the endpoint does not follow the checklist"
            } else {
                "passed"
            }
        );
    }
    Ok(!failed)
}
