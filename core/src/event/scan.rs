//! The raw scanner: one pass over the payload's bytes that checks the JSON
//! grammar (RFC 8259), the nesting depth and the surrogate escapes together,
//! reads the members the envelope rules name, and notes where the typed
//! views' fields lie. Every other value is checked and skipped; no tree is
//! built and no number is converted but `created`.
//!
//! The grammar is the one `serde_json` and the doors' parsers (`JSON.parse`,
//! `json.loads`) read: the property tests in this file and in
//! `core/tests/properties.rs` hold the scanner to `serde_json`'s answers.

use alloc::borrow::Cow;
use alloc::string::String;
use core::ops::Range;

use super::envelope::{Envelope, Member};
use super::objects::{Field, FieldSpans};
use super::types::EventType;
use crate::error::Error;
use crate::json::{self, MAX_DEPTH};

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
/// holding an event (protocol §5), noting where `data.object` and the typed
/// views' fields lie.
pub(crate) fn scan(payload: &[u8]) -> Result<Scanned<'_>, Error> {
    let json = json::utf8(payload)?;
    let (top_level, members) = members(json)?;
    let id = Decoded::of(members.id);
    let event_type = Decoded::of(members.event_type);
    let created = Decoded::of(members.created);
    let data = members.data.unwrap_or_default();
    let envelope = Envelope {
        top_level,
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

/// The kind of the top level and, when it is an object, its members.
fn members(json: &str) -> Result<(Member, Members<'_>), Error> {
    let mut cursor = Cursor::new(json);
    scan_members(&mut cursor).map_err(|Stop| cursor.problem(json))
}

fn scan_members<'a>(cursor: &mut Cursor<'a>) -> Scan<(Member, Members<'a>)> {
    cursor.whitespace();
    let mut members = Members::default();
    let top_level = if cursor.peek() == Some(b'{') {
        cursor.named_object(|cursor, name| {
            let text = match name {
                Name::Data => {
                    members.data = Some(cursor.data()?);
                    return Ok(());
                }
                Name::Field(Field::Id) => &mut members.id,
                Name::Type => &mut members.event_type,
                Name::Created => &mut members.created,
                _ => return cursor.value(),
            };
            *text = Some(cursor.spanned_value()?);
            Ok(())
        })?;
        Member::Object
    } else {
        kind_of_text(cursor.spanned_value()?)
    };
    cursor.whitespace();
    if cursor.pos < cursor.bytes.len() {
        return Err(cursor.fail("unexpected text after the JSON value"));
    }
    Ok((top_level, members))
}

/// The kind of grammatical JSON text, from its first byte.
pub(super) fn kind_of_text(text: &str) -> Member {
    match text.as_bytes().first() {
        Some(b'n') => Member::Null,
        Some(b't' | b'f') => Member::Bool,
        Some(b'"') if text == "\"\"" => Member::EmptyString,
        Some(b'"') => Member::String,
        Some(b'[') => Member::Array,
        Some(b'{') => Member::Object,
        _ => Member::Number(f64::NAN),
    }
}

/// The value of a JSON string literal (quotes included) that the scanner
/// accepted: borrowed when it holds no escape.
pub(super) fn string_value(literal: &str) -> Option<Cow<'_, str>> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    let mut text = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some((head, tail)) = rest.split_once('\\') {
        text.push_str(head);
        let (kind, tail) = tail.split_at_checked(1)?;
        rest = tail;
        text.push(match kind {
            "b" => '\u{8}',
            "f" => '\u{c}',
            "n" => '\n',
            "r" => '\r',
            "t" => '\t',
            "u" => {
                let high = hex4(rest)?;
                rest = rest.get(4..)?;
                let unit = if (0xD800..0xDC00).contains(&high) {
                    // The scanner let only a high surrogate then a low one through.
                    let low = hex4(rest.strip_prefix("\\u")?)?;
                    rest = rest.get(6..)?;
                    let pair = (high.checked_sub(0xD800)? << 10) | low.checked_sub(0xDC00)?;
                    pair.checked_add(0x10000)?
                } else {
                    high
                };
                char::from_u32(unit)?
            }
            other => other.chars().next()?, // `"`, `\` and `/` stand for themselves
        });
    }
    text.push_str(rest);
    Some(Cow::Owned(text))
}

