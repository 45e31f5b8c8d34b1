//! The fast path of the scanner: one pass over the bytes that checks the
//! JSON grammar, the nesting depth and the surrogate escapes together, and
//! notes the same members as the `serde_json` pass in `scan.rs`, about three
//! times faster than `serde_json`'s skipping parser on real events.
//!
//! It only ever says yes: on anything it does not accept (bad grammar, too
//! deep, a lone surrogate, a top level that is not an object) it declines
//! with `None`, and the `serde_json` pass judges the payload and words the
//! error. Accepting exactly what that pass accepts, and noting exactly what
//! it notes, is held by the property tests in `core/tests/properties.rs`.

use core::ops::Range;

use super::envelope::Member;
use super::objects::{Field, FieldSpans};
use super::scan::{Data, Keep, Members, Name, kind_of_text};
use crate::json::MAX_DEPTH;

/// The members of `json`, or `None` when the `serde_json` pass must decide.
pub(super) fn scan(json: &str, keep: Keep) -> Option<Members<'_>> {
    let mut cursor = Cursor {
        json,
        bytes: json.as_bytes(),
        pos: 0,
        depth: 0,
    };
    cursor.whitespace();
    if cursor.peek() != Some(b'{') {
        return None;
    }
    let mut members = Members::default();
    cursor.named_object(|cursor, name| {
        let span = match name {
            Name::Data => {
                members.data = Some(cursor.data(keep)?);
                return Some(());
            }
            Name::Field(Field::Id) => &mut members.id,
            Name::Type => &mut members.event_type,
            Name::Created => &mut members.created,
            _ => return cursor.value(),
        };
        *span = Some(cursor.spanned_value()?);
        Some(())
    })?;
    cursor.whitespace();
    (cursor.pos == cursor.bytes.len()).then_some(members)
}

struct Cursor<'a> {
    json: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Moves past the byte `peek` returned.
    fn bump(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.bump())
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.bump();
        }
    }

    /// The text of the value that starts here.
    fn spanned_value(&mut self) -> Option<&'a str> {
        let start = self.pos;
        self.value()?;
        self.json.get(start..self.pos)
    }

    fn value(&mut self) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    /// Opens an array or object, the cursor on its bracket; true when it
    /// is already closed (`[]`, `{}`).
    fn open(&mut self, close: u8) -> Option<bool> {
        self.depth = self.depth.saturating_add(1);
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.bump();
        self.whitespace();
        Some(self.close(close).is_some())
    }

    fn close(&mut self, close: u8) -> Option<()> {
        self.eat(close)?;
        self.depth = self.depth.saturating_sub(1);
        Some(())
    }

    /// After an element: true at the closing bracket, false after a comma.
    fn next(&mut self, close: u8) -> Option<bool> {
        self.whitespace();
        if self.eat(b',').is_some() {
            self.whitespace();
            return Some(false);
        }
        self.close(close).map(|()| true)
    }

    /// A member's name as JSON text, and the colon after it.
    fn name(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if self.peek()? != b'"' {
            return None;
        }
        self.string()?;
        let name = self.json.get(start..self.pos)?;
        self.whitespace();
        self.eat(b':')?;
        self.whitespace();
        Some(name)
    }

    fn object(&mut self) -> Option<()> {
        let mut done = self.open(b'}')?;
        while !done {
            self.name()?;
            self.value()?;
            done = self.next(b'}')?;
        }
        Some(())
    }

    /// An object whose members `member` reads by name, the cursor on each value.
    fn named_object(
        &mut self,
        mut member: impl FnMut(&mut Self, Name) -> Option<()>,
    ) -> Option<()> {
        let mut done = self.open(b'}')?;
        while !done {
            let name = name_of(self.name()?)?;
            member(self, name)?;
            done = self.next(b'}')?;
        }
        Some(())
    }

    fn array(&mut self) -> Option<()> {
        let mut done = self.open(b']')?;
        while !done {
            self.value()?;
            done = self.next(b']')?;
        }
        Some(())
    }

    /// A string, the cursor on its opening quote; says whether it held an
    /// escape.
    fn string(&mut self) -> Option<bool> {
        self.bump(); // `"`
        let mut escaped = false;
        loop {
            let rest = self.bytes.get(self.pos..)?;
            let at = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            self.pos = self.pos.saturating_add(at);
            match self.peek()? {
                b'"' => {
                    self.bump();
                    return Some(escaped);
                }
                b'\\' => {
                    self.bump();
                    self.escape()?;
                    escaped = true;
                }
                _ => return None, // a control character must be escaped
            }
        }
    }

    /// The escape after a backslash; a `\u` escape of a UTF-16 surrogate
    /// must be a high one followed by a low one.
    fn escape(&mut self) -> Option<()> {
        let kind = self.peek()?;
        self.bump();
        match kind {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(()),
            b'u' => match self.hex4()? {
                0xD800..=0xDBFF => {
                    self.eat(b'\\')?;
                    self.eat(b'u')?;
                    matches!(self.hex4()?, 0xDC00..=0xDFFF).then_some(())
                }
                0xDC00..=0xDFFF => None,
                _ => Some(()),
            },
            _ => None,
        }
    }

    fn hex4(&mut self) -> Option<u16> {
        let digits = self.json.get(self.pos..self.pos.checked_add(4)?)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos = self.pos.saturating_add(4);
        u16::from_str_radix(digits, 16).ok()
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.bump();
        }
        self.pos.saturating_sub(start)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.bump(),
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.').is_some() && self.digits() == 0 {
            return None;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(word.len())?;
        (self.bytes.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// `data`: its kind and, for an object, its `object` and
    /// `previous_attributes` members.
    fn data(&mut self, keep: Keep) -> Option<Data> {
        if self.peek()? != b'{' {
            let text = self.spanned_value()?;
            return Some(Data::of_kind(kind_of_text(text)));
        }
        let mut data = Data::of_kind(Member::Object);
        self.named_object(|cursor, name| match name {
            Name::Object => {
                let start = cursor.pos;
                let (kind, fields) = if keep == Keep::Fields && cursor.peek() == Some(b'{') {
                    (Member::Object, cursor.fields()?)
                } else {
                    (kind_of_text(cursor.spanned_value()?), FieldSpans::default())
                };
                data.object = kind;
                data.fields = fields;
                data.object_span = (keep == Keep::Span).then_some(start..cursor.pos);
                Some(())
            }
            Name::PreviousAttributes => {
                data.previous_attributes = Some(cursor.span_of_value()?);
                Some(())
            }
            _ => cursor.value(),
        })?;
        Some(data)
    }

    /// `data.object`, an object: where the typed views' fields lie.
    fn fields(&mut self) -> Option<FieldSpans> {
        let mut fields = FieldSpans::default();
        self.named_object(|cursor, name| match name {
            Name::Field(field) => {
                fields.set(field, cursor.span_of_value()?);
                Some(())
            }
            _ => cursor.value(),
        })?;
        Some(fields)
    }

    fn span_of_value(&mut self) -> Option<Range<usize>> {
        let start = self.pos;
        self.value()?;
        Some(start..self.pos)
    }
}

/// The name a member's JSON text spells, decoded only when it holds an escape.
fn name_of(text: &str) -> Option<Name> {
    let inner = text.get(1..text.len().saturating_sub(1))?;
    if !inner.contains('\\') {
        return Some(Name::of(inner));
    }
    let decoded: alloc::string::String = serde_json::from_str(text).ok()?;
    Some(Name::of(&decoded))
}
