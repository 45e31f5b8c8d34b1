//! What makes a payload acceptable JSON (SPEC section 5), decided on the
//! bytes in one place, so that every front door accepts exactly the same
//! payloads whichever parser then builds its objects.
//!
//! A payload is JSON when it is UTF-8, follows the RFC 8259 grammar (as
//! `serde_json` reads it), nests at most [`MAX_DEPTH`] arrays and objects
//! deep, and has no unpaired UTF-16 surrogate escape (`"\ud800"`), which no
//! language can hold as text. The depth and surrogate limits are the tree
//! parser's own, so [`crate::Event::from_slice`] accepts exactly what
//! [`crate::RawEvent::from_slice`] does.

use alloc::format;
use alloc::string::ToString;

use crate::error::{ECHO_LIMIT, Error, truncated};

/// How deep arrays and objects may nest: `serde_json`'s recursion limit
/// lets 127 levels through and stops the 128th.
pub const MAX_DEPTH: usize = 127;

pub(crate) fn invalid(why: impl ToString) -> Error {
    Error::PayloadInvalidJson(truncated(&why.to_string(), ECHO_LIMIT))
}

/// UTF-8, as the first check: everything after works on `&str`.
pub(crate) fn utf8(payload: &[u8]) -> Result<&str, Error> {
    core::str::from_utf8(payload).map_err(|e| {
        invalid(format!(
            "it is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })
}

/// The limits `serde_json`'s skipping parser does not apply. `json` must
/// already be grammatical JSON: every backslash then starts an escape and
/// every quote outside an escape opens or closes a string.
pub(crate) fn limits(json: &str) -> Result<(), Error> {
    let bytes = json.as_bytes();
    if too_deep(bytes) {
        return Err(invalid(format!(
            "it nests arrays and objects more than {MAX_DEPTH} levels deep"
        )));
    }
    if has_unpaired_surrogate(bytes) {
        return Err(invalid("it has an unpaired UTF-16 surrogate escape"));
    }
    Ok(())
}

fn too_deep(bytes: &[u8]) -> bool {
    // Fewer brackets in all than the limit cannot nest deeper than it; this
    // count runs at memory speed and settles most payloads.
    let brackets = bytes.iter().filter(|&&b| b == b'[' || b == b'{').count();
    if brackets <= MAX_DEPTH {
        return false;
    }
    let mut depth = 0usize;
    let mut rest = bytes;
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'"' => rest = after_string(rest),
            b'[' | b'{' => {
                depth = depth.saturating_add(1);
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The bytes after the string whose opening quote was just read.
fn after_string(mut rest: &[u8]) -> &[u8] {
    while let Some(at) = memchr::memchr2(b'"', b'\\', rest) {
        let skip = if rest.get(at) == Some(&b'\\') { 2 } else { 1 };
        rest = rest.get(at.saturating_add(skip)..).unwrap_or_default();
        if skip == 1 {
            return rest;
        }
    }
    &[]
}

fn has_unpaired_surrogate(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while let Some(at) = memchr::memchr(b'\\', rest) {
        rest = rest.get(at.saturating_add(1)..).unwrap_or_default();
        let Some((&kind, after)) = rest.split_first() else {
            return false;
        };
        rest = after;
        if kind != b'u' {
            continue; // a one-character escape, `\\` included
        }
        match code_unit(rest) {
            Some(0xD800..=0xDBFF) => {
                let low = rest.get(4..6) == Some(b"\\u")
                    && matches!(
                        code_unit(rest.get(6..).unwrap_or_default()),
                        Some(0xDC00..=0xDFFF)
                    );
                if !low {
                    return true;
                }
                rest = rest.get(10..).unwrap_or_default();
            }
            Some(0xDC00..=0xDFFF) => return true,
            _ => rest = rest.get(4..).unwrap_or_default(),
        }
    }
    false
}

/// The four hex digits at the start of `bytes` as a UTF-16 code unit.
fn code_unit(bytes: &[u8]) -> Option<u16> {
    let digits = core::str::from_utf8(bytes.get(..4)?).ok()?;
    u16::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> alloc::string::String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn depth_limit_is_the_tree_parsers() {
        for depth in [1, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 1000] {
            let json = nested(depth);
            let tree = serde_json::from_str::<serde_json::Value>(&json).is_ok();
            assert_eq!(!too_deep(json.as_bytes()), tree, "depth {depth}");
        }
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let json = format!(
            r#"{{"a":"{}\"{}","b":[]}}"#,
            "[".repeat(500),
            "{".repeat(500)
        );
        assert!(!too_deep(json.as_bytes()));
        let deep = format!(r#"["]]]]\\",{}]"#, nested(MAX_DEPTH));
        assert!(too_deep(deep.as_bytes()));
    }

    #[test]
    fn surrogates_agree_with_the_tree_parser() {
        for text in [
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\ud800x""#,
            r#""\ud83d\ude00""#,
            r#""\\ud800""#,
            r#""\\\ud800""#,
            r#""\u00e9\n\"""#,
            r#""\uD83D\uDE00""#,
            r#""\uDBFF\uDFFF""#,
            r#""\ud800\ud800""#,
        ] {
            let tree = serde_json::from_str::<serde_json::Value>(text).is_ok();
            assert_eq!(!has_unpaired_surrogate(text.as_bytes()), tree, "{text}");
        }
    }
}
