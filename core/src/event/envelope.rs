//! The rules that make a parsed payload an event (protocol §5.2), judged
//! here whichever parser built the payload.

use crate::error::Error;
use crate::json;

/// What one member of a parsed payload holds, as far as the event rules
/// care. A binding that parses the payload with its own language's strict
/// JSON parser (after [`crate::Webhook::verify_json`]) describes what that
/// parser built with it, and [`Envelope::check`] judges it: the rules stay
/// here, whichever parser ran.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Member {
    /// Absent.
    Missing,
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number, as every language can hold it.
    Number(f64),
    /// A string of at least one character.
    String,
    /// The empty string.
    EmptyString,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl Member {
    /// Every kind with its code, the numbering in which bindings hand kinds
    /// over as plain numbers (see [`Envelope::from_codes`]). Bindings build
    /// their own tables from this one at load time.
    pub const CODES: [(&'static str, u32); 8] = [
        ("missing", 0),
        ("null", 1),
        ("bool", 2),
        ("number", 3),
        ("string", 4),
        ("empty_string", 5),
        ("array", 6),
        ("object", 7),
    ];

    /// The member of kind `code` (as in [`Member::CODES`]); `number` is its
    /// value when it is a number. An unknown code reads as missing.
    pub fn from_code(code: u32, number: f64) -> Member {
        match code {
            1 => Member::Null,
            2 => Member::Bool,
            3 => Member::Number(number),
            4 => Member::String,
            5 => Member::EmptyString,
            6 => Member::Array,
            7 => Member::Object,
            _ => Member::Missing,
        }
    }

    /// The code of this member's kind, as in [`Member::CODES`].
    pub fn code(self) -> u32 {
        match self {
            Member::Missing => 0,
            Member::Null => 1,
            Member::Bool => 2,
            Member::Number(_) => 3,
            Member::String => 4,
            Member::EmptyString => 5,
            Member::Array => 6,
            Member::Object => 7,
        }
    }

    /// A string member, by whether it is empty.
    pub fn string(text: &str) -> Member {
        if text.is_empty() {
            Member::EmptyString
        } else {
            Member::String
        }
    }

    /// What a rule wants when it wants this kind.
    fn wanted(self) -> &'static str {
        match self {
            Member::String => "a non-empty string",
            other => other.described(),
        }
    }

    fn described(self) -> &'static str {
        match self {
            Member::Missing => "missing",
            Member::Null => "null",
            Member::Bool => "a boolean",
            Member::Number(_) => "a number",
            Member::String => "a string",
            Member::EmptyString => "an empty string",
            Member::Array => "an array",
            Member::Object => "an object",
        }
    }
}

/// The parts of a parsed payload that make it an event (protocol §5.2).
///
/// ```
/// use payvost_webhooks::bindings::{Envelope, Member};
///
/// let envelope = Envelope {
///     top_level: Member::Object,
///     id: Member::String,
///     event_type: Member::String,
///     data: Member::Object,
///     data_object: Member::Object,
///     created: Member::Number(1.764e9),
/// };
/// assert_eq!(envelope.check()?, Some(1_764_000_000));
/// let no_id = Envelope { id: Member::EmptyString, ..envelope };
/// assert_eq!(no_id.check().unwrap_err().code(), "payload_invalid_event");
/// # Ok::<(), payvost_webhooks::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Envelope {
    /// The payload's top level.
    pub top_level: Member,
    /// The top-level `id`.
    pub id: Member,
    /// The top-level `type`.
    pub event_type: Member,
    /// The top-level `data`.
    pub data: Member,
    /// `data.object`; `Missing` when `data` is not an object.
    pub data_object: Member,
    /// The top-level `created`.
    pub created: Member,
}

/// The largest integer every language holds exactly in a number: 2^53 - 1.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The kind each member of an event must have (protocol §5.2), in the order
/// [`Envelope::check`] judges them after the top level: by position in
/// [`Envelope::from_codes`]'s list, name, and the one kind allowed. `created`
/// comes last, with its own rule: missing, null, or a whole number of at
/// most [`MAX_SAFE_INTEGER`] in magnitude. The facts hand this table to the
/// doors, so that one that judges a parsed event itself accepts exactly what
/// [`Envelope::check`] does, and asks the core only to say why it refuses.
pub const MEMBER_RULES: [(usize, &str, Member); 4] = [
    (1, "id", Member::String),
    (2, "type", Member::String),
    (3, "data", Member::Object),
    (4, "data.object", Member::Object),
];

