//! Building a language's own values from a payload, in the scanner's one
//! pass: for doors that hand users a tree (Python's dicts and lists), so
//! that they neither parse the JSON a second time nor bring a grammar of
//! their own. The grammar, the limits and the envelope rules stay the
//! scanner's and the envelope's: this file only says what to build.

use super::envelope::{Envelope, Member};
use super::scan::{Cursor, Decoded, Scan, Stop};
use crate::error::Error;
use crate::json;

/// Makes one language's values for [`build_event`]: a JSON object is made
/// by [`Builder::object`], filled member by member, then finished.
///
/// Names and strings arrive decoded; numbers arrive as the text the payload
/// spells, so a builder keeps big integers exact. When a name repeats, the
/// builder sees both members in order; making the last one win, as every
/// door's parser does, is the builder's part (a map insert does it).
pub trait Builder {
    /// Any JSON value.
    type Value;
    /// An object being filled.
    type Object;
    /// An array being filled.
    type Array;
    /// Why the builder could not go on; [`build_event`] stops and returns it.
    type Error;

    /// `null`.
    fn null(&mut self) -> Result<Self::Value, Self::Error>;
    /// `true` or `false`.
    fn boolean(&mut self, value: bool) -> Result<Self::Value, Self::Error>;
    /// A number, as the payload spells it (`-12`, `1.5e3`, `123456789012345678901234567890`).
    fn number(&mut self, text: &str) -> Result<Self::Value, Self::Error>;
    /// A string, decoded.
    fn string(&mut self, text: &str) -> Result<Self::Value, Self::Error>;
    /// A new, empty object.
    fn object(&mut self) -> Result<Self::Object, Self::Error>;
    /// A new, empty object at one of the envelope's places, for a builder
    /// that makes those of kinds of their own; by default [`Builder::object`].
    fn envelope_object(&mut self, place: Place) -> Result<Self::Object, Self::Error> {
        let _ = place;
        self.object()
    }
    /// Adds a member to `object`.
    fn member(
        &mut self,
        object: &mut Self::Object,
        name: &str,
        value: Self::Value,
    ) -> Result<(), Self::Error>;
    /// The object, filled.
    fn end_object(&mut self, object: Self::Object) -> Result<Self::Value, Self::Error>;
    /// A new, empty array.
    fn array(&mut self) -> Result<Self::Array, Self::Error>;
    /// Adds an element to `array`.
    fn element(&mut self, array: &mut Self::Array, value: Self::Value) -> Result<(), Self::Error>;
    /// The array, filled.
    fn end_array(&mut self, array: Self::Array) -> Result<Self::Value, Self::Error>;
}

/// Where an object stands in an event (protocol §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The event itself, the top level.
    Event,
    /// The top-level `data`.
    Data,
    /// `data.object`, the object the event is about.
    DataObject,
}

/// Why [`build_event`] stopped.
#[derive(Debug, PartialEq)]
pub enum BuildError<E> {
    /// The payload is not an event: `payload_invalid_json` or
    /// `payload_invalid_event`, exactly as [`crate::Event::from_slice`] says.
    Payload(Error),
    /// The builder said to stop.
    Builder(E),
}

