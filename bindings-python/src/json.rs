//! Python objects built straight from the verified JSON text in one serde
//! pass: exactly what `json.loads` builds (integers of any size, floats
//! correctly rounded, the last of duplicate keys), under the core's grammar
//! and limits.

use payvost_webhooks::{Envelope, Error, Member};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// Builds the Python value of a JSON payload. serde_json's grammar and
/// limits are the core's (depth, surrogate escapes, UTF-8 inside strings,
/// the only place a non-ASCII byte is grammatical), so this accepts exactly
/// what `RawEvent::from_slice` does.
pub fn build<'py>(py: Python<'py>, payload: &[u8]) -> Result<Bound<'py, PyAny>, Error> {
    let keys = RefCell::new(HashMap::new());
    let mut deserializer = serde_json::Deserializer::from_slice(payload);
    let value = Build { py, keys: &keys }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    value.map_err(|e| Error::invalid_json(&e.to_string()))
}

/// One Python string per distinct member name, as `json.loads` does: fewer
/// objects, and dict inserts reuse each key's cached hash.
type Keys<'de, 'py> = RefCell<HashMap<&'de str, Bound<'py, PyString>>>;

/// The members the core's event rules name, read from the built value.
pub fn envelope<'py>(event: &Bound<'py, PyAny>) -> Envelope {
    fn get<'py>(dict: &Bound<'py, PyDict>, name: &str) -> Option<Bound<'py, PyAny>> {
        dict.get_item(name).ok().flatten()
    }
    let Ok(object) = event.cast::<PyDict>() else {
        return Envelope {
            top_level: member(Some(event)),
            id: Member::Missing,
            event_type: Member::Missing,
            data: Member::Missing,
            data_object: Member::Missing,
            created: Member::Missing,
        };
    };
    let data = get(object, "data");
    let data_object = data
        .as_ref()
        .and_then(|data| data.cast::<PyDict>().ok().and_then(|d| get(d, "object")));
    Envelope {
        top_level: Member::Object,
        id: member(get(object, "id").as_ref()),
        event_type: member(get(object, "type").as_ref()),
        data: member(data.as_ref()),
        data_object: member(data_object.as_ref()),
        created: member(get(object, "created").as_ref()),
    }
}

fn member(value: Option<&Bound<'_, PyAny>>) -> Member {
    let Some(value) = value else {
        return Member::Missing;
    };
    if value.is_none() {
        Member::Null
    } else if value.cast::<PyBool>().is_ok() {
        Member::Bool
    } else if value.cast::<PyInt>().is_ok() || value.cast::<PyFloat>().is_ok() {
        // An int beyond f64 breaks the `created` rule alike.
        Member::Number(value.extract::<f64>().unwrap_or(f64::NAN))
    } else if value.cast::<PyString>().is_ok() {
        // The rule reads no more of a string than whether it is empty.
        if value.len().map_or(true, |n| n == 0) {
            Member::EmptyString
        } else {
            Member::String
        }
    } else if value.cast::<PyList>().is_ok() {
        Member::Array
    } else {
        Member::Object
    }
}

/// The member name under which `serde_json`, with the `arbitrary_precision`
/// feature this crate turns on, hands a number over as a one-member map;
/// `tests/test_api.py` fails should a `serde_json` upgrade change it.
const SERDE_JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// One JSON value, built as a Python object.
#[derive(Clone, Copy)]
struct Build<'k, 'de, 'py> {
    py: Python<'py>,
    keys: &'k Keys<'de, 'py>,
}

fn python<E: de::Error>(error: PyErr) -> E {
    E::custom(error)
}

impl<'k, 'de, 'py> DeserializeSeed<'de> for Build<'k, 'de, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'k, 'de, 'py> Visitor<'de> for Build<'k, 'de, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.py, value).to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.py, value).into_any())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.py, value).into_any())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.py, value).into_any())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.py, value).into_any())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.py);
        while let Some(item) = seq.next_element_seed(self)? {
            list.append(item).map_err(python)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.py);
        while let Some(key) = map.next_key_seed(KeySeed {
            py: self.py,
            keys: self.keys,
        })? {
            match key {
                // With `arbitrary_precision` (which the core turns on), serde_json
                // hands a number over as a one-member map under this name.
                Key::Number => return map.next_value_seed(Number { py: self.py }),
                Key::Name(name) => {
                    let value = map.next_value_seed(self)?;
                    dict.set_item(name, value).map_err(python)?;
                }
            }
        }
        Ok(dict.into_any())
    }
}

/// A member name, or serde_json's token for a number.
enum Key<'py> {
    Number,
    Name(Bound<'py, PyString>),
}

/// Reads a member name without an intermediate `String`.
#[derive(Clone, Copy)]
struct KeySeed<'k, 'de, 'py> {
    py: Python<'py>,
    keys: &'k Keys<'de, 'py>,
}

impl<'k, 'de, 'py> DeserializeSeed<'de> for KeySeed<'k, 'de, 'py> {
    type Value = Key<'py>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'py>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'k, 'de, 'py> Visitor<'de> for KeySeed<'k, 'de, 'py> {
    type Value = Key<'py>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Key<'py>, E> {
        if name == SERDE_JSON_NUMBER_TOKEN {
            return Ok(Key::Number);
        }
        let mut keys = self.keys.borrow_mut();
        let key = keys
            .entry(name)
            .or_insert_with(|| PyString::new(self.py, name));
        Ok(Key::Name(key.clone()))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key<'py>, E> {
        Ok(if name == SERDE_JSON_NUMBER_TOKEN {
            Key::Number
        } else {
            Key::Name(PyString::new(self.py, name))
        })
    }
}

/// The text of an arbitrary-precision number, built as `json.loads` does:
/// an `int` of any size without `.`, `e` or `E`, else a correctly rounded `float`.
struct Number<'py> {
    py: Python<'py>,
}

impl<'de, 'py> DeserializeSeed<'de> for Number<'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Number<'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        let py = self.py;
        if text.contains(['.', 'e', 'E']) {
            let value: f64 = text.parse().map_err(E::custom)?;
            return Ok(PyFloat::new(py, value).into_any());
        }
        if let Ok(value) = text.parse::<i64>() {
            return Ok(PyInt::new(py, value).into_any());
        }
        let int = py.get_type::<PyInt>();
        int.call1((text,)).map_err(python)
    }
}
