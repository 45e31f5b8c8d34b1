//! The raw scanner: one `serde_json` pass over the payload text that checks
//! its grammar, reads the members the envelope rules name, and notes where
//! the typed views' fields lie, while every other value is skipped unread.
//! No tree is built and no number is converted but `created`, so the crate
//! needs none of `serde_json`'s optional features.

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt;
use core::ops::Range;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;

use super::envelope::{Envelope, Member};
use super::fast;
use super::objects::{Field, FieldSpans};
use super::types::EventType;
use crate::error::Error;
use crate::json;

/// What the scan keeps of `data.object`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Where the typed views' fields lie.
    Fields,
    /// Where the object itself lies.
    Span,
}

/// A payload judged an event, as the scan left it.
pub(crate) struct Scanned<'a> {
    pub(crate) json: &'a str,
    pub(crate) id: Cow<'a, str>,
    pub(crate) event_type: EventType,
    pub(crate) created: Option<i64>,
    pub(crate) data_object: Option<Range<usize>>,
    pub(crate) fields: FieldSpans,
    pub(crate) previous_attributes: Option<Range<usize>>,
}

/// Checks, in one pass that builds no tree, that `payload` is a JSON object
/// holding an event (protocol §5), keeping of `data.object` what `keep` says.
pub(crate) fn scan(payload: &[u8], keep: Keep) -> Result<Scanned<'_>, Error> {
    let json = json::utf8(payload)?;
    let members = match fast::scan(json, keep) {
        Some(members) => members,
        None => serde_scan(json, keep)?,
    };
    let id = Decoded::of(members.id);
    let event_type = Decoded::of(members.event_type);
    let created = Decoded::of(members.created);
    let data = members.data.unwrap_or_default();
    let envelope = Envelope {
        top_level: kind_of_text(json),
        id: id.member(),
        event_type: event_type.member(),
        data: data.kind,
        data_object: data.object,
        created: created.member(),
    };
    let created = envelope.check()?;
    Ok(Scanned {
        json,
        event_type: EventType::from_name(event_type.text()),
        id: id.into_text(),
        created,
        data_object: data.object_span,
        fields: data.fields,
        previous_attributes: data.previous_attributes,
    })
}

/// The `serde_json` pass: the judge of every payload the fast path
/// declines, and the author of its error messages.
fn serde_scan(json: &str, keep: Keep) -> Result<Members<'_>, Error> {
    let members = if first_byte(json) == Some(b'{') {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let members = Top { base: json, keep }
            .deserialize(&mut deserializer)
            .map_err(json::invalid)?;
        deserializer.end().map_err(json::invalid)?;
        members
    } else {
        // Not an object: settle whether it is JSON at all, for the message.
        serde_json::from_str::<IgnoredAny>(json).map_err(json::invalid)?;
        Members::default()
    };
    json::limits(json)?;
    Ok(members)
}

fn first_byte(json: &str) -> Option<u8> {
    json.trim_start_matches([' ', '\t', '\n', '\r'])
        .as_bytes()
        .first()
        .copied()
}

/// The kind of grammatical JSON text, from its first byte.
pub(super) fn kind_of_text(text: &str) -> Member {
    match first_byte(text) {
        Some(b'n') => Member::Null,
        Some(b't' | b'f') => Member::Bool,
        Some(b'"') if text.trim_matches([' ', '\t', '\n', '\r']) == "\"\"" => Member::EmptyString,
        Some(b'"') => Member::String,
        Some(b'[') => Member::Array,
        Some(b'{') => Member::Object,
        _ => Member::Number(f64::NAN),
    }
}