/// Builds the value of an authenticated `payload` with `builder`, in one
/// pass that also checks it is an event (protocol §5): the same grammar,
/// limits, rules and errors as [`crate::Event::from_slice`].
///
/// ```
/// use payvost_webhooks::bindings::{BuildError, Builder, build_event};
///
/// /// Counts values instead of building them.
/// struct Count(usize);
/// impl Builder for Count {
///     type Value = ();
///     type Object = ();
///     type Array = ();
///     type Error = core::convert::Infallible;
///     fn null(&mut self) -> Result<(), Self::Error> { self.0 += 1; Ok(()) }
///     fn boolean(&mut self, _: bool) -> Result<(), Self::Error> { self.0 += 1; Ok(()) }
///     fn number(&mut self, _: &str) -> Result<(), Self::Error> { self.0 += 1; Ok(()) }
///     fn string(&mut self, _: &str) -> Result<(), Self::Error> { self.0 += 1; Ok(()) }
///     fn object(&mut self) -> Result<(), Self::Error> { Ok(()) }
///     fn member(&mut self, _: &mut (), _: &str, _: ()) -> Result<(), Self::Error> { Ok(()) }
///     fn end_object(&mut self, _: ()) -> Result<(), Self::Error> { self.0 += 1; Ok(()) }
///     fn array(&mut self) -> Result<(), Self::Error> { Ok(()) }
///     fn element(&mut self, _: &mut (), _: ()) -> Result<(), Self::Error> { Ok(()) }
///     fn end_array(&mut self, _: ()) -> Result<(), Self::Error> { self.0 += 1; Ok(()) }
/// }
///
/// let mut count = Count(0);
/// build_event(br#"{"id":"evt_1","type":"x","data":{"object":{"n":[1,2]}}}"#, &mut count).unwrap();
/// assert_eq!(count.0, 8);
/// let Err(BuildError::Payload(error)) = build_event(br#"{"id":"evt_1"}"#, &mut Count(0)) else { panic!() };
/// assert_eq!(error.code(), "payload_invalid_event");
/// ```
///
/// # Errors
///
/// [`BuildError::Payload`] when the payload is not an event;
/// [`BuildError::Builder`] with the builder's own error.
pub fn build_event<B: Builder>(
    payload: &[u8],
    builder: &mut B,
) -> Result<B::Value, BuildError<B::Error>> {
    let json = json::utf8(payload).map_err(BuildError::Payload)?;
    let mut walk = Walk {
        cursor: Cursor::new(json),
        builder,
        failed: None,
        envelope: Envelope {
            top_level: Member::Missing,
            id: Member::Missing,
            event_type: Member::Missing,
            data: Member::Missing,
            data_object: Member::Missing,
            created: Member::Missing,
        },
    };
    match walk.top() {
        Ok(value) => {
            walk.envelope.check().map_err(BuildError::Payload)?;
            Ok(value)
        }
        Err(Stop) => Err(match walk.failed.take() {
            Some(error) => BuildError::Builder(error),
            None => BuildError::Payload(walk.cursor.problem(json)),
        }),
    }
}

/// Where a value stands: an envelope place, whose object's members may be
/// noted, or anywhere else.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Top,
    Data,
    DataObject,
    Other,
}

struct Walk<'a, 'b, B: Builder> {
    cursor: Cursor<'a>,
    builder: &'b mut B,
    failed: Option<B::Error>,
    envelope: Envelope,
}

impl<B: Builder> Walk<'_, '_, B> {
    /// The builder's answer, its error kept for [`build_event`] to return.
    fn built<T>(&mut self, result: Result<T, B::Error>) -> Scan<T> {
        result.map_err(|error| {
            self.failed = Some(error);
            Stop
        })
    }

    fn top(&mut self) -> Scan<B::Value> {
        self.cursor.whitespace();
        let start = self.cursor.pos;
        let value = self.value(Role::Top)?;
        self.envelope.top_level = self.kind(start, false);
        self.cursor.whitespace();
        if self.cursor.pos < self.cursor.bytes.len() {
            return Err(self.cursor.fail("unexpected text after the JSON value"));
        }
        Ok(value)
    }

    /// The kind of the value that spans from `start` to here; with
    /// `number`, a number's value too (only `created` needs it).
    fn kind(&self, start: usize, number: bool) -> Member {
        let text = self
            .cursor
            .json
            .get(start..self.cursor.pos)
            .unwrap_or_default();
        match super::scan::kind_of_text(text) {
            Member::Number(_) if number => Decoded::of(Some(text)).member(),
            kind => kind,
        }
    }

    fn value(&mut self, role: Role) -> Scan<B::Value> {
        let start = self.cursor.pos;
        let built = match self.cursor.next_byte()? {
            b'{' => return self.object(role),
            b'[' => return self.array(),
            b'"' => {
                let text = self.cursor.string_text()?;
                self.builder.string(&text)
            }
            b't' => {
                self.cursor.literal(b"true")?;
                self.builder.boolean(true)
            }
            b'f' => {
                self.cursor.literal(b"false")?;
                self.builder.boolean(false)
            }
            b'n' => {
                self.cursor.literal(b"null")?;
                self.builder.null()
            }
            b'-' | b'0'..=b'9' => {
                self.cursor.number()?;
                let text = self
                    .cursor
                    .json
                    .get(start..self.cursor.pos)
                    .unwrap_or_default();
                self.builder.number(text)
            }
            _ => return Err(self.cursor.fail("expected a value")),
        };
        self.built(built)
    }

