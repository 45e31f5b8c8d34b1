//! The one mapping of core errors to the package's exception classes,
//! defined in `payvost/error.py`.

use payvost_webhooks::{Category, Error, bindings::echo};
use pyo3::prelude::*;

use crate::convert::Call;

/// What a Python user most often gets wrong when the signature does not match.
const MISMATCH_HINT: &str = " With Flask pass request.get_data(), with Django request.body, \
    with FastAPI or Starlette await request.body(): the bytes as received, never a parsed \
    and re-serialised body.";

fn exception(py: Python<'_>, error: &Error, call: Option<&Call<'_>>) -> PyResult<PyErr> {
    let class = match error.category() {
        Category::Configuration => "ConfigurationError",
        Category::Signature => "SignatureVerificationError",
        Category::Payload => "InvalidPayloadError",
        Category::Processing => "IdempotencyError",
    };
    let mut message = error.to_string();
    // A change to the body the core recognised names its own fix.
    if matches!(
        error,
        Error::SignatureMismatch {
            body_change: None,
            ..
        }
    ) {
        message.push_str(MISMATCH_HINT);
    }
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("code", error.code())?;
    if let (Some(call), false) = (call, error.category() == Category::Configuration) {
        kwargs.set_item("sig_header", echo(call.header().as_bytes()))?;
        kwargs.set_item("http_body", echo(call.payload()))?;
    }
    let class = py.import("payvost.error")?.getattr(class)?;
    Ok(PyErr::from_value(class.call((message,), Some(&kwargs))?))
}

/// Raises a core error as the package's exception, with `.sig_header` and
/// `.http_body` from the call when there was one.
pub trait Raise<T> {
    fn raise(self, py: Python<'_>, call: Option<&Call<'_>>) -> PyResult<T>;
}

impl<T> Raise<T> for Result<T, Error> {
    fn raise(self, py: Python<'_>, call: Option<&Call<'_>>) -> PyResult<T> {
        self.map_err(|error| exception(py, &error, call).unwrap_or_else(|failure| failure))
    }
}