/// Where `raw`, which the scan borrowed from `base`, lies in it.
fn span_in(base: &str, raw: &RawValue) -> Range<usize> {
    let start = (raw.get().as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
    start..start.saturating_add(raw.get().len())
}

/// A member read as borrowed text, decoded where the rules need its value.
enum Decoded<'a> {
    Missing,
    Text(Cow<'a, str>),
    Number(f64),
    Other(Member),
}

impl<'a> Decoded<'a> {
    fn of(raw: Option<&'a str>) -> Self {
        let Some(raw) = raw else {
            return Decoded::Missing;
        };
        match kind_of_text(raw) {
            Member::String | Member::EmptyString => {
                match serde_json::from_str::<&'a str>(raw) {
                    Ok(text) => Decoded::Text(Cow::Borrowed(text)),
                    // Escapes: the text must be decoded into a buffer of its own.
                    Err(_) => serde_json::from_str::<String>(raw)
                        .map_or(Decoded::Other(Member::Null), |text| {
                            Decoded::Text(Cow::Owned(text))
                        }),
                }
            }
            // Rust's own float parser rounds correctly (ties to even), as
            // JavaScript's and Python's do, so every door judges the same
            // value; serde_json's faster parser may be off by one ulp. A JSON
            // number is valid input to it; one too large reads as infinity,
            // which breaks the rule as NaN would.
            Member::Number(_) => Decoded::Number(raw.parse::<f64>().unwrap_or(f64::NAN)),
            other => Decoded::Other(other),
        }
    }

    fn member(&self) -> Member {
        match self {
            Decoded::Missing => Member::Missing,
            Decoded::Text(text) => Member::string(text),
            Decoded::Number(n) => Member::Number(*n),
            Decoded::Other(member) => *member,
        }
    }

    fn text(&self) -> &str {
        match self {
            Decoded::Text(text) => text,
            _ => "",
        }
    }

    fn into_text(self) -> Cow<'a, str> {
        match self {
            Decoded::Text(text) => text,
            _ => Cow::Borrowed(""),
        }
    }
}

/// The members of the top level an event is judged by, as JSON text.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Members<'a> {
    pub(super) id: Option<&'a str>,
    pub(super) event_type: Option<&'a str>,
    pub(super) data: Option<Data>,
    pub(super) created: Option<&'a str>,
}

/// What the scan learnt of `data`.
#[derive(Debug, PartialEq)]
pub(super) struct Data {
    pub(super) kind: Member,
    pub(super) object: Member,
    pub(super) object_span: Option<Range<usize>>,
    pub(super) fields: FieldSpans,
    pub(super) previous_attributes: Option<Range<usize>>,
}

impl Default for Data {
    fn default() -> Self {
        Data::of_kind(Member::Missing)
    }
}

impl Data {
    pub(super) fn of_kind(kind: Member) -> Self {
        Data {
            kind,
            object: Member::Missing,
            object_span: None,
            fields: FieldSpans::default(),
            previous_attributes: None,
        }
    }
}

/// The member names that matter; every other member is skipped unread.
#[derive(Clone, Copy)]
pub(super) enum Name {
    Type,
    Data,
    Created,
    Object,
    PreviousAttributes,
    /// `serde_json`'s name for a number handed over as a one-member map,
    /// when a crate elsewhere in the build turns `arbitrary_precision` on.
    NumberToken,
    /// `id`, and the other members a typed view reads.
    Field(Field),
    Other,
}

/// The name `serde_json` gives an arbitrary-precision number's one member.
const SERDE_JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl Name {
    pub(super) fn of(name: &str) -> Name {
        match name {
            "type" => Name::Type,
            "data" => Name::Data,
            "created" => Name::Created,
            "object" => Name::Object,
            "previous_attributes" => Name::PreviousAttributes,
            SERDE_JSON_NUMBER_TOKEN => Name::NumberToken,
            other => Field::from_name(other).map_or(Name::Other, Name::Field),
        }
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Names;
        impl Visitor<'_> for Names {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name, E> {
                Ok(Name::of(name))
            }
        }
        deserializer.deserialize_identifier(Names)
    }
}

/// The top level.
struct Top<'de> {
    base: &'de str,
    keep: Keep,
}