    fn object(&mut self, role: Role) -> Scan<B::Value> {
        if role == Role::Data {
            // A later `data` replaces an earlier one, its `object` included.
            self.envelope.data_object = Member::Missing;
        }
        let made = match role {
            Role::Top => self.builder.envelope_object(Place::Event),
            Role::Data => self.builder.envelope_object(Place::Data),
            Role::DataObject => self.builder.envelope_object(Place::DataObject),
            Role::Other => self.builder.object(),
        };
        let mut object = self.built(made)?;
        let mut done = self.cursor.open(b'}')?;
        while !done {
            let name = self.cursor.name_text()?;
            let child = match role {
                Role::Top if name == "data" => Role::Data,
                Role::Data if name == "object" => Role::DataObject,
                _ => Role::Other,
            };
            let start = self.cursor.pos;
            let value = self.value(child)?;
            if let Role::Top | Role::Data = role {
                self.note(role, &name, start);
            }
            let added = self.builder.member(&mut object, &name, value);
            self.built(added)?;
            done = self
                .cursor
                .next(b'}', "expected ',' or '}' after a member")?;
        }
        let finished = self.builder.end_object(object);
        self.built(finished)
    }

    /// Notes the kind of an envelope member, the value that spans from `start` to here.
    fn note(&mut self, role: Role, name: &str, start: usize) {
        match (role, name) {
            (Role::Top, "id") => self.envelope.id = self.kind(start, false),
            (Role::Top, "type") => self.envelope.event_type = self.kind(start, false),
            (Role::Top, "created") => self.envelope.created = self.kind(start, true),
            (Role::Top, "data") => self.envelope.data = self.kind(start, false),
            (Role::Data, "object") => self.envelope.data_object = self.kind(start, false),
            _ => {}
        }
    }

