//! The grammar of the `Payvost-Signature` header (protocol §2).
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
    timestamp: i64,
    /// The `t` value as the header wrote it, perhaps with leading zeros.
    timestamp_text: &'a str,
    /// The elements from the first `v1` on, empty when there is none: the
    /// candidates are read again from here, not from the start.
    from_first_v1: &'a str,
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
        match Self::usual(value) {
            Some(header) => Ok(header),
            None => Self::general(value),
        }
    }

    /// Any header, element by element: what [`Self::parse`] answers when
    /// the shortcut of [`Self::usual`] does not apply.
    fn general(value: &'a str) -> Result<Self, Error> {
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
        let mut timestamp_text = "";
        let mut from_first_v1 = "";
        for element in split(elements) {
            let Some((key, value)) = key_value(element) else {
                return Err(malformed(HeaderProblem::ElementWithoutEquals(truncated(
                    element, ECHO_LIMIT,
                ))));
            };
            match key {
                b"t" if timestamp.is_some() => {
                    return Err(malformed(HeaderProblem::DuplicateTimestamp));
                }
                b"t" => {
                    timestamp = Some(parse_timestamp(value)?);
                    timestamp_text = value;
                }
                b"v1" if from_first_v1.is_empty() => {
                    // `element` is a slice of `elements`: where it starts.
                    let at = (element.as_ptr() as usize).wrapping_sub(elements.as_ptr() as usize);
                    from_first_v1 = elements.get(at..).unwrap_or_default();
                }
                // A `t` or `v1` after a space is the mark of two header lines
                // joined by ", " (RFC 9110 §5.3): refused, so that every
                // door answers alike however its server joined them.
                key if key.starts_with(b" ") || key.starts_with(b"\t") => {
                    if matches!(after_blanks(key), b"t" | b"v1") {
                        return Err(malformed(HeaderProblem::JoinedLines));
                    }
                }
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or(malformed(HeaderProblem::NoTimestamp))?;
        Ok(SignatureHeader {
            timestamp,
            timestamp_text,
            from_first_v1,
        })
    }

    /// The header Payvost sends, `t=<digits>,v1=<64 characters>` exactly,
    /// read without the general loop: the same answer, at half the cost of
    /// a 256-byte event's verification overhead. Anything else is `None`.
    fn usual(value: &'a str) -> Option<Self> {
        let rest = value.strip_prefix("t=")?;
        // Digits and value in one pass: 19 digits cannot overflow a u64.
        let mut digits = 0usize;
        let mut timestamp = 0u64;
        for digit in rest.bytes().take(MAX_TIMESTAMP_DIGITS.saturating_add(1)) {
            if !digit.is_ascii_digit() {
                break;
            }
            digits = digits.wrapping_add(1);
            timestamp = timestamp
                .wrapping_mul(10)
                .wrapping_add(u64::from(digit.wrapping_sub(b'0')));
        }
        if digits == 0 || digits > MAX_TIMESTAMP_DIGITS {
            return None;
        }
        let (timestamp_text, from_first_v1) = rest.split_at_checked(digits)?;
        let from_first_v1 = from_first_v1.strip_prefix(',')?;
        let candidate = from_first_v1.strip_prefix("v1=")?;
        // The general reading trims a trailing space or tab off the header.
        let hex: &[u8; 64] = candidate.as_bytes().try_into().ok()?;
        if has_comma(hex) || candidate.ends_with([' ', '\t']) {
            return None;
        }
        Some(SignatureHeader {
            timestamp: i64::try_from(timestamp).ok()?,
            timestamp_text,
            from_first_v1,
        })
    }

    /// The `t` value, in unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The `t` value's digits as signed (protocol §3): the header's own
    /// text when it is already the plain decimal form, which saves
    /// formatting the number again.
    pub(crate) fn signed_timestamp<'b>(&self, buffer: &'b mut itoa::Buffer) -> &'b [u8]
    where
        'a: 'b,
    {
        match self.timestamp_text.as_bytes() {
            [b'0', _, ..] | [] => buffer.format(self.timestamp).as_bytes(),
            plain => plain,
        }
    }

    /// Whether at least one `v1` element is present.
    pub fn has_signatures(&self) -> bool {
        !self.from_first_v1.is_empty()
    }

    /// The `v1` candidates in header order: `Some(tag)` for 64 lowercase
    /// hex digits, `None` for any other value, which can never match.
    pub fn signatures(&self) -> impl Iterator<Item = Option<[u8; 32]>> + 'a {
        self.hex_signatures().map(decode_tag)
    }

    /// The `v1` candidates in header order, as their hex text undecoded:
    /// the verifier compares them with its tag's lowercase hex, which
    /// matches exactly the candidates [`Self::signatures`] decodes to it.
    pub(crate) fn hex_signatures(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        split(self.from_first_v1)
            .filter_map(|element| element.strip_prefix("v1="))
            .map(str::as_bytes)
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

/// The non-empty elements of a header value. A `v1` element is 67 bytes,
/// so the commas are found with `memchr`, not a byte loop.
fn split(elements: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(elements);
    core::iter::from_fn(move || {
        loop {
            let text = rest?;
            let (element, tail) = match memchr::memchr(b',', text.as_bytes()) {
                Some(at) => (text.get(..at)?, text.get(at.saturating_add(1)..)),
                None => (text, None),
            };
            rest = tail;
            if !element.is_empty() {
                return Some(element);
            }
        }
    })
}

/// Whether a 64-byte value holds a comma: compared all at once, which the
/// compiler turns into a few vector instructions, where a search for the
/// first comma pays a call for its setup.
fn has_comma(value: &[u8; 64]) -> bool {
    value
        .iter()
        .fold(false, |found, &byte| found | (byte == b','))
}

/// `key` without the spaces and tabs it starts with.
fn after_blanks(key: &[u8]) -> &[u8] {
    let start = key.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    key.get(start..).unwrap_or_default()
}

/// An element split at its first `=`.
fn key_value(element: &str) -> Option<(&[u8], &str)> {
    let at = element.bytes().position(|b| b == b'=')?;
    Some((
        element.as_bytes().get(..at)?,
        element.get(at.saturating_add(1)..)?,
    ))
}

/// A candidate: exactly 64 lowercase hex digits (protocol §2), decoded.
/// The candidate is public input, so a lookup table (not constant time) is
/// fine; only the comparison with the expected tag must not leak.
fn decode_tag(hex: &[u8]) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut tag = [0u8; 32];
    let mut bad = 0u8;
    let nibble = |digit: u8| HEX.get(usize::from(digit)).copied().unwrap_or(INVALID);
    for (byte, pair) in tag.iter_mut().zip(hex.chunks_exact(2)) {
        if let &[high, low] = pair {
            let (high, low) = (nibble(high), nibble(low));
            bad |= high | low;
            *byte = high.wrapping_shl(4) | low;
        }
    }
    (bad & INVALID == 0).then_some(tag)
}