impl<'de> DeserializeSeed<'de> for Top<'de> {
    type Value = Members<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Members<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'de> {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    // Duplicate members: the last one wins, as in JSON.parse and json.loads.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
        let mut members = Members::default();
        while let Some(name) = map.next_key::<Name>()? {
            match name {
                Name::Field(Field::Id) => members.id = Some(raw_text(&mut map)?),
                Name::Type => members.event_type = Some(raw_text(&mut map)?),
                Name::Created => members.created = Some(raw_text(&mut map)?),
                Name::Data => {
                    let seed = DataSeed {
                        base: self.base,
                        keep: self.keep,
                    };
                    members.data = Some(map.next_value_seed(seed)?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(members)
    }
}

/// The next value's JSON text.
fn raw_text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<&'de str, A::Error> {
    Ok(map.next_value::<&'de RawValue>()?.get())
}

/// `data`: its kind, and when it is an object, its `object` and
/// `previous_attributes` members.
struct DataSeed<'de> {
    base: &'de str,
    keep: Keep,
}

impl<'de> DeserializeSeed<'de> for DataSeed<'de> {
    type Value = Data;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Data, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'de> {
    type Value = Data;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Data, E> {
        Ok(Data::of_kind(Member::Null))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Data, E> {
        Ok(Data::of_kind(Member::Bool))
    }
    // The value of a number where an object belongs is never read, and
    // `kind_of_text` (the fast path's way) leaves it NaN too.
    fn visit_i64<E>(self, _: i64) -> Result<Data, E> {
        Ok(Data::of_kind(Member::Number(f64::NAN)))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Data, E> {
        Ok(Data::of_kind(Member::Number(f64::NAN)))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Data, E> {
        Ok(Data::of_kind(Member::Number(f64::NAN)))
    }
    fn visit_str<E>(self, text: &str) -> Result<Data, E> {
        Ok(Data::of_kind(Member::string(text)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Data, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Data::of_kind(Member::Array))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Data, A::Error> {
        let mut data = Data::of_kind(Member::Object);
        while let Some(name) = map.next_key::<Name>()? {
            match name {
                Name::NumberToken => {
                    map.next_value::<IgnoredAny>()?;
                    return Ok(Data::of_kind(Member::Number(f64::NAN)));
                }
                Name::Object if self.keep == Keep::Span => {
                    let raw = map.next_value::<&RawValue>()?;
                    data.object = kind_of_text(raw.get());
                    data.object_span = Some(span_in(self.base, raw));
                }
                Name::Object => {
                    let seed = ObjectSeed { base: self.base };
                    (data.object, data.fields) = map.next_value_seed(seed)?;
                }
                Name::PreviousAttributes => {
                    let raw = map.next_value::<&RawValue>()?;
                    data.previous_attributes = Some(span_in(self.base, raw));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(data)
    }
}

/// `data.object`: its kind, and where the typed views' fields lie.
struct ObjectSeed<'de> {
    base: &'de str,
}

type ObjectFields = (Member, FieldSpans);

impl<'de> DeserializeSeed<'de> for ObjectSeed<'de> {
    type Value = ObjectFields;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<ObjectFields, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'de> {
    type Value = ObjectFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<ObjectFields, E> {
        Ok((Member::Null, FieldSpans::default()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<ObjectFields, E> {
        Ok((Member::Bool, FieldSpans::default()))
    }
    fn visit_i64<E>(self, _: i64) -> Result<ObjectFields, E> {
        Ok((Member::Number(f64::NAN), FieldSpans::default()))
    }
    fn visit_u64<E>(self, _: u64) -> Result<ObjectFields, E> {
        Ok((Member::Number(f64::NAN), FieldSpans::default()))
    }
    fn visit_f64<E>(self, _: f64) -> Result<ObjectFields, E> {
        Ok((Member::Number(f64::NAN), FieldSpans::default()))
    }
    fn visit_str<E>(self, text: &str) -> Result<ObjectFields, E> {
        Ok((Member::string(text), FieldSpans::default()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ObjectFields, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok((Member::Array, FieldSpans::default()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ObjectFields, A::Error> {
        let mut fields = FieldSpans::default();
        while let Some(name) = map.next_key::<Name>()? {
            match name {
                Name::NumberToken => {
                    map.next_value::<IgnoredAny>()?;
                    return Ok((Member::Number(f64::NAN), FieldSpans::default()));
                }
                Name::Field(field) => {
                    let raw = map.next_value::<&RawValue>()?;
                    fields.set(field, span_in(self.base, raw));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((Member::Object, fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};

    /// A numeric `data` must be named a number whether or not a crate
    /// elsewhere in the build turns on `arbitrary_precision`, which makes
    /// `serde_json` hand numbers over as a one-member map.
    #[test]
    fn a_numeric_data_is_named_a_number() {
        for data in ["5", "-1.5e3", "123456789012345678901234567890"] {
            let body = alloc::format!(r#"{{"id":"evt_1","type":"x","data":{data}}}"#);
            let e = scan(body.as_bytes(), Keep::Fields)
                .err()
                .map(|e| e.to_string());
            assert_eq!(
                e.as_deref(),
                Some(
                    "The payload is authentic JSON but not a Payvost event: `data` must be an object, found a number"
                ),
                "{data}"
            );
        }
    }

    /// Event bodies with a few JSON-significant bytes inserted or removed.
    #[allow(clippy::arithmetic_side_effects)] // lengths of short test strings
    fn bodies() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        const SEEDS: [&str; 6] = [
            r#"{"id":"evt_1","type":"payment.succeeded","created":1764000000,"data":{"object":{"id":"pay_1","amount":2000,"currency":"eur","items":[{"sku":"a","qty":1.5e3}]}}}"#,
            r#" { "id" : "evt_\u0031" , "type":"x", "data" : { "previous_attributes":{"a":[]}, "object" : { "name":"\ud83d\ude00\n", "amount":-0 } } } "#,
            r#"{"id":"e","type":"t","data":{"object":{"currentPeriodStart":12,"email":null,"status":true}},"created":1.5}"#,
            r#"{"\u0069d":"e","type":"","data":[],"created":"x"}"#,
            r#"{"id":"e","type":"t","data":{"object":{"id":"a"},"object":"b"},"data":{"object":{}}}"#,
            r#"{"id":"é","type":"t","data":{"object":{"payment":"x\"y\\","reason":"\/"}}}"#,
        ];
        const TOKENS: [&str; 28] = [
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "0",
            "-",
            ".",
            "e",
            "+",
            " ",
            "\u{1}",
            "\\ud800",
            "\\udc00",
            "\\u0041",
            "1e400",
            "\"id\"",
            "\"data\"",
            "\"object\"",
            "true",
            "nul",
            "\n",
            "é",
            "01",
            "\\x",
        ];
        let mutation = (any::<prop::sample::Index>(), 0..TOKENS.len(), 0usize..3);
        (0..SEEDS.len(), proptest::collection::vec(mutation, 0..4)).prop_map(|(seed, edits)| {
            let mut body = String::from(SEEDS[seed]);
            for (at, token, how) in edits {
                let at = at.index(body.len() + 1);
                if !body.is_char_boundary(at) {
                    continue;
                }
                match how {
                    0 => body.insert_str(at, TOKENS[token]),
                    1 if body.is_char_boundary(at + 1) && at < body.len() => {
                        body.remove(at);
                    }
                    _ => body.insert_str(at, &"[".repeat(130)),
                }
            }
            body
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The fast path accepts exactly the objects the serde pass accepts,
        /// and notes exactly what it notes.
        #[test]
        fn the_fast_path_agrees_with_the_serde_pass(body in bodies()) {
            for keep in [Keep::Fields, Keep::Span] {
                let fast = fast::scan(&body, keep).map(|m| alloc::format!("{m:?}"));
                let serde = serde_scan(&body, keep).ok().map(|m| alloc::format!("{m:?}"));
                if first_byte(&body) == Some(b'{') {
                    proptest::prop_assert_eq!(&fast, &serde, "{}", body);
                } else {
                    proptest::prop_assert!(fast.is_none());
                }
            }
        }
    }

    #[test]
    fn both_keeps_judge_alike() {
        for body in [
            r#"{"id":"evt_1","type":"x","data":{"object":""}}"#,
            r#"{"id":"evt_1","type":"x","data":{"object":"a"}}"#,
            r#"{"id":"evt_1","type":"x","data":{"object":[1]}}"#,
            r#"{"id":"evt_1","type":"x","data":{"object":7}}"#,
            r#"{"id":"evt_1","type":"x","data":{"object":{"id":1},"object":{}}}"#,
        ] {
            let fields = scan(body.as_bytes(), Keep::Fields).map(|s| s.created);
            let span = scan(body.as_bytes(), Keep::Span).map(|s| s.created);
            assert_eq!(fields, span, "{body}");
        }
    }
}
