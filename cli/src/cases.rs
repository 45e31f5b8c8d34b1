//! `payvost webhooks verify-cases` (hidden): many verifications in one
//! process, for `make differential`, which runs the same cases through every
//! door of the SDK and compares the outcomes.
//!
//! Standard input holds one case per line, as JSON:
//! `{"payload_b64", "header": string or null, "secrets": [...], "now", "tolerance"?}`.
//! Standard output gets one outcome per line, in order: `{"code": "..."}`
//! (with `header` and `payload`, what the error echoes of them, for a code
//! of the signature category) or `{"id": "...", "secret_index": n, "typed":
//! {...}}`, the typed view of `data.object` field by field (`null` for an
//! object of an unknown kind).

use std::io::{BufRead, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use payvost_webhooks::bindings::{TypedValue, echo};
use payvost_webhooks::{Category, Error, Webhook};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Case {
    payload_b64: String,
    header: Option<String>,
    secrets: Vec<String>,
    now: i64,
    tolerance: Option<i64>,
}

pub fn run() -> Result<bool, String> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (number, line) in (1_usize..).zip(std::io::stdin().lock().lines()) {
        let line = line.map_err(|e| format!("cannot read standard input: {e}"))?;
        let case: Case = serde_json::from_str(&line).map_err(|e| format!("case {number}: {e}"))?;
        let payload = STANDARD
            .decode(&case.payload_b64)
            .map_err(|e| format!("case {number}: payload_b64: {e}"))?;
        let outcome = match outcome(&case, &payload) {
            Ok(verified) => verified,
            Err(error) if error.category() == Category::Signature => json!({
                "code": error.code(),
                "header": echo(case.header.as_deref().unwrap_or("").as_bytes()),
                "payload": echo(&payload),
            }),
            Err(error) => json!({"code": error.code()}),
        };
        writeln!(out, "{outcome}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(true)
}

fn outcome(case: &Case, payload: &[u8]) -> Result<serde_json::Value, Error> {
    let mut webhook = Webhook::with_secrets(&case.secrets)?;
    if let Some(tolerance) = case.tolerance {
        webhook = webhook.tolerance(tolerance)?;
    }
    let header = case.header.as_deref().unwrap_or("");
    let event = webhook.construct_event(payload, header, case.now)?;
    let verified = webhook.verify(payload, header, case.now)?;
    let fields = event.object().typed_fields();
    let typed = (!fields.is_empty()).then(|| {
        fields
            .into_iter()
            .map(|(name, value)| {
                let value = match value {
                    TypedValue::Text(text) => json!(text),
                    TypedValue::Int(number) => json!(number),
                };
                (name.to_owned(), value)
            })
            .collect::<serde_json::Map<_, _>>()
    });
    Ok(json!({"id": event.id(), "secret_index": verified.secret_index, "typed": typed}))
}
