//! The native half of the `payvost` Python package (`payvost._native`).
//! Each function converts its arguments (`convert.rs`), calls the core, and
//! raises any error as the package's exception classes (`errors.rs`);
//! events are built as Python objects straight from the bytes (`json.rs`),
//! as the package's event classes (`classes.rs`).
//! No rule of the protocol is written in this crate.

use payvost_webhooks::{Error, Webhook};
use pyo3::prelude::*;

mod classes;
mod convert;
mod errors;
mod json;

use errors::Raise;

/// A verifier built once from secrets and a tolerance; it keeps each
/// secret's HMAC key state, so a verification pays no key setup.
#[pyclass(frozen, module = "payvost._native")]
struct Verifier {
    webhook: Webhook,
    secrets: usize,
}

#[pymethods]
impl Verifier {
    #[new]
    fn new(
        py: Python<'_>,
        secret: &Bound<'_, PyAny>,
        tolerance: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let secrets = convert::secrets(secret).raise(py, None)?;
        // Secrets first, then the tolerance: the order every door reports.
        let webhook = Webhook::with_secrets(&secrets).raise(py, None)?;
        let tolerance = convert::tolerance(tolerance).raise(py, None)?;
        Ok(Verifier {
            webhook: webhook.with_tolerance(tolerance),
            secrets: secrets.len(),
        })
    }

    /// `(timestamp, secret_index)` when the header signs the payload.
    #[pyo3(signature = (payload, sig_header, now=None))]
    fn verify(
        &self,
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        sig_header: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(i64, usize)> {
        let call = convert::Call::new(payload, sig_header, now).raise(py, None)?;
        let verified = self
            .webhook
            .verify(call.payload(), call.header(), call.now)
            .raise(py, Some(&call))?;
        Ok((verified.timestamp, verified.secret_index))
    }

    /// The event as `json.loads` would build it, once verified and judged,
    /// as the classes of its type (`classes.rs`).
    #[pyo3(signature = (payload, sig_header, now=None))]
    fn construct_event<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        sig_header: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.construct_verified(py, payload, sig_header, now)
            .map(|(event, _, _)| event)
    }

    /// `(event, timestamp, secret_index)`: [`Verifier::construct_event`]
    /// with what the verification found, for the adapters' delivery
    /// records (protocol §10.2).
    #[pyo3(signature = (payload, sig_header, now=None))]
    fn construct_verified<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        sig_header: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, i64, usize)> {
        let call = convert::Call::new(payload, sig_header, now).raise(py, None)?;
        let verified = self
            .webhook
            .verify(call.payload(), call.header(), call.now)
            .raise(py, Some(&call))?;
        let event = match json::build(py, call.payload())? {
            json::Built::Event(event) => event,
            json::Built::Refused(error) => return Err(error).raise(py, Some(&call)),
        };
        Ok((
            classes::typed(event)?,
            verified.timestamp,
            verified.secret_index,
        ))
    }

    fn __repr__(&self) -> String {
        // Never the secrets themselves.
        format!(
            "<Verifier secrets={} tolerance={}>",
            self.secrets,
            self.webhook.current_tolerance().secs()
        )
    }
}

/// The header value Payvost would send for `payload`, for tests.
#[pyfunction]
#[pyo3(signature = (payload, secret, timestamp=None))]
fn sign(
    py: Python<'_>,
    payload: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    timestamp: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let payload = convert::payload(payload).raise(py, None)?;
    let secret = convert::secret_for_signing(secret).raise(py, None)?;
    let timestamp = convert::seconds(timestamp).raise(py, None)?;
    payvost_webhooks::sign(payload.as_ref(), &secret, timestamp).raise(py, None)
}

/// A `Content-Length` value read strictly (the core's rule), `None` when it is not one.
/// The event a body holds, built as `construct_event` builds it, without
/// a signature to check: for a body the idempotency guard kept after it was
/// verified (a failed event's retry), never for a request's.
#[pyfunction]
fn trusted_event<'py>(py: Python<'py>, payload: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    match json::build(py, payload)? {
        json::Built::Event(event) => classes::typed(event),
        json::Built::Refused(error) => Err(error).raise(py, None),
    }
}

#[pyfunction]
fn content_length(value: &[u8]) -> Option<u64> {
    payvost_webhooks::bindings::content_length(value)
}

/// The fingerprint of a delivery for the idempotency guard: the SHA-256 of its raw body, in hex.
#[pyfunction]
fn fingerprint(py: Python<'_>, payload: &Bound<'_, PyAny>) -> PyResult<String> {
    let payload = convert::payload(payload).raise(py, None)?;
    Ok(payvost_webhooks::idempotency::fingerprint(payload.as_ref()))
}

/// The raw body of a serverless event whose `isBase64Encoded` is true,
/// decoded by the core's strict rule.
#[pyfunction]
fn base64_body<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let body = payvost_webhooks::bindings::base64_body(text).raise(py, None)?;
    Ok(pyo3::types::PyBytes::new(py, &body))
}

/// A header's lines as the one value protocol §2 reads, `None` without any.
#[pyfunction]
fn joined_header_lines(lines: Vec<String>) -> Option<String> {
    payvost_webhooks::bindings::joined_header_lines(lines.iter().map(String::as_str))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Verifier>()?;
    m.add_function(wrap_pyfunction!(sign, m)?)?;
    m.add_function(wrap_pyfunction!(content_length, m)?)?;
    m.add_function(wrap_pyfunction!(base64_body, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(joined_header_lines, m)?)?;
    m.add_function(wrap_pyfunction!(trusted_event, m)?)?;
    m.add("ERROR_CODES", Error::ALL.to_vec())?;
    m.add("FACTS", payvost_webhooks::bindings::facts_json())?;
    m.add(
        "DEFAULT_TOLERANCE",
        payvost_webhooks::Tolerance::DEFAULT.secs(),
    )?;
    Ok(())
}
