//! The Python classes an event is built with: the event, its `data` and
//! `data.object` become instances of the classes `payvost._event` names for
//! the event's type (`PaymentEvent`, `PaymentEventData`, `Payment`, ...),
//! so that item and attribute access give the same objects. Deeper values
//! stay the plain dicts and lists `json.loads` makes.

use payvost_webhooks::bindings::Place;
use pyo3::exceptions::PyKeyError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};

/// `payvost._event._classes()`: event type name to (event, data, object)
/// classes, and `""` for the types the package does not know.
static CLASSES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Bound<'_, PyDict>> {
    let classes = CLASSES.get_or_try_init(py, || {
        let classes = py.import("payvost._event")?.getattr("_classes")?.call0()?;
        Ok::<_, PyErr>(classes.cast_into::<PyDict>()?.unbind())
    })?;
    Ok(classes.bind(py))
}

/// The classes of one event type: the event's, its `data`'s, its `data.object`'s.
pub struct Classes<'py> {
    event: Bound<'py, PyAny>,
    data: Bound<'py, PyAny>,
    object: Bound<'py, PyAny>,
}

impl<'py> Classes<'py> {
    /// The classes of an event whose `type` member is `event_type`: those
    /// of `""` for a value that names no known type.
    pub fn of(event_type: &Bound<'py, PyAny>) -> PyResult<Self> {
        let py = event_type.py();
        let classes = classes(py)?;
        // A dict lookup by an unhashable value (a list) raises: it names no type.
        let entry = match classes.get_item(event_type).ok().flatten() {
            Some(entry) => entry,
            None => classes
                .get_item(intern!(py, ""))?
                .ok_or_else(|| PyKeyError::new_err("payvost._event._classes() has no \"\""))?,
        };
        let (event, data, object) = entry.extract()?;
        Ok(Classes {
            event,
            data,
            object,
        })
    }

    /// A new, empty object of the class of `place`.
    pub fn empty(&self, place: Place) -> PyResult<Bound<'py, PyDict>> {
        let class = match place {
            Place::Event => &self.event,
            Place::Data => &self.data,
            Place::DataObject => &self.object,
        };
        Ok(class.call0()?.cast_into::<PyDict>()?)
    }
}

/// The event `json.loads` would build, as the classes of its type: `data`
/// and `data.object` made of their classes while building (the type came
/// first) are kept, others copied into them. The envelope has been judged:
/// `data` and `data.object` are objects.
pub fn typed<'py>(event: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = event.py();
    let top = event.cast_into::<PyDict>()?;
    let member =
        |dict: &Bound<'py, PyDict>, name: &Bound<'py, PyString>| -> PyResult<Bound<'py, PyAny>> {
            dict.get_item(name)?
                .ok_or_else(|| PyKeyError::new_err(name.clone().unbind()))
        };
    let classes = Classes::of(&member(&top, intern!(py, "type"))?)?;
    let of_class =
        |value: Bound<'py, PyAny>, class: &Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
            if value.get_type().is(class) {
                Ok(value)
            } else {
                class.call1((value,))
            }
        };
    let data = of_class(member(&top, intern!(py, "data"))?, &classes.data)?;
    let data = data.cast_into::<PyDict>()?;
    let object = of_class(member(&data, intern!(py, "object"))?, &classes.object)?;
    data.set_item(intern!(py, "object"), object)?;
    let event = classes.event.call1((top,))?;
    event.set_item(intern!(py, "data"), data)?;
    Ok(event)
}
