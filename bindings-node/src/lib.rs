//! The native half of `@payvost/node-sdk`. Each function converts its
//! arguments, calls the core and forwards any error as its code of protocol §6 and
//! message; `js/errors.mjs` turns those into the SDK's error classes, and
//! `js/convert.mjs` has already turned JavaScript's loose types into the
//! strict ones taken here. No rule of the protocol is written in this crate.

use napi::bindgen_prelude::{BigInt, Either, Float64Array, Uint8ArraySlice};
use napi_derive::napi;
use payvost_webhooks::{
    Error, Webhook,
    bindings::{Envelope, unix_seconds_from_f64},
    unix_now,
};

/// A raw body: bytes, or text that is sent as its UTF-8 bytes.
type Payload<'a> = Either<Uint8ArraySlice<'a>, String>;

/// Unix seconds: a number, or a bigint for times beyond 2^53; absent for
/// the core's clock.
type Seconds = Option<Either<f64, BigInt>>;

fn bytes<'p>(payload: &'p Payload<'_>) -> &'p [u8] {
    match payload {
        Either::A(bytes) => bytes,
        Either::B(text) => text.as_bytes(),
    }
}

fn seconds(value: Seconds) -> Result<i64, Error> {
    match value {
        None => Ok(unix_now()),
        Some(Either::A(number)) => unix_seconds_from_f64(number),
        // Beyond i64 saturates, as large numbers do.
        Some(Either::B(big)) => {
            let (value, lossless) = big.get_i64();
            Ok(match (lossless, big.sign_bit) {
                (true, _) => value,
                (false, true) => i64::MIN,
                (false, false) => i64::MAX,
            })
        }
    }
}

/// The one exit of core errors: the JavaScript side reads `code` to choose
/// the error class, and keeps the message.
fn forward(error: Error) -> napi::Error<&'static str> {
    napi::Error::new(error.code(), error.to_string())
}

/// What a successful verification proves.
#[napi(object)]
pub struct Verified {
    /// The header's `t`, in unix seconds, as its decimal text: exact where a
    /// double is not (beyond 2^53); the JavaScript side makes it a number
    /// or, when `now` was a bigint, a bigint.
    pub timestamp: String,
    /// Index, in the secrets given, of the secret that matched.
    pub secret_index: u32,
}

/// A verifier built once from secrets and a tolerance; it keeps each
/// secret's HMAC key state, so a verification pays no key setup.
#[napi]
pub struct Verifier {
    webhook: Webhook,
}

#[napi]
impl Verifier {
    /// Checks the secrets and the tolerance (seconds).
    #[napi(constructor)]
    pub fn new(secrets: Vec<String>, tolerance: f64) -> Result<Self, napi::Error<&'static str>> {
        Ok(Verifier {
            webhook: Webhook::from_parts(&secrets, tolerance).map_err(forward)?,
        })
    }

    /// Verifies the header over the payload at `now`.
    #[napi]
    pub fn verify(
        &self,
        payload: Payload<'_>,
        header: String,
        now: Seconds,
    ) -> Result<Verified, napi::Error<&'static str>> {
        let now = seconds(now).map_err(forward)?;
        let verified = self
            .webhook
            .verify(bytes(&payload), &header, now)
            .map_err(forward)?;
        Ok(Verified {
            timestamp: verified.timestamp.to_string(),
            secret_index: u32::try_from(verified.secret_index).unwrap_or(u32::MAX),
        })
    }

    // The calls of every delivery come in pairs: without `now`, the core reads
    // the clock, and with it. Each argument costs a crossing about 65 ns
    // (bench/README.md), so the common call takes none it does not need.

    /// `verify` against the core's clock, its answer as one number
    /// (`Verified::packed`): a number crosses back far more cheaply than an
    /// object. NaN when the two values do not fit in one, and the caller
    /// asks `verify`.
    #[napi]
    pub fn verify_packed(
        &self,
        payload: Payload<'_>,
        header: String,
    ) -> Result<f64, napi::Error<&'static str>> {
        self.packed(&payload, &header, unix_now())
    }

    /// `verifyPacked` at `now`.
    #[napi]
    pub fn verify_packed_at(
        &self,
        payload: Payload<'_>,
        header: String,
        now: Either<f64, BigInt>,
    ) -> Result<f64, napi::Error<&'static str>> {
        self.packed(&payload, &header, seconds(Some(now)).map_err(forward)?)
    }

    /// Verifies against the core's clock, then checks what `JSON.parse`
    /// does not (UTF-8, depth, surrogate escapes); the caller then parses
    /// the payload and judges the result by the core's event rules. Returns
    /// the verification as `verifyPacked` does.
    #[napi]
    pub fn verify_json(
        &self,
        payload: Payload<'_>,
        header: String,
    ) -> Result<f64, napi::Error<&'static str>> {
        self.json(&payload, &header, unix_now())
    }

    /// `verifyJson` at `now`.
    #[napi]
    pub fn verify_json_at(
        &self,
        payload: Payload<'_>,
        header: String,
        now: Either<f64, BigInt>,
    ) -> Result<f64, napi::Error<&'static str>> {
        self.json(&payload, &header, seconds(Some(now)).map_err(forward)?)
    }
}

