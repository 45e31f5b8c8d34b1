//! The grammar of the `Payvost-Signature` header (SPEC section 2).
//!
//! Parsing is not constant time: the header is public, attacker-chosen
//! input and holds nothing secret. Only the comparison of tag bytes, in
//! `verify.rs`, must not leak.

use crate::error::{ECHO_LIMIT, Error, HeaderProblem, truncated};

/// The longest header value accepted, in bytes, after trimming.
pub const MAX_HEADER_LEN: usize = 8192;

/// How many decimal digits a `t` value may have.
const MAX_TIMESTAMP_DIGITS: usize = 19;

/// A `Payvost-Signature` header value that obeys the grammar.
///
/// Parsing borrows the header and allocates nothing; the `v1` candidates
/// are read again from the borrowed text when they are compared.
///
/// ```
/// use payvost_webhooks::SignatureHeader;
///
/// let header = SignatureHeader::parse(" t=0042,v0=old,v1=abc ").unwrap();
/// assert_eq!(header.timestamp(), 42);
/// assert_eq!(header.signatures().count(), 1);
/// // A v1 value that is not 64 lowercase hex digits is kept, but can never match.
/// assert_eq!(header.signatures().next(), Some(None));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureHeader<'a> {
    elements: &'a str,
    timestamp: i64,
    has_v1: bool,
}

impl<'a> SignatureHeader<'a> {
    /// Parses a header value.
    ///
    /// # Errors
    ///
    /// `header_missing` for an empty value (after trimming spaces and tabs),
    /// `header_malformed` when the grammar is broken. A header without `v1`
    /// parses; [`SignatureHeader::has_signatures`] tells.
    pub fn parse(value: &'a str) -> Result<Self, Error> {
        let elements = value.trim_matches([' ', '\t']);
        if elements.is_empty() {
            return Err(Error::HeaderMissing);
        }
        if elements.len() > MAX_HEADER_LEN {
            return Err(Error::HeaderMalformed(HeaderProblem::TooLong {
                len: elements.len(),
            }));
        }
        let mut timestamp = None;
        let mut has_v1 = false;
        for element in elements.split(',').filter(|e| !e.is_empty()) {
            let Some((key, value)) = element.split_once('=') else {
                return Err(malformed(HeaderProblem::ElementWithoutEquals(truncated(
                    element, ECHO_LIMIT,
                ))));
            };
            match key {
                "t" if timestamp.is_some() => {
                    return Err(malformed(HeaderProblem::DuplicateTimestamp));
                }
                "t" => timestamp = Some(parse_timestamp(value)?),
                "v1" => has_v1 = true,
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or(malformed(HeaderProblem::NoTimestamp))?;
        Ok(SignatureHeader {
            elements,
            timestamp,
            has_v1,
        })
    }

    /// The `t` value, in unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// Whether at least one `v1` element is present.
    pub fn has_signatures(&self) -> bool {
        self.has_v1
    }

    /// The `v1` candidates in header order: `Some(tag)` for 64 lowercase
    /// hex digits, `None` for any other value, which can never match.
    pub fn signatures(&self) -> impl Iterator<Item = Option<[u8; 32]>> + 'a {
        self.elements
            .split(',')
            .filter_map(|element| element.strip_prefix("v1="))
            .map(decode_tag)
    }
}

fn malformed(problem: HeaderProblem) -> Error {
    Error::HeaderMalformed(problem)
}

fn parse_timestamp(value: &str) -> Result<i64, Error> {
    let bad = || malformed(HeaderProblem::BadTimestamp(truncated(value, ECHO_LIMIT)));
    if value.is_empty()
        || value.len() > MAX_TIMESTAMP_DIGITS
        || !value.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // Only digits remain, so the one way to fail is exceeding i64::MAX.
    value.parse::<i64>().map_err(|_| bad())
}

fn decode_tag(hex: &str) -> Option<[u8; 32]> {
    let mut tag = [0u8; 32];
    // base16ct's lower decoder refuses uppercase, as SPEC 2 asks.
    match base16ct::lower::decode(hex, &mut tag) {
        Ok(decoded) if decoded.len() == 32 => Some(tag),
        _ => None,
    }
}
