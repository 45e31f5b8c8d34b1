//! The wasm-bindgen build, the WebAssembly half of `@payvost/webhooks-wasm`: the verifier surface
//! of the napi addon (`Verifier`, `checkEnvelope`, `sign`) with payloads as
//! bytes (`bindings-wasm/npm/backend.mjs` encodes text), so the shared JS
//! layer in `js/` runs on either unchanged. Each function converts
//! its arguments, calls the core and throws any error as a JS `Error` with
//! its `code` (protocol §6), which `js/errors.mjs` maps to the SDK's classes. No rule
//! of the protocol is written in this crate.

use js_sys::{BigInt, Reflect};
use payvost_webhooks::{
    Error, Webhook,
    bindings::{Envelope, unix_seconds_from_f64},
};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The one exit of core errors: a JS `Error` carrying the code of protocol §6.
fn throw(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    // Setting a property on a fresh Error cannot fail.
    let _ = Reflect::set(&js, &"code".into(), &error.code().into());
    js.into()
}

/// Unix seconds: a number, or a bigint for times beyond 2^53 (saturating);
/// undefined for the system clock, which only the host can read here.
fn seconds(value: &JsValue) -> Result<i64, JsValue> {
    if value.is_undefined() || value.is_null() {
        return unix_seconds_from_f64(js_sys::Date::now() / 1000.0).map_err(throw);
    }
    if let Some(number) = value.as_f64() {
        return unix_seconds_from_f64(number).map_err(throw);
    }
    let big = BigInt::from(value.clone());
    let zero = BigInt::from(0);
    let saturated = if big < zero { i64::MIN } else { i64::MAX };
    Ok(i64::try_from(big).unwrap_or(saturated))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Verified {
    /// Decimal text, exact beyond 2^53: the JavaScript side converts it.
    timestamp: String,
    secret_index: u32,
}

/// A verifier built once from secrets and a tolerance; it keeps each
/// secret's HMAC key state, so a verification pays no key setup.
#[wasm_bindgen]
pub struct Verifier {
    webhook: Webhook,
}

#[wasm_bindgen]
impl Verifier {
    /// Checks the secrets and the tolerance (seconds).
    #[wasm_bindgen(constructor)]
    pub fn new(secrets: Vec<String>, tolerance: f64) -> Result<Verifier, JsValue> {
        Ok(Verifier {
            webhook: Webhook::from_parts(&secrets, tolerance).map_err(throw)?,
        })
    }

    /// `{timestamp, secretIndex}` when the header signs the payload at `now`.
    pub fn verify(&self, payload: &[u8], header: &str, now: JsValue) -> Result<JsValue, JsValue> {
        let verified = self
            .webhook
            .verify(payload, header, seconds(&now)?)
            .map_err(throw)?;
        let verified = Verified {
            timestamp: verified.timestamp.to_string(),
            secret_index: u32::try_from(verified.secret_index).unwrap_or(u32::MAX),
        };
        serde_wasm_bindgen::to_value(&verified).map_err(JsValue::from)
    }

    /// `verify`, its answer as one number (`Verified::packed`), which
    /// crosses back far more cheaply than an object; NaN when the two
    /// values do not fit in one, and the caller asks `verify`.
    #[wasm_bindgen(js_name = verifyPacked)]
    pub fn verify_packed(
        &self,
        payload: &[u8],
        header: &str,
        now: JsValue,
    ) -> Result<f64, JsValue> {
        self.webhook
            .verify(payload, header, seconds(&now)?)
            .map(|verified| verified.packed())
            .map_err(throw)
    }

    /// Verifies, then checks what `JSON.parse` does not (UTF-8, depth,
    /// surrogate escapes); the caller parses and judges the event. Returns
    /// the verification as `verifyPacked` does.
    #[wasm_bindgen(js_name = verifyJson)]
    pub fn verify_json(&self, payload: &[u8], header: &str, now: JsValue) -> Result<f64, JsValue> {
        self.webhook
            .verify_json(payload, header, seconds(&now)?)
            .map(|(verified, _)| verified.packed())
            .map_err(throw)
    }
}

/// Judges the event `JSON.parse` built: the kind codes of its members,
/// then `created`'s value (see `Envelope::from_codes`).
#[wasm_bindgen(js_name = checkEnvelope)]
pub fn check_envelope(envelope: &[f64]) -> Result<(), JsValue> {
    Envelope::from_codes(envelope)
        .check()
        .map(drop)
        .map_err(throw)
}

/// The header value Payvost would send for `payload`, for tests.
#[wasm_bindgen]
pub fn sign(payload: &[u8], secret: &str, timestamp: JsValue) -> Result<String, JsValue> {
    payvost_webhooks::sign(payload, secret, seconds(&timestamp)?).map_err(throw)
}

/// The idempotency guard's fingerprint of a raw body: its SHA-256, in hex.
#[wasm_bindgen]
pub fn fingerprint(payload: &[u8]) -> String {
    payvost_webhooks::idempotency::fingerprint(payload)
}

/// The start of a header or payload an error carries, cut by the core's
/// rule (protocol §6: its first bytes, back to a whole character).
#[wasm_bindgen]
pub fn echo(value: &[u8]) -> String {
    payvost_webhooks::bindings::echo(value)
}

/// The raw body of a serverless event whose `isBase64Encoded` is true,
/// decoded by the core's strict rule.
#[wasm_bindgen(js_name = base64Body)]
pub fn base64_body(text: &[u8]) -> Result<Vec<u8>, JsValue> {
    payvost_webhooks::bindings::base64_body(text).map_err(throw)
}

/// The facts every door shares, as the core's JSON (`js/facts.mjs` reads it).
#[wasm_bindgen]
pub fn facts() -> String {
    payvost_webhooks::bindings::facts_json()
}
