//! Python objects built from the verified payload in the core's own pass
//! (`payvost_webhooks::bindings::build_event`): exactly what `json.loads` builds
//! (integers of any size, floats correctly rounded, the last of duplicate
//! keys), with the core's grammar, limits and envelope rules.

use payvost_webhooks::{
    Error,
    bindings::{BuildError, Builder, Place, build_event},
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use std::sync::Mutex;

use crate::classes::Classes;

/// The payload's value, once the core judged it an event.
pub enum Built<'py> {
    Event(Bound<'py, PyAny>),
    /// Not an event: the core's error.
    Refused(Error),
}

/// Builds the Python value of an event payload.
///
/// # Errors
///
/// A Python error raised while building (out of memory).
pub fn build<'py>(py: Python<'py>, payload: &[u8]) -> PyResult<Built<'py>> {
    // Re-entered from a finalizer that verifies while this thread builds,
    // the cache is busy: build without it.
    let mut cache = KEYS.try_lock().ok();
    let mut objects = Objects {
        py,
        keys: cache.as_deref_mut(),
        event: None,
        classes: None,
    };
    match build_event(payload, &mut objects) {
        Ok(event) => Ok(Built::Event(event)),
        Err(BuildError::Payload(error)) => Ok(Built::Refused(error)),
        Err(BuildError::Builder(error)) => Err(error),
    }
}

/// Member names seen before, as Python strings whose hash Python has
/// already computed: most events repeat the same few dozen names, so most
/// dict inserts then skip making and hashing a string, as `json.loads`
/// does within one call and orjson across calls.
static KEYS: Mutex<Keys> = Mutex::new(Keys::new());

/// A direct-mapped cache: a slot per hash of the name, the last name wins.
struct Keys {
    slots: Vec<Option<Slot>>,
}

/// A cached name: its length and first and last eight bytes, which are the
/// whole name up to 16 bytes, so that most lookups compare three integers.
struct Slot {
    words: Words,
    /// Names longer than 16 bytes, compared in full.
    long: Option<Box<str>>,
    key: Py<PyString>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Words {
    len: usize,
    head: u64,
    tail: u64,
}

impl Words {
    fn of(name: &[u8]) -> Self {
        let (head, tail) = match (name.first_chunk::<8>(), name.last_chunk::<8>()) {
            (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
            _ => {
                let word = name
                    .iter()
                    .fold(0u64, |word, &byte| (word << 8) | u64::from(byte));
                (word, word)
            }
        };
        Words {
            len: name.len(),
            head,
            tail,
        }
    }

    /// Mixed by one multiplication; the top bits are the best mixed.
    fn slot(self) -> usize {
        let mixed = (self.head ^ self.tail.rotate_left(29) ^ self.len as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> (64 - Keys::SLOTS.trailing_zeros())) as usize
    }
}

impl Keys {
    const SLOTS: usize = 1024;
    /// Longer names are rare and not worth a slot.
    const LONGEST: usize = 64;

    const fn new() -> Self {
        Keys { slots: Vec::new() }
    }

    /// The cached string of `name`, made and kept on a miss; `None` for a
    /// name too long to keep. Lent, not cloned: a dict insert takes its own
    /// reference, so lending saves a reference count round trip.
    fn get(&mut self, py: Python<'_>, name: &str) -> Option<&Py<PyString>> {
        if name.len() > Self::LONGEST {
            return None;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(Self::SLOTS, || None);
        }
        let words = Words::of(name.as_bytes());
        let slot = self.slots.get_mut(words.slot())?;
        let hit = slot.as_ref().is_some_and(|cached| {
            cached.words == words && cached.long.as_deref().is_none_or(|long| long == name)
        });
        if !hit {
            *slot = Some(Slot {
                words,
                long: (name.len() > 16).then(|| name.into()),
                key: PyString::new(py, name).unbind(),
            });
        }
        slot.as_ref().map(|cached| &cached.key)
    }
}

struct Objects<'k, 'py> {
    py: Python<'py>,
    keys: Option<&'k mut Keys>,
    /// The event's own object, once made.
    event: Option<Bound<'py, PyDict>>,
    /// The classes of the event's type, once its `type` member is read:
    /// `data` and `data.object` made after it are made of them, sparing
    /// `classes::typed` a copy of each (Payvost sends `type` first).
    classes: Option<Classes<'py>>,
}

impl<'py> Builder for Objects<'_, 'py> {
    type Value = Bound<'py, PyAny>;
    type Object = Bound<'py, PyDict>;
    /// The elements, made into a list of the right size at the end.
    type Array = Vec<Bound<'py, PyAny>>;
    type Error = PyErr;

    fn null(&mut self) -> PyResult<Self::Value> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn boolean(&mut self, value: bool) -> PyResult<Self::Value> {
        Ok(PyBool::new(self.py, value).to_owned().into_any())
    }

    /// An `int` of any size without `.`, `e` or `E`, else a correctly
    /// rounded `float`, as `json.loads` reads a number.
    fn number(&mut self, text: &str) -> PyResult<Self::Value> {
        let py = self.py;
        if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            // The core's grammar let only a JSON number through, which Rust's
            // float parser reads (too large a one as infinity, as Python does).
            let value: f64 = text.parse().unwrap_or(f64::NAN);
            return Ok(PyFloat::new(py, value).into_any());
        }
        if let Ok(value) = text.parse::<i64>() {
            return Ok(PyInt::new(py, value).into_any());
        }
        py.get_type::<PyInt>().call1((text,))
    }

    fn string(&mut self, text: &str) -> PyResult<Self::Value> {
        Ok(PyString::new(self.py, text).into_any())
    }

    fn object(&mut self) -> PyResult<Self::Object> {
        Ok(PyDict::new(self.py))
    }

    fn envelope_object(&mut self, place: Place) -> PyResult<Self::Object> {
        match (place, &self.classes) {
            (Place::Event, _) => {
                let event = PyDict::new(self.py);
                self.event = Some(event.clone());
                Ok(event)
            }
            (_, Some(classes)) => classes.empty(place),
            (_, None) => Ok(PyDict::new(self.py)),
        }
    }

    fn member(
        &mut self,
        object: &mut Self::Object,
        name: &str,
        value: Self::Value,
    ) -> PyResult<()> {
        let py = self.py;
        if name == "type" && self.event.as_ref().is_some_and(|event| event.is(&*object)) {
            self.classes = Some(Classes::of(&value)?);
        }
        if let Some(key) = self.keys.as_deref_mut().and_then(|keys| keys.get(py, name)) {
            return object.set_item(key.bind(py), value);
        }
        object.set_item(PyString::new(py, name), value)
    }

    fn end_object(&mut self, object: Self::Object) -> PyResult<Self::Value> {
        Ok(object.into_any())
    }

    fn array(&mut self) -> PyResult<Self::Array> {
        Ok(Vec::new())
    }

    fn element(&mut self, array: &mut Self::Array, value: Self::Value) -> PyResult<()> {
        array.push(value);
        Ok(())
    }

    fn end_array(&mut self, array: Self::Array) -> PyResult<Self::Value> {
        Ok(PyList::new(self.py, array)?.into_any())
    }
}