/// Marks a byte that is not a lowercase hex digit: any value with a bit
/// above the low four.
const INVALID: u8 = 0xF0;

/// The value of each lowercase hex digit; [`INVALID`] for every other byte.
// Evaluated at compile time: an index out of range would not compile.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const HEX: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    /// Wherever the shortcut answers, the general reading agrees. The
    /// generator leans to the usual form, so that the shortcut answers for
    /// a good share of the cases (held below), and the rest are near misses.
    #[test]
    fn the_usual_header_reads_as_the_general_one() {
        use proptest::prelude::*;
        let strategy = (
            prop_oneof![3 => "[0-9]{1,12}", 1 => "[0-9]{13,21}|-1|"],
            prop_oneof![3 => Just(alloc::string::String::from(",")), 1 => ", |,,|;"],
            prop_oneof![3 => "[0-9a-f]{64}", 1 => "[0-9a-f]{60}[0-9a-fA-F, \t]{2,6}"],
            prop_oneof![3 => Just(alloc::string::String::new()), 1 => ",v1=x| "],
        );
        let cases = 5000;
        let shortcuts = core::cell::Cell::new(0u32);
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
        let result = runner.run(&strategy, |(t, sep, v1, extra)| {
            let header = alloc::format!("t={t}{sep}v1={v1}{extra}");
            if let Some(usual) = SignatureHeader::usual(&header) {
                shortcuts.set(shortcuts.get() + 1);
                prop_assert_eq!(Ok(usual), SignatureHeader::general(&header));
            }
            Ok(())
        });
        assert!(result.is_ok(), "{result:?}");
        // About (3/4)^4 of the cases are the usual form: at least a quarter must take the shortcut.
        let shortcuts = shortcuts.get();
        assert!(
            shortcuts * 4 >= cases,
            "only {shortcuts} of {cases} cases took the shortcut"
        );
    }

    #[test]
    fn the_signed_timestamp_is_the_plain_decimal_form() {
        let signed = |header: &str| {
            let header = SignatureHeader::parse(header).unwrap();
            let mut buffer = itoa::Buffer::new();
            alloc::string::String::from_utf8(header.signed_timestamp(&mut buffer).to_vec()).unwrap()
        };
        assert_eq!(signed("t=1764000000,v1=x"), "1764000000");
        assert_eq!(signed("t=0042,v1=x"), "42");
        assert_eq!(signed("v1=x,t=0"), "0");
        assert_eq!(signed("t=000"), "0");
    }

    #[test]
    fn the_usual_header_takes_the_shortcut() {
        let header = format!("t=1764000000,v1={}", "ab".repeat(32));
        assert_eq!(
            SignatureHeader::usual(&header).ok_or(Error::HeaderMissing),
            SignatureHeader::general(&header)
        );
        assert!(SignatureHeader::usual(&header).is_some());
        assert_eq!(SignatureHeader::usual(&format!("{header},v1=00")), None);
        assert_eq!(SignatureHeader::usual(&format!(" {header}")), None);
        assert_eq!(SignatureHeader::usual("t=99999999999999999999,v1=x"), None);
        // Nineteen digits, the most an i64 has, still take it.
        let longest = format!("t={},v1={}", i64::MAX, "ab".repeat(32));
        assert_eq!(
            SignatureHeader::usual(&longest).map(|h| h.timestamp()),
            Some(i64::MAX)
        );
    }

    /// `signatures()` decodes exactly the 64-digit lowercase hex candidates:
    /// every byte value is tried as the high and as the low digit of a pair.
    #[test]
    fn signatures_decode_lowercase_hex_only() {
        let tag: [u8; 32] = core::array::from_fn(|i| (i * 8 + 7) as u8);
        let hex: alloc::string::String = tag.iter().map(|b| format!("{b:02x}")).collect();
        let header = format!("t=1,v1={hex},v1={},v1=00,v1={hex}0", hex.to_uppercase());
        let decoded: alloc::vec::Vec<_> = SignatureHeader::parse(&header)
            .unwrap()
            .signatures()
            .collect();
        assert_eq!(decoded, [Some(tag), None, None, None]);
        for byte in 0..=255u8 {
            let digit = match byte {
                b'0'..=b'9' => Some(byte - b'0'),
                b'a'..=b'f' => Some(byte - b'a' + 10),
                _ => None,
            };
            for (at, shift) in [(0, 4), (1, 0)] {
                let mut candidate = *b"ff".repeat(32).first_chunk::<64>().unwrap();
                candidate[at] = byte;
                let mut wanted = [0xffu8; 32];
                wanted[0] = digit.map_or(0, |d| if shift == 4 { d << 4 | 0xf } else { 0xf0 | d });
                assert_eq!(
                    decode_tag(&candidate),
                    digit.map(|_| wanted),
                    "byte {byte} at {at}"
                );
            }
            // Both digits of a pair wrong at once, which must not cancel out.
            let mut candidate = *b"ff".repeat(32).first_chunk::<64>().unwrap();
            candidate[..2].copy_from_slice(&[byte, byte]);
            assert_eq!(
                decode_tag(&candidate).is_some(),
                digit.is_some(),
                "byte {byte} twice"
            );
        }
    }
}