fn hex4(text: &str) -> Option<u32> {
    let digits = text.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// How many bytes at the start of `bytes` may stand in a string as they
/// are: up to the first quote, backslash or control character. Sixteen
/// bytes at a time, as most of a payload is strings: `wide` compiles the
/// compares to SSE2 on x86-64, NEON on aarch64 and SIMD128 in WebAssembly
/// built with it, and to plain code elsewhere.
#[inline(always)]
fn plain_run(bytes: &[u8]) -> usize {
    use wide::u8x16;
    let (quote, backslash, control) = (u8x16::splat(b'"'), u8x16::splat(b'\\'), u8x16::splat(0x1f));
    let mut run = 0usize;
    while let Some(lanes) = bytes.get(run..).and_then(<[u8]>::first_chunk::<16>) {
        let x = u8x16::new(*lanes);
        // A byte is a control character when it is at most 0x1f: its minimum with 0x1f is itself.
        let stop = x.cmp_eq(quote) | x.cmp_eq(backslash) | x.cmp_eq(x.min(control));
        let mask = stop.move_mask().unsigned_abs();
        if mask != 0 {
            return run.wrapping_add(mask.trailing_zeros() as usize);
        }
        // Sixteen bytes were read at `run`, so `run + 16` is within the slice.
        run = run.wrapping_add(16);
    }
    let tail = bytes.get(run..).unwrap_or_default();
    run.saturating_add(
        tail.iter()
            .position(|&b| stops_plain(b))
            .unwrap_or(tail.len()),
    )
}

/// Whether `byte` cannot stand in a string as it is.
fn stops_plain(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

/// Why the scan stopped, and where.
#[derive(Debug)]
struct Problem {
    at: usize,
    what: &'static str,
}

impl Problem {
    fn error(&self, json: &str) -> Error {
        match self.what {
            TOO_DEEP => json::too_deep_error(),
            LONE_SURROGATE => json::lone_surrogate(),
            what => {
                let before = json.get(..self.at).unwrap_or(json);
                let line = before.matches('\n').count().saturating_add(1);
                let line_start = before.rfind('\n').map_or(0, |at| at.saturating_add(1));
                let column = before
                    .get(line_start..)
                    .map_or(0, |text| text.chars().count())
                    .saturating_add(1);
                json::invalid(alloc::format!(
                    "it is not valid JSON: {what} at line {line}, column {column}"
                ))
            }
        }
    }
}

const TOO_DEEP: &str = "too deep";
const LONE_SURROGATE: &str = "a lone surrogate";

/// The scan stopped; the cursor holds the [`Problem`]. Carrying nothing
/// keeps every step's result a byte or two, which the hot loops feel.
pub(super) struct Stop;

pub(super) type Scan<T> = Result<T, Stop>;

/// A member read as its JSON text, decoded where the rules need its value.
pub(super) enum Decoded<'a> {
    Missing,
    Text(Cow<'a, str>),
    Number(f64),
    Other(Member),
}

impl<'a> Decoded<'a> {
    pub(super) fn of(text: Option<&'a str>) -> Self {
        let Some(text) = text else {
            return Decoded::Missing;
        };
        match kind_of_text(text) {
            Member::String | Member::EmptyString => {
                string_value(text).map_or(Decoded::Other(Member::Null), Decoded::Text)
            }
            // Rust's own float parser rounds correctly (ties to even), as
            // JavaScript's and Python's do, so every door judges the same
            // value. A JSON number is valid input to it; one too large reads
            // as infinity, which breaks the rule as NaN would.
            Member::Number(_) => Decoded::Number(text.parse::<f64>().unwrap_or(f64::NAN)),
            other => Decoded::Other(other),
        }
    }

    pub(super) fn member(&self) -> Member {
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
struct Members<'a> {
    id: Option<&'a str>,
    event_type: Option<&'a str>,
    data: Option<Data>,
    created: Option<&'a str>,
}

/// What the scan learnt of `data`.
#[derive(Debug, PartialEq)]
struct Data {
    kind: Member,
    object: Member,
    object_span: Option<Range<usize>>,
    fields: FieldSpans,
    previous_attributes: Option<Range<usize>>,
}

impl Default for Data {
    fn default() -> Self {
        Data::of_kind(Member::Missing)
    }
}

impl Data {
    fn of_kind(kind: Member) -> Self {
        Data {
            kind,
            object: Member::Missing,
            object_span: None,
            fields: FieldSpans::default(),
            previous_attributes: None,
        }
    }
}

/// The member names that matter; every other member is skipped.
#[derive(Clone, Copy)]
enum Name {
    Type,
    Data,
    Created,
    Object,
    PreviousAttributes,
    /// `id`, and the other members a typed view reads.
    Field(Field),
    Other,
}

impl Name {
    /// The name a member's JSON string literal spells.
    fn of(literal: &str) -> Name {
        match string_value(literal).as_deref() {
            Some("type") => Name::Type,
            Some("data") => Name::Data,
            Some("created") => Name::Created,
            Some("object") => Name::Object,
            Some("previous_attributes") => Name::PreviousAttributes,
            Some(other) => Field::from_name(other).map_or(Name::Other, Name::Field),
            None => Name::Other,
        }
    }
}

/// Where the scan is in the payload; the grammar's every rule is a method.
///
/// The small rules are `#[inline(always)]`: a payload is mostly short
/// strings and numbers, and a call per token cost a fifth of the scan
/// (18 µs instead of 24 µs at 16 KiB, `bench/README.md`).
pub(super) struct Cursor<'a> {
    pub(super) json: &'a str,
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    depth: usize,
    problem: Option<Problem>,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(json: &'a str) -> Self {
        Cursor {
            json,
            bytes: json.as_bytes(),
            pos: 0,
            depth: 0,
            problem: None,
        }
    }

    /// The error of the problem that stopped the scan.
    pub(super) fn problem(&mut self, json: &str) -> Error {
        self.problem
            .take()
            .unwrap_or(Problem {
                at: self.pos,
                what: "expected a value",
            })
            .error(json)
    }

    #[cold]
    pub(super) fn fail(&mut self, what: &'static str) -> Stop {
        self.fail_at(self.pos, what)
    }

    #[cold]
    fn fail_at(&mut self, at: usize, what: &'static str) -> Stop {
        self.problem = Some(Problem { at, what });
        Stop
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The next byte, or the problem of the payload ending here.
    #[inline]
    pub(super) fn next_byte(&mut self) -> Scan<u8> {
        match self.peek() {
            Some(byte) => Ok(byte),
            None => Err(self.fail("the payload ends too soon")),
        }
    }

    /// Moves past the byte `peek` returned.
    #[inline(always)]
    fn bump(&mut self) {
        // Only after `peek` found a byte, so `pos` is below the length.
        self.pos = self.pos.wrapping_add(1);
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.bump();
        }
        found
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Scan<()> {
        self.next_byte()?;
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.fail(what))
        }
    }

    #[inline(always)]
    pub(super) fn whitespace(&mut self) {
        // Every byte JSON puts between tokens is a space or below it: one
        // comparison sends compact JSON on.
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek().filter(|byte| *byte <= b' ') {
            self.bump();
        }
    }

    /// The text of the value that starts here.
    fn spanned_value(&mut self) -> Scan<&'a str> {
        Ok(self.json.get(self.span_of_value()?).unwrap_or_default())
    }

    fn span_of_value(&mut self) -> Scan<Range<usize>> {
        let start = self.pos;
        self.value()?;
        Ok(start..self.pos)
    }

    fn value(&mut self) -> Scan<()> {
        match self.next_byte()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.fail("expected a value")),
        }
    }

    /// Opens an array or object, the cursor on its bracket; true when it
    /// is already closed (`[]`, `{}`).
    pub(super) fn open(&mut self, close: u8) -> Scan<bool> {
        self.depth = self.depth.saturating_add(1);
        if self.depth > MAX_DEPTH {
            return Err(self.fail(TOO_DEEP));
        }
        self.bump();
        self.whitespace();
        Ok(self.close(close))
    }

    #[inline(always)]
    fn close(&mut self, close: u8) -> bool {
        let closed = self.eat(close);
        if closed {
            self.depth = self.depth.saturating_sub(1);
        }
        closed
    }

    /// After an element: true at the closing bracket, false after a comma.
    #[inline(always)]
    pub(super) fn next(&mut self, close: u8, what: &'static str) -> Scan<bool> {
        self.whitespace();
        self.next_byte()?;
        if self.eat(b',') {
            self.whitespace();
            return Ok(false);
        }
        if self.close(close) {
            Ok(true)
        } else {
            Err(self.fail(what))
        }
    }

    /// A member's name as its JSON string literal, and the colon after it.
    #[inline(always)]
    pub(super) fn name(&mut self) -> Scan<&'a str> {
        let start = self.pos;
        self.name_start()?;
        self.string()?;
        let name = self.json.get(start..self.pos).unwrap_or_default();
        self.colon()?;
        Ok(name)
    }

    /// A member's name, decoded, and the colon after it.
    #[inline(always)]
    pub(super) fn name_text(&mut self) -> Scan<Cow<'a, str>> {
        self.name_start()?;
        let name = self.string_text()?;
        self.colon()?;
        Ok(name)
    }

    #[inline(always)]
    fn name_start(&mut self) -> Scan<()> {
        if self.next_byte()? == b'"' {
            Ok(())
        } else {
            Err(self.fail("expected a member name in double quotes"))
        }
    }

    #[inline(always)]
    fn colon(&mut self) -> Scan<()> {
        self.whitespace();
        self.expect(b':', "expected ':' after a member name")?;
        self.whitespace();
        Ok(())
    }

    fn object(&mut self) -> Scan<()> {
        let mut done = self.open(b'}')?;
        while !done {
            self.name()?;
            self.value()?;
            done = self.next(b'}', "expected ',' or '}' after a member")?;
        }
        Ok(())
    }

    /// An object whose members `member` reads by name, the cursor on each
    /// value. A name is decoded only where it matters.
    fn named_object(&mut self, mut member: impl FnMut(&mut Self, Name) -> Scan<()>) -> Scan<()> {
        let mut done = self.open(b'}')?;
        while !done {
            let name = Name::of(self.name()?);
            member(self, name)?;
            done = self.next(b'}', "expected ',' or '}' after a member")?;
        }
        Ok(())
    }

    fn array(&mut self) -> Scan<()> {
        let mut done = self.open(b']')?;
        while !done {
            self.value()?;
            done = self.next(b']', "expected ',' or ']' after an element")?;
        }
        Ok(())
    }

    /// A string, the cursor on its opening quote; true when it holds an escape.
    #[inline(always)]
    pub(super) fn string(&mut self) -> Scan<bool> {
        self.bump(); // `"`
        let mut escaped = false;
        loop {
            self.pos = self
                .pos
                .wrapping_add(plain_run(self.bytes.get(self.pos..).unwrap_or_default()));
            match self.next_byte()? {
                b'"' => {
                    self.bump();
                    return Ok(escaped);
                }
                b'\\' => {
                    self.bump();
                    self.escape()?;
                    escaped = true;
                }
                _ => return Err(self.fail("a control character must be escaped in a string")),
            }
        }
    }

    /// A string, the cursor on its opening quote, decoded: borrowed from
    /// the payload unless it holds an escape.
    #[inline(always)]
    pub(super) fn string_text(&mut self) -> Scan<Cow<'a, str>> {
        let start = self.pos;
        let escaped = self.string()?;
        let literal = self.json.get(start..self.pos).unwrap_or_default();
        let text = if escaped {
            string_value(literal)
        } else {
            literal
                .get(1..literal.len().saturating_sub(1))
                .map(Cow::Borrowed)
        };
        Ok(text.unwrap_or_default())
    }

    /// The escape after a backslash; a `\u` escape of a UTF-16 surrogate
    /// must be a high one followed by a low one.
    fn escape(&mut self) -> Scan<()> {
        match self.next_byte()? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                self.bump();
                Ok(())
            }
            b'u' => {
                let start = self.pos;
                self.bump();
                match self.hex4()? {
                    0xD800..=0xDBFF => {
                        let low = if self.eat(b'\\') && self.eat(b'u') {
                            self.hex4()?
                        } else {
                            0
                        };
                        if (0xDC00..=0xDFFF).contains(&low) {
                            Ok(())
                        } else {
                            Err(self.fail_at(start, LONE_SURROGATE))
                        }
                    }
                    0xDC00..=0xDFFF => Err(self.fail_at(start, LONE_SURROGATE)),
                    _ => Ok(()),
                }
            }
            _ => Err(self.fail("invalid escape in a string")),
        }
    }

    fn hex4(&mut self) -> Scan<u32> {
        let text = self.json.get(self.pos..).unwrap_or_default();
        let Some(value) = hex4(text) else {
            return Err(self.fail("a \\u escape needs four hex digits"));
        };
        self.pos = self.pos.saturating_add(4);
        Ok(value)
    }

    #[inline(always)]
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.bump();
        }
        self.pos.saturating_sub(start)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    #[inline(always)]
    pub(super) fn number(&mut self) -> Scan<()> {
        let invalid = "invalid number";
        self.eat(b'-');
        match self.next_byte()? {
            b'0' => self.bump(),
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return Err(self.fail(invalid)),
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.fail(invalid));
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            if self.digits() == 0 {
                return Err(self.fail(invalid));
            }
        }
        Ok(())
    }

    pub(super) fn literal(&mut self, word: &[u8]) -> Scan<()> {
        let end = self.pos.saturating_add(word.len());
        if self.bytes.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.fail("expected a value"))
        }
    }

    /// `data`: its kind and, for an object, its `object` and
    /// `previous_attributes` members.
    fn data(&mut self) -> Scan<Data> {
        if self.peek() != Some(b'{') {
            return Ok(Data::of_kind(kind_of_text(self.spanned_value()?)));
        }
        let mut data = Data::of_kind(Member::Object);
        self.named_object(|cursor, name| {
            match name {
                Name::Object => {
                    let start = cursor.pos;
                    let (kind, fields) = if cursor.peek() == Some(b'{') {
                        (Member::Object, cursor.fields()?)
                    } else {
                        (kind_of_text(cursor.spanned_value()?), FieldSpans::default())
                    };
                    data.object = kind;
                    data.fields = fields;
                    data.object_span = Some(start..cursor.pos);
                }
                Name::PreviousAttributes => {
                    data.previous_attributes = Some(cursor.span_of_value()?);
                }
                _ => cursor.value()?,
            }
            Ok(())
        })?;
        Ok(data)
    }

    /// `data.object`, an object: where the typed views' fields lie.
    fn fields(&mut self) -> Scan<FieldSpans> {
        let mut fields = FieldSpans::default();
        self.named_object(|cursor, name| match name {
            Name::Field(field) => {
                fields.set(field, cursor.span_of_value()?);
                Ok(())
            }
            _ => cursor.value(),
        })?;
        Ok(fields)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use alloc::string::ToString;
    use serde::de::IgnoredAny;

    proptest::proptest! {
        /// The vector run is the byte-by-byte one, wherever the stop falls.
        #[test]
        fn plain_run_stops_at_the_first_byte_a_string_cannot_hold(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::prelude::Just(b'a'),
                    1 => proptest::prelude::any::<u8>(),
                    1 => proptest::sample::select(alloc::vec![b'"', b'\\', 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff]),
                ],
                0..100,
            )
        ) {
            let expected = bytes.iter().position(|&b| stops_plain(b)).unwrap_or(bytes.len());
            proptest::prop_assert_eq!(plain_run(&bytes), expected);
        }
    }

    /// Event bodies with a few JSON-significant bytes inserted or removed.
    #[allow(clippy::arithmetic_side_effects)] // lengths of short test strings
    pub(in crate::event) fn bodies() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        const SEEDS: [&str; 7] = [
            r#"{"id":"evt_1","type":"payment.succeeded","created":1764000000,"data":{"object":{"id":"pay_1","amount":2000,"currency":"eur","items":[{"sku":"a","qty":1.5e3}]}}}"#,
            r#" { "id" : "evt_\u0031" , "type":"x", "data" : { "previous_attributes":{"a":[]}, "object" : { "name":"\ud83d\ude00\n", "amount":-0 } } } "#,
            r#"{"id":"e","type":"t","data":{"object":{"currentPeriodStart":12,"email":null,"status":true}},"created":1.5}"#,
            r#"{"\u0069d":"e","type":"","data":[],"created":"x"}"#,
            r#"{"id":"e","type":"t","data":{"object":{"id":"a"},"object":"b"},"data":{"object":{}}}"#,
            r#"{"id":"é","type":"t","data":{"object":{"payment":"x\"y\\","reason":"\/\b\f\r\t"}}}"#,
            r#"[1,"a",{"b":null},true,false,-1.5E+3]"#,
        ];
        const TOKENS: [&str; 29] = [
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
            "\\uZZZZ",
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
                    1 if at < body.len() && body.is_char_boundary(at + 1) => {
                        body.remove(at);
                    }
                    _ => body.insert_str(at, &"[".repeat(130)),
                }
            }
            body
        })
    }

    /// `serde_json`'s answer: grammar, then the core's depth and surrogate
    /// limits (which its skipping parser does not apply).
    fn serde_accepts(json: &str) -> bool {
        serde_json::from_str::<IgnoredAny>(json).is_ok() && json::limits(json).is_ok()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]

        /// The scanner accepts exactly what `serde_json` does, and decodes
        /// every string as it does.
        #[test]
        fn the_scanner_agrees_with_serde_json(body in bodies()) {
            let ours = members(&body);
            proptest::prop_assert_eq!(ours.is_ok(), serde_accepts(&body), "{} {:?}", body, ours.err());
            if let Ok((_, members)) = ours {
                for text in [members.id, members.event_type].into_iter().flatten() {
                    if text.starts_with('"') {
                        let theirs: String = serde_json::from_str(text).unwrap_or_default();
                        let ours = string_value(text);
                        proptest::prop_assert_eq!(ours.as_deref(), Some(theirs.as_str()));
                    }
                }
            }
        }
    }

    #[test]
    fn a_numeric_data_is_named_a_number() {
        for data in ["5", "-1.5e3", "123456789012345678901234567890"] {
            let body = alloc::format!(r#"{{"id":"evt_1","type":"x","data":{data}}}"#);
            let e = scan(body.as_bytes()).err().map(|e| e.to_string());
            assert_eq!(
                e.as_deref(),
                Some(
                    "The payload is authentic JSON but not a Payvost event: `data` must be an object, found a number"
                ),
                "{data}"
            );
        }
    }

    #[test]
    fn grammar_errors_say_where() {
        for (body, message) in [
            (
                "{\"id\":1,\n \"x\": tru}",
                "expected a value at line 2, column 7",
            ),
            (
                "{\"a\":1 \"b\":2}",
                "expected ',' or '}' after a member at line 1, column 8",
            ),
            ("[1,2", "the payload ends too soon at line 1, column 5"),
            (
                "{\"é\":01}",
                "expected ',' or '}' after a member at line 1, column 7",
            ),
            ("{\"a\":-}", "invalid number at line 1, column 7"),
            (
                "{} x",
                "unexpected text after the JSON value at line 1, column 4",
            ),
            (
                "{\"a\":\"\\q\"}",
                "invalid escape in a string at line 1, column 8",
            ),
        ] {
            let e = scan(body.as_bytes()).err().map(|e| e.to_string());
            let expected = alloc::format!(
                "The payload is authentic but not a JSON object: it is not valid JSON: {message}"
            );
            assert_eq!(e.as_deref(), Some(expected.as_str()), "{body}");
        }
    }

    #[test]
    fn the_last_data_object_is_the_one_kept() {
        for (body, object) in [
            (
                r#"{"id":"evt_1","type":"x","data":{"object":{"id":"a"}}}"#,
                r#"{"id":"a"}"#,
            ),
            (
                r#"{"id":"evt_1","type":"x","data":{"object":{"id":1},"object":{ }}}"#,
                "{ }",
            ),
        ] {
            let scanned = scan(body.as_bytes()).ok();
            let span = scanned.and_then(|s| s.data_object);
            assert_eq!(span.and_then(|span| body.get(span)), Some(object), "{body}");
        }
    }
}
