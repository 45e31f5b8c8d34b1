//! Python's argument types, turned into the core's. A type mistake becomes
//! an error with a code of protocol §6 here; every rule about values is the core's.

use std::borrow::Cow;

use payvost_webhooks::{Error, SecretProblem, Tolerance, bindings::unix_seconds_from_f64};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyString, PyTuple};

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "an unknown type".to_owned())
}

/// The raw body as bytes: `bytes`, `bytearray` and `memoryview` as they
/// are, `str` as its UTF-8 (a lone surrogate kept as its own bytes, which no
/// signed body holds, so it can only fail to verify).
pub fn payload<'a>(value: &'a Bound<'_, PyAny>) -> Result<Cow<'a, [u8]>, Error> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(bytes.as_bytes()));
    }
    if let Ok(array) = value.cast::<PyByteArray>() {
        return Ok(Cow::Owned(array.to_vec()));
    }
    if let Ok(text) = value.cast::<PyString>() {
        if let Ok(text) = text.extract::<String>() {
            return Ok(Cow::Owned(text.into_bytes()));
        }
        let encoded = text
            .call_method1("encode", ("utf-8", "surrogatepass"))
            .and_then(|bytes| bytes.extract::<Vec<u8>>());
        return encoded.map(Cow::Owned).map_err(|_| wrong_type(value));
    }
    if value.cast::<PyMemoryView>().is_ok() {
        let bytes = value
            .call_method0("tobytes")
            .and_then(|b| b.extract::<Vec<u8>>());
        return bytes.map(Cow::Owned).map_err(|_| wrong_type(value));
    }
    Err(wrong_type(value))
}

fn wrong_type(value: &Bound<'_, PyAny>) -> Error {
    let parsed = if value.cast::<PyDict>().is_ok() || value.cast::<PyList>().is_ok() {
        " (an already parsed body)"
    } else {
        ""
    };
    Error::PayloadWrongType(format!(
        "The payload must be the raw request body as bytes or str, not {}{parsed}. \
         With Flask pass request.get_data(), with Django request.body, with FastAPI \
         or Starlette await request.body(); never request.json or json.loads output",
        type_name(value)
    ))
}

/// The header value: a `str`, `bytes` from ASGI's raw headers, or `None`.
pub fn header(value: &Bound<'_, PyAny>) -> Result<String, Error> {
    if value.is_none() {
        return Ok(String::new());
    }
    if let Some(text) = text(value) {
        return Ok(text);
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        // HTTP header bytes are Latin-1; Payvost's are ASCII.
        return Ok(bytes.as_bytes().iter().map(|&b| char::from(b)).collect());
    }
    Err(Error::HeaderMalformed(
        payvost_webhooks::HeaderProblem::NotText(type_name(value)),
    ))
}

/// One secret or a sequence of them (rotation).
pub fn secrets(value: &Bound<'_, PyAny>) -> Result<Vec<String>, Error> {
    if let Some(text) = text(value) {
        return Ok(vec![text]);
    }
    if let Some(what) = absent(value) {
        return Err(Error::SecretInvalid(SecretProblem::Absent(what)));
    }
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        let items = value
            .try_iter()
            .map_err(|_| Error::SecretInvalid(SecretProblem::NotText))?;
        return items
            .map(|item| item.ok().as_ref().and_then(text))
            .collect::<Option<Vec<_>>>()
            .ok_or(Error::SecretInvalid(SecretProblem::NotText));
    }
    Err(Error::SecretInvalid(SecretProblem::NotText))
}

/// A secret for signing test headers: any string.
pub fn secret_for_signing(value: &Bound<'_, PyAny>) -> Result<String, Error> {
    if let Some(what) = absent(value) {
        return Err(Error::SecretInvalid(SecretProblem::Absent(what)));
    }
    text(value).ok_or(Error::SecretInvalid(SecretProblem::NotText))
}

/// How Python writes a value that stands for no secret at all, as
/// `os.environ.get` gives for an unset variable.
fn absent(value: &Bound<'_, PyAny>) -> Option<&'static str> {
    if value.is_none() {
        Some("None")
    } else if value.cast::<pyo3::types::PyBool>().is_ok() && !value.is_truthy().unwrap_or(true) {
        Some("False")
    } else {
        None
    }
}

/// A `str` as Rust text. A lone surrogate, which UTF-8 cannot carry, becomes
/// one U+FFFD, exactly as the JavaScript doors convert their strings, so every
/// door then judges the same text (a header or secret holding one can only
/// fail to verify).
fn text(value: &Bound<'_, PyAny>) -> Option<String> {
    let string = value.cast::<PyString>().ok()?;
    if let Ok(text) = string.extract::<String>() {
        return Some(text);
    }
    let utf16 = string
        .call_method1("encode", ("utf-16-le", "surrogatepass"))
        .and_then(|bytes| bytes.extract::<Vec<u8>>())
        .ok()?;
    let units = utf16
        .chunks_exact(2)
        .filter_map(|pair| <[u8; 2]>::try_from(pair).ok())
        .map(u16::from_le_bytes);
    Some(
        char::decode_utf16(units)
            .map(|unit| unit.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// A tolerance in seconds: an `int` or a whole `float`.
pub fn tolerance(value: &Bound<'_, PyAny>) -> Result<Tolerance, Error> {
    if value.cast::<pyo3::types::PyBool>().is_err() {
        if let Ok(secs) = value.extract::<i64>() {
            return Tolerance::new(secs);
        }
        if let Ok(secs) = value.extract::<f64>() {
            return Tolerance::from_f64(secs);
        }
    }
    Err(Error::ToleranceInvalid(
        payvost_webhooks::ToleranceProblem::NotANumber,
    ))
}

/// Unix seconds: `int`, `float`, a `datetime`, or `None` for the system clock.
pub fn seconds(value: Option<&Bound<'_, PyAny>>) -> Result<i64, Error> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(payvost_webhooks::unix_now());
    };
    let not_a_time = || Error::ToleranceInvalid(payvost_webhooks::ToleranceProblem::TimeNotFinite);
    if value.cast::<pyo3::types::PyBool>().is_ok() {
        return Err(not_a_time());
    }
    if let Ok(secs) = value.extract::<i64>() {
        return Ok(secs);
    }
    if value.cast::<pyo3::types::PyInt>().is_ok() {
        // Beyond i64 saturates, as the window check handles exactly.
        let negative = value.lt(0).unwrap_or(false);
        return Ok(if negative { i64::MIN } else { i64::MAX });
    }
    if let Ok(secs) = value.extract::<f64>() {
        return unix_seconds_from_f64(secs);
    }
    if value.hasattr("timestamp").unwrap_or(false) {
        let secs = value
            .call_method0("timestamp")
            .and_then(|t| t.extract::<f64>());
        return secs
            .map_err(|_| not_a_time())
            .and_then(unix_seconds_from_f64);
    }
    Err(not_a_time())
}

/// The arguments of one verification, converted.
pub struct Call<'a> {
    payload: Cow<'a, [u8]>,
    header: String,
    pub now: i64,
}

impl<'a> Call<'a> {
    pub fn new(
        payload: &'a Bound<'_, PyAny>,
        sig_header: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> Result<Self, Error> {
        Ok(Call {
            now: seconds(now)?,
            payload: self::payload(payload)?,
            header: header(sig_header)?,
        })
    }

    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    pub fn header(&self) -> &str {
        &self.header
    }
}