    fn array(&mut self) -> Scan<B::Value> {
        let made = self.builder.array();
        let mut array = self.built(made)?;
        let mut done = self.cursor.open(b']')?;
        while !done {
            let value = self.value(Role::Other)?;
            let added = self.builder.element(&mut array, value);
            self.built(added)?;
            done = self
                .cursor
                .next(b']', "expected ',' or ']' after an element")?;
        }
        let finished = self.builder.end_array(array);
        self.built(finished)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;
    use serde_json::{Map, Value};

    /// Builds `serde_json` values, and keeps each number's text as given.
    #[derive(Default)]
    struct Values {
        numbers: Vec<String>,
    }

    impl Builder for Values {
        type Value = Value;
        type Object = Map<String, Value>;
        type Array = Vec<Value>;
        type Error = &'static str;

        fn null(&mut self) -> Result<Value, Self::Error> {
            Ok(Value::Null)
        }
        fn boolean(&mut self, value: bool) -> Result<Value, Self::Error> {
            Ok(Value::Bool(value))
        }
        fn number(&mut self, text: &str) -> Result<Value, Self::Error> {
            self.numbers.push(text.to_string());
            // Beyond f64 (`1e400`) serde_json without `arbitrary_precision` reads nothing.
            Ok(serde_json::from_str(text).unwrap_or(Value::Null))
        }
        fn string(&mut self, text: &str) -> Result<Value, Self::Error> {
            Ok(Value::String(text.to_string()))
        }
        fn object(&mut self) -> Result<Self::Object, Self::Error> {
            Ok(Map::new())
        }
        fn member(
            &mut self,
            object: &mut Self::Object,
            name: &str,
            value: Value,
        ) -> Result<(), Self::Error> {
            object.insert(name.to_string(), value);
            Ok(())
        }
        fn end_object(&mut self, object: Self::Object) -> Result<Value, Self::Error> {
            Ok(Value::Object(object))
        }
        fn array(&mut self) -> Result<Self::Array, Self::Error> {
            Ok(Vec::new())
        }
        fn element(&mut self, array: &mut Self::Array, value: Value) -> Result<(), Self::Error> {
            array.push(value);
            Ok(())
        }
        fn end_array(&mut self, array: Self::Array) -> Result<Value, Self::Error> {
            Ok(Value::Array(array))
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Building decides as the scan does, error for error, and what it
        /// builds is what `serde_json` parses.
        #[test]
        fn building_agrees_with_the_scan_and_with_serde_json(body in super::super::scan::tests::bodies()) {
            let built = build_event(body.as_bytes(), &mut Values::default());
            match super::super::Event::from_slice(body.as_bytes()) {
                Ok(_) => match serde_json::from_str::<Value>(&body) {
                    Ok(expected) => proptest::prop_assert_eq!(built, Ok(expected)),
                    // A number beyond f64, which only the text keeps.
                    Err(_) => proptest::prop_assert!(built.is_ok()),
                },
                Err(error) => proptest::prop_assert_eq!(built, Err(BuildError::Payload(error))),
            }
        }
    }

    #[test]
    fn the_last_data_decides_even_without_an_object() {
        let body = br#"{"id":"e","type":"t","data":{"object":{}},"data":{"other":1}}"#;
        let Err(BuildError::Payload(error)) = build_event(body, &mut Values::default()) else {
            panic!("an event whose last data has no object")
        };
        assert_eq!(error.code(), "payload_invalid_event");
        assert_eq!(
            Err(error),
            super::super::Event::from_slice(body).map(|_| ())
        );
    }

    #[test]
    fn a_builder_error_stops_the_walk() {
        struct Refuse;
        impl Builder for Refuse {
            type Value = ();
            type Object = ();
            type Array = ();
            type Error = usize;
            fn null(&mut self) -> Result<(), usize> {
                Ok(())
            }
            fn boolean(&mut self, _: bool) -> Result<(), usize> {
                Ok(())
            }
            fn number(&mut self, text: &str) -> Result<(), usize> {
                Err(text.len())
            }
            fn string(&mut self, _: &str) -> Result<(), usize> {
                Ok(())
            }
            fn object(&mut self) -> Result<(), usize> {
                Ok(())
            }
            fn member(&mut self, _: &mut (), _: &str, _: ()) -> Result<(), usize> {
                Ok(())
            }
            fn end_object(&mut self, _: ()) -> Result<(), usize> {
                Ok(())
            }
            fn array(&mut self) -> Result<(), usize> {
                Ok(())
            }
            fn element(&mut self, _: &mut (), _: ()) -> Result<(), usize> {
                Ok(())
            }
            fn end_array(&mut self, _: ()) -> Result<(), usize> {
                Ok(())
            }
        }
        let body = br#"{"id":"e","type":"t","data":{"object":{"n":12345}}}"#;
        assert_eq!(build_event(body, &mut Refuse), Err(BuildError::Builder(5)));
    }

    #[test]
    fn numbers_arrive_as_written() {
        let body = br#"{"id":"e","type":"t","created":1.764e9,"data":{"object":{"n":123456789012345678901234567890,"x":-0.0}}}"#;
        let mut values = Values::default();
        assert!(build_event(body, &mut values).is_ok());
        assert_eq!(
            values.numbers,
            ["1.764e9", "123456789012345678901234567890", "-0.0"]
        );
    }

    #[test]
    fn the_envelope_objects_are_made_at_their_places() {
        /// Values; objects named by their place.
        #[derive(Default)]
        struct Places(Vec<Option<Place>>);
        impl Builder for Places {
            type Value = ();
            type Object = ();
            type Array = ();
            type Error = ();
            fn null(&mut self) -> Result<(), ()> {
                Ok(())
            }
            fn boolean(&mut self, _: bool) -> Result<(), ()> {
                Ok(())
            }
            fn number(&mut self, _: &str) -> Result<(), ()> {
                Ok(())
            }
            fn string(&mut self, _: &str) -> Result<(), ()> {
                Ok(())
            }
            fn object(&mut self) -> Result<(), ()> {
                self.0.push(None);
                Ok(())
            }
            fn envelope_object(&mut self, place: Place) -> Result<(), ()> {
                self.0.push(Some(place));
                Ok(())
            }
            fn member(&mut self, _: &mut (), _: &str, _: ()) -> Result<(), ()> {
                Ok(())
            }
            fn end_object(&mut self, _: ()) -> Result<(), ()> {
                Ok(())
            }
            fn array(&mut self) -> Result<(), ()> {
                Ok(())
            }
            fn element(&mut self, _: &mut (), _: ()) -> Result<(), ()> {
                Ok(())
            }
            fn end_array(&mut self, _: ()) -> Result<(), ()> {
                Ok(())
            }
        }
        let body = br#"{"id":"e","type":"t","meta":{"data":{"object":{}}},"data":{"x":{},"object":{"object":{}}}}"#;
        let mut places = Places::default();
        assert_eq!(build_event(body, &mut places), Ok(()));
        assert_eq!(
            places.0,
            [
                Some(Place::Event),
                None,
                None,
                None,
                Some(Place::Data),
                None,
                Some(Place::DataObject),
                None
            ]
        );
    }
}