/// The kinds in which `created` counts as absent; otherwise it must be a
/// whole number of at most [`MAX_SAFE_INTEGER`] in magnitude.
pub const CREATED_ABSENT: [Member; 2] = [Member::Missing, Member::Null];

impl Envelope {
    /// The envelope as one list of seven numbers, the form in which the
    /// JavaScript layer hands a `JSON.parse` result to the napi addon and
    /// to the WebAssembly module, whose calls take numbers far more cheaply
    /// than objects: the kind codes ([`Member::CODES`]) of the top level,
    /// `id`, `type`, `data`, `data.object` and `created`, then `created`'s
    /// value when it is a number. Missing entries read as missing.
    ///
    /// ```
    /// use payvost_webhooks::bindings::Envelope;
    ///
    /// assert_eq!(Envelope::from_codes(&[7.0, 4.0, 4.0, 7.0, 7.0, 3.0, 1.764e9]).check()?, Some(1_764_000_000));
    /// let empty_id = Envelope::from_codes(&[7.0, 5.0, 4.0, 7.0, 7.0, 0.0, 0.0]);
    /// assert_eq!(empty_id.check().unwrap_err().code(), "payload_invalid_event");
    /// # Ok::<(), payvost_webhooks::Error>(())
    /// ```
    pub fn from_codes(codes: &[f64]) -> Self {
        let at = |i: usize| codes.get(i).copied().unwrap_or(0.0);
        // A code that is not a small whole number saturates to an unknown one.
        let member = |i: usize| Member::from_code(at(i) as u32, at(Self::CREATED_VALUE_AT));
        let [id, event_type, data, data_object] = MEMBER_RULES.map(|(i, _, _)| member(i));
        Envelope {
            top_level: member(Self::TOP_LEVEL_AT),
            id,
            event_type,
            data,
            data_object,
            created: member(Self::CREATED_AT),
        }
    }

    /// How many numbers [`Envelope::from_codes`] reads (the facts' `envelope.size`).
    pub const CODES_LEN: usize = 7;
    /// Where the top level's kind code is in that list; each member's
    /// position is in the facts' `envelope.members`.
    pub const TOP_LEVEL_AT: usize = 0;
    /// Where `created`'s kind code is.
    pub const CREATED_AT: usize = 5;
    /// Where `created`'s value is, when it is a number (0 otherwise).
    pub const CREATED_VALUE_AT: usize = 6;

    /// The event rules of protocol §5.2, in one place; returns `created`.
    ///
    /// `created`, when present and not null, must be a number with a whole
    /// value of at most 2^53 - 1 in magnitude. It is judged by value, not
    /// spelling (`1764000000`, `1.764e9` and `1764000000.0` are alike),
    /// because JavaScript's parser keeps no spelling and every door must
    /// decide alike.
    ///
    /// # Errors
    ///
    /// `payload_invalid_json` when the top level is not an object,
    /// `payload_invalid_event` when a member breaks a rule.
    pub fn check(&self) -> Result<Option<i64>, Error> {
        if self.top_level != Member::Object {
            return Err(json::invalid(alloc::format!(
                "its top level is {}",
                self.top_level.described()
            )));
        }
        let members = [self.id, self.event_type, self.data, self.data_object];
        for ((_, name, wanted), found) in MEMBER_RULES.iter().zip(members) {
            if found != *wanted {
                return Err(invalid_event(name, wanted.wanted(), found));
            }
        }
        match self.created {
            absent if CREATED_ABSENT.contains(&absent) => Ok(None),
            Member::Number(secs)
                if secs.abs() <= MAX_SAFE_INTEGER && (secs as i64) as f64 == secs =>
            {
                Ok(Some(secs as i64))
            }
            other => Err(invalid_event(
                "created",
                "a whole number of unix seconds, at most 2^53 - 1",
                other,
            )),
        }
    }
}

fn invalid_event(field: &str, wanted: &str, found: Member) -> Error {
    let found = found.described();
    Error::PayloadInvalidEvent(alloc::format!("`{field}` must be {wanted}, found {found}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for (name, code) in Member::CODES {
            let member = Member::from_code(code, 1.0);
            assert_eq!(member.code(), code, "{name}");
        }
        assert_eq!(Member::from_code(99, 0.0), Member::Missing);
    }
}
