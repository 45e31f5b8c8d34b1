//! The wasm-bindgen build, the WebAssembly half of `@payvost/webhooks-wasm`: the verifier surface
//! of the napi addon (`Verifier`, `checkEnvelope`, `sign`) with payloads as
//! bytes (`bindings-wasm/npm/backend.mjs` encodes text), so the shared JS
//! layer in `js/` runs on either unchanged. Each function converts
//! its arguments, calls the core and throws any error as a JS `Error` with
//! the SPEC `code`, which `js/errors.mjs` maps to the SDK's classes. No rule
//! of the protocol is written in this crate.

use js_sys::{BigInt, Reflect};
use payvost_webhooks::{Envelope, Error, Tolerance, Webhook, unix_seconds_from_f64};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The one exit of core errors: a JS `Error` carrying the SPEC code.
fn throw(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    // Setting a property on a fresh Error cannot fail.
    let _ = Reflect::set(&js, &"code".into(), &error.code().into());
    js.into()
}

/// Unix seconds: a number, or a bigint for times beyond 2^53 (saturating).
fn seconds(value: &JsValue) -> Result<i64, JsValue> {
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
    timestamp: f64,
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
            timestamp: verified.timestamp as f64,
            secret_index: u32::try_from(verified.secret_index).unwrap_or(u32::MAX),
        };
        serde_wasm_bindgen::to_value(&verified).map_err(JsValue::from)
    }

    /// Verifies, then checks what `JSON.parse` does not (UTF-8, depth,
    /// surrogate escapes); the caller parses and calls `checkEnvelope`.
    #[wasm_bindgen(js_name = verifyJson)]
    pub fn verify_json(&self, payload: &[u8], header: &str, now: JsValue) -> Result<(), JsValue> {
        self.webhook
            .verify_json(payload, header, seconds(&now)?)
            .map(drop)
            .map_err(throw)
    }
}

/// Judges the event `JSON.parse` built, from the kinds of its members.
#[wasm_bindgen(js_name = checkEnvelope)]
pub fn check_envelope(
    top_level: u32,
    id: u32,
    event_type: u32,
    data: u32,
    data_object: u32,
    created: u32,
    created_value: f64,
) -> Result<(), JsValue> {
    Envelope::from_codes(
        [top_level, id, event_type, data, data_object, created],
        created_value,
    )
    .check()
    .map(drop)
    .map_err(throw)
}

/// The header value Payvost would send for `payload`, for tests.
#[wasm_bindgen]
pub fn sign(payload: &[u8], secret: &str, timestamp: JsValue) -> Result<String, JsValue> {
    payvost_webhooks::sign(payload, secret, seconds(&timestamp)?).map_err(throw)
}

/// Every error code, for the drift test and `errorCodes`.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<String> {
    Error::ALL.iter().map(|code| (*code).to_owned()).collect()
}

/// The default tolerance in seconds.
#[wasm_bindgen(js_name = defaultTolerance)]
pub fn default_tolerance() -> u32 {
    u32::try_from(Tolerance::DEFAULT.secs()).unwrap_or(300)
}
