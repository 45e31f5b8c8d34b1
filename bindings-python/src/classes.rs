//! The Python classes an event is built with: the event, its `data` and
//! `data.object` become instances of the classes `payvost._event` names for
//! the event's type (`PaymentEvent`, `PaymentEventData`, `Payment`, ...),
//! so that item and attribute access give the same objects. Deeper values
//! stay the plain dicts and lists `json.loads` makes.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};
use pyo3::{PyTypeInfo, intern};

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

/// The event `json.loads` would build, as the classes of its type. The
/// envelope has been judged: `data` and `data.object` are objects.
pub fn typed<'py>(event: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = event.py();
    let top = event.cast_into::<PyDict>()?;
    let member =
        |dict: &Bound<'py, PyDict>, name: &Bound<'py, PyString>| -> PyResult<Bound<'py, PyAny>> {
            dict.get_item(name)?
                .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.clone().unbind()))
        };
    let classes = classes(py)?;
    let event_type = member(&top, intern!(py, "type"))?;
    let entry = match classes.get_item(&event_type)? {
        Some(entry) => entry,
        None => member(classes, intern!(py, ""))?,
    };
    let (event_class, data_class, object_class): (
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
    ) = entry.extract()?;
    let data = member(&top, intern!(py, "data"))?.cast_into::<PyDict>()?;
    let object = object_class.call1((member(&data, intern!(py, "object"))?,))?;
    let data = data_class.call1((data,))?;
    data.set_item(intern!(py, "object"), object)?;
    let event = event_class.call1((top,))?;
    event.set_item(intern!(py, "data"), data)?;
    debug_assert!(event.is_instance(&PyDict::type_object(py)).unwrap_or(false));
    Ok(event)
}
