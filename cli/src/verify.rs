//! `payvost webhooks sign` and `verify`: the body on standard input.

use std::io::Read;

use payvost_webhooks::{Error, Webhook};

use crate::{SecretArg, now};

#[derive(clap::Args)]
pub struct SignArgs {
    /// Sign with this unix time instead of now
    #[arg(long, allow_hyphen_values = true)]
    timestamp: Option<i64>,
    #[command(flatten)]
    secret: SecretArg,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The Payvost-Signature header value (a pasted `Payvost-Signature: ...` line too)
    #[arg(long, value_parser = header_value)]
    header: String,
    /// The signing secret; repeat it, or separate with commas, while rotating
    #[arg(
        long = "secret",
        env = "PAYVOST_WEBHOOK_SECRET",
        hide_env_values = true,
        value_delimiter = ','
    )]
    secrets: Vec<String>,
    /// Seconds the timestamp may lie from now, both ways
    #[arg(long, default_value_t = crate::DEFAULT_TOLERANCE)]
    tolerance: i64,
    /// Check against this unix time instead of now (the time a queued delivery was received)
    #[arg(long, allow_hyphen_values = true)]
    now: Option<i64>,
}

/// The header's value, from the value alone or from a whole pasted header
/// line: the name before the first colon, in any case, is dropped.
fn header_value(text: &str) -> Result<String, String> {
    let pasted = text.split_once(':').filter(|(name, _)| {
        name.trim()
            .eq_ignore_ascii_case(payvost_webhooks::SIGNATURE_HEADER)
    });
    Ok(pasted.map_or(text, |(_, value)| value).to_owned())
}

fn stdin() -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(body)
}

pub fn sign(args: &SignArgs) -> Result<bool, String> {
    let body = stdin()?;
    let t = args.timestamp.unwrap_or_else(now);
    let header = payvost_webhooks::sign(&body, args.secret.get()?, t).map_err(|e| e.to_string())?;
    println!("{header}");
    Ok(true)
}

pub fn verify(args: &VerifyArgs) -> Result<bool, String> {
    if args.secrets.is_empty() {
        return Err(crate::no_secret());
    }
    let body = stdin()?;
    let now = args.now.unwrap_or_else(now);
    let webhook = Webhook::with_secrets(&args.secrets).and_then(|w| w.tolerance(args.tolerance));
    let outcome = webhook.as_ref().map_err(Clone::clone).and_then(|w| {
        let verified = w.verify(&body, &args.header, now)?;
        Ok((verified, w.construct_event(&body, &args.header, now)?))
    });
    match outcome {
        Ok((verified, event)) => {
            let payload: serde_json::Value = serde_json::from_str(event.json()).unwrap_or_default();
            let pretty = serde_json::to_string_pretty(&payload).unwrap_or_default();
            println!("{pretty}");
            eprintln!(
                "verified: {} {} signed at t={} with secret #{} of {}",
                event.event_type(),
                event.id(),
                verified.timestamp,
                verified.secret_index,
                args.secrets.len()
            );
            Ok(true)
        }
        Err(error) => {
            println!("{}: {error}", error.code());
            if let Ok(webhook) = &webhook {
                for hint in explain(&error, webhook, &body, &args.header, now) {
                    println!("  - {hint}");
                }
            }
            Ok(false)
        }
    }
}

/// What usually went wrong, when a failure says something about it.
fn explain(error: &Error, webhook: &Webhook, body: &[u8], header: &str, now: i64) -> Vec<String> {
    let mut hints = Vec::new();
    match error {
        Error::TimestampTooOld { age, tolerance } => hints.push(format!(
            "the signature is {age} s old, {} s beyond the tolerance: if this machine's clock is right, the delivery \
             was held back; for a queued delivery pass --now with the time it was received",
            age.saturating_sub(*tolerance)
        )),
        Error::TimestampTooNew { ahead, .. } => {
            hints.push(format!("the signature is {ahead} s in the future: this machine's clock is {ahead} s behind the sender's"));
        }
        // The core's message names the usual changes it recognised (a newline,
        // a byte-order mark, base64); a pretty-printed body is this tool's to find,
        // for a file saved from a log is often one.
        Error::SignatureMismatch { body_change: None, .. } => {
            let text = String::from_utf8_lossy(body);
            let compact =
                serde_json::from_slice::<serde_json::Value>(body).map(|v| v.to_string().into_bytes()).unwrap_or_default();
            let found = !compact.is_empty() && compact != body && webhook.verify(&compact, header, now).is_ok();
            if found {
                hints.push(
                    "the signature matches this body as compact JSON: the body was parsed and re-serialised \
                     (pretty-printed) before verifying; pass the raw body"
                        .into(),
                );
            } else {
                if text.contains("\n  ") || text.contains(": ") {
                    hints.push("the body looks pretty-printed, while Payvost sends compact JSON: was it re-serialised?".into());
                }
                hints.push("otherwise the secret is not this endpoint's (each endpoint has its own whsec_ secret)".into());
            }
        }
        _ => {}
    }
    hints
}