impl Verifier {
    fn packed(
        &self,
        payload: &Payload<'_>,
        header: &str,
        now: i64,
    ) -> Result<f64, napi::Error<&'static str>> {
        self.webhook
            .verify(bytes(payload), header, now)
            .map(|verified| verified.packed())
            .map_err(forward)
    }

    fn json(
        &self,
        payload: &Payload<'_>,
        header: &str,
        now: i64,
    ) -> Result<f64, napi::Error<&'static str>> {
        self.webhook
            .verify_json(bytes(payload), header, now)
            .map(|(verified, _)| verified.packed())
            .map_err(forward)
    }
}

/// Judges the event `JSON.parse` built from a payload `verifyJson` passed:
/// the kind codes of the members the envelope rules name, then `created`'s
/// value (see `Envelope::from_codes`).
#[napi]
pub fn check_envelope(envelope: Float64Array) -> Result<(), napi::Error<&'static str>> {
    Envelope::from_codes(&envelope)
        .check()
        .map(drop)
        .map_err(forward)
}

/// The header value Payvost would send for `payload`, for tests.
#[napi]
pub fn sign(
    payload: Payload<'_>,
    secret: String,
    timestamp: Seconds,
) -> Result<String, napi::Error<&'static str>> {
    let timestamp = seconds(timestamp).map_err(forward)?;
    payvost_webhooks::sign(bytes(&payload), &secret, timestamp).map_err(forward)
}

/// The idempotency guard's fingerprint of a raw body: its SHA-256, in hex.
#[napi]
pub fn fingerprint(payload: Payload<'_>) -> String {
    payvost_webhooks::idempotency::fingerprint(bytes(&payload))
}

/// The start of a header or payload an error carries, cut by the core's
/// rule (protocol §6: its first bytes, back to a whole character).
#[napi]
pub fn echo(value: Payload<'_>) -> String {
    payvost_webhooks::bindings::echo(bytes(&value))
}

/// The raw body of a serverless event whose `isBase64Encoded` is true,
/// decoded by the core's strict rule.
#[napi]
pub fn base64_body(
    text: Payload<'_>,
) -> Result<napi::bindgen_prelude::Buffer, napi::Error<&'static str>> {
    payvost_webhooks::bindings::base64_body(bytes(&text))
        .map(Into::into)
        .map_err(forward)
}

/// The facts every door shares, as the core's JSON (`js/facts.mjs` reads it).
#[napi]
pub fn facts() -> String {
    payvost_webhooks::bindings::facts_json()
}
