//! The limits of protocol §5.1 that a strict RFC 8259 parser does not
//! apply, for the doors that parse with their own language's parser.
//!
//! A payload is JSON when it is UTF-8, follows the RFC 8259 grammar, nests
//! at most [`MAX_DEPTH`] arrays and objects deep, and has no unpaired UTF-16
//! surrogate escape (`"\ud800"`), which no language can hold as text. The
//! core's scanner (`event/scan.rs`) checks all four in its one pass;
//! [`check_json_limits`] checks the three a strict parser leaves out, so
//! that it and `JSON.parse` or `json.loads` together accept exactly what
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

/// The checks a strict RFC 8259 parser does not make, for bindings that
/// parse with their own language's parser (`JSON.parse`, `json.loads`):
/// UTF-8, nesting within [`MAX_DEPTH`], no unpaired surrogate escape. On
/// success the payload is the returned text, which the binding then parses;
/// together they accept exactly what [`crate::RawEvent::from_slice`] does.
///
/// On text that is not grammatical JSON the answer may be either, as the
/// parser refuses it anyway with the same code, `payload_invalid_json`.
///
/// ```
/// let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
/// let e = payvost_webhooks::bindings::check_json_limits(deep.as_bytes()).unwrap_err();
/// assert_eq!(e.code(), "payload_invalid_json");
/// assert!(payvost_webhooks::bindings::check_json_limits(br#"{"ok":"\ud83d\ude00"}"#).is_ok());
/// assert!(payvost_webhooks::bindings::check_json_limits(br#"{"no":"\ud83d"}"#).is_err());
/// ```
///
/// # Errors
///
/// `payload_invalid_json`, saying which limit was broken.
pub fn check_json_limits(payload: &[u8]) -> Result<&str, Error> {
    let json = utf8(payload)?;
    limits(json)?;
    Ok(json)
}

/// UTF-8, as the first check: everything after works on `&str`. The
/// answer is `simdutf8`'s vector validation (SSE4.2 or AVX2 chosen at run
/// time with `std`, NEON, SIMD128, or its scalar path elsewhere); only for a
/// payload it refuses does the standard library say where, for the message.
pub(crate) fn utf8(payload: &[u8]) -> Result<&str, Error> {
    simdutf8::basic::from_utf8(payload).map_err(|_| {
        let valid_up_to = core::str::from_utf8(payload).map_or_else(|e| e.valid_up_to(), |_| 0);
        invalid(format!("it is not valid UTF-8 (at byte {valid_up_to})"))
    })
}

/// The limits `serde_json`'s skipping parser does not apply. `json` must
/// already be grammatical JSON: every backslash then starts an escape and
/// every quote outside an escape opens or closes a string.
pub(crate) fn limits(json: &str) -> Result<(), Error> {
    let bytes = json.as_bytes();
    if too_deep(bytes) {
        return Err(self::too_deep_error());
    }
    if has_unpaired_surrogate(bytes) {
        return Err(lone_surrogate());
    }
    Ok(())
}

/// The error of a payload nested deeper than [`MAX_DEPTH`].
pub(crate) fn too_deep_error() -> Error {
    invalid(format!(
        "it nests arrays and objects more than {MAX_DEPTH} levels deep"
    ))
}

/// The error of a payload with a `\u` escape of half a surrogate pair.
pub(crate) fn lone_surrogate() -> Error {
    invalid("it has an unpaired UTF-16 surrogate escape")
}

fn too_deep(bytes: &[u8]) -> bool {
    // Each level of grammatical nesting takes an opening and a closing byte,
    // so a payload with at most MAX_DEPTH opening brackets, as most events
    // are, cannot nest deeper: counting them (a loop the compiler turns into
    // vector compares and adds) costs a fraction of the scan that follows.
    if bytes.len() < 2 * (MAX_DEPTH + 1) || opening_brackets_at_most(bytes, MAX_DEPTH) {
        return false;
    }
    if memchr::memchr(b'\\', bytes).is_none() {
        too_deep_unescaped(bytes)
    } else {
        too_deep_escaped(bytes)
    }
}

/// Whether `bytes` holds at most `most` bytes `[` or `{`, counted in byte
/// lanes 255 bytes at a time (no lane can overflow), so that a payload full
/// of them stops early.
fn opening_brackets_at_most(bytes: &[u8], most: usize) -> bool {
    let mut count = 0usize;
    for chunk in bytes.chunks(255) {
        let opens = chunk
            .iter()
            .fold(0u8, |n, &b| n.wrapping_add(u8::from((b | 0x20) == b'{')));
        count = count.saturating_add(usize::from(opens));
        if count > most {
            return false;
        }
    }
    true
}

/// With no backslash in the text every quote opens or closes a string, so
/// whether a bracket is structural is the parity of the quotes before it.
/// That lets 64 bytes be judged at once, as bit masks: the quotes' running
/// parity marks the bytes inside strings, and the structural brackets are
/// counted; a block is walked bit by bit only when it could cross the limit.
fn too_deep_unescaped(bytes: &[u8]) -> bool {
    let mut depth = 0u32;
    let mut carry = 0u64; // all ones when the previous block ended inside a string
    let mut blocks = bytes.chunks_exact(64);
    for block in &mut blocks {
        let (quotes, opens, closes) = masks(block);
        let inside = prefix_xor(quotes) ^ carry;
        carry = 0u64.wrapping_sub(inside >> 63);
        if walk(&mut depth, opens & !inside, closes & !inside) {
            return true;
        }
    }
    let rest = blocks.remainder();
    let mut last = [b' '; 64];
    if let Some(head) = last.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    let (quotes, opens, closes) = masks(&last);
    let inside = prefix_xor(quotes) ^ carry;
    walk(&mut depth, opens & !inside, closes & !inside)
}

/// Bit `i` set where byte `i` is a quote, an opening or a closing bracket,
/// sixteen bytes at a time: `wide` compiles each compare and mask to SSE2 on
/// x86-64, NEON on aarch64 and SIMD128 in WebAssembly built with it, and to
/// plain code elsewhere; [`masks_scalar`] is the same answer, held by a test.
fn masks(block: &[u8]) -> (u64, u64, u64) {
    use wide::u8x16;
    let (quote, open, close) = (u8x16::splat(b'"'), u8x16::splat(b'{'), u8x16::splat(b'}'));
    // `[` and `{` differ only in bit 0x20, as do `]` and `}`.
    let case = u8x16::splat(0x20);
    let (mut quotes, mut opens, mut closes) = (0u64, 0u64, 0u64);
    for (lanes, shift) in block.chunks_exact(16).zip((0u32..).step_by(16)) {
        let bytes = u8x16::new(lanes.try_into().unwrap_or_default());
        let folded = bytes | case;
        quotes |= u64::from(bytes.cmp_eq(quote).move_mask().unsigned_abs()).wrapping_shl(shift);
        opens |= u64::from(folded.cmp_eq(open).move_mask().unsigned_abs()).wrapping_shl(shift);
        closes |= u64::from(folded.cmp_eq(close).move_mask().unsigned_abs()).wrapping_shl(shift);
    }
    (quotes, opens, closes)
}

/// [`masks`], eight bytes at a time in a `u64` (SWAR), with no vector
/// instruction: the reference the vector path is tested against.
#[cfg(test)]
fn masks_scalar(block: &[u8]) -> (u64, u64, u64) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const CASE: u64 = 0x2020_2020_2020_2020; // `[` and `{` differ only in bit 0x20, as do `]` and `}`
    let (mut quotes, mut opens, mut closes) = (0u64, 0u64, 0u64);
    for (word, shift) in block.chunks_exact(8).zip((0u32..).step_by(8)) {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        quotes |= u64::from(byte_flags(word, b'"')).wrapping_shl(shift);
        opens |= u64::from(byte_flags(word | CASE, b'{')).wrapping_shl(shift);
        closes |= u64::from(byte_flags(word | CASE, b'}')).wrapping_shl(shift);
    }
    return (quotes, opens, closes);

    /// Bit `k` set where byte `k` of `word` equals `byte`.
    fn byte_flags(word: u64, byte: u8) -> u8 {
        let x = word ^ u64::from(byte).wrapping_mul(0x0101_0101_0101_0101);
        // High bit of each byte set exactly where that byte of `x` is zero.
        let zero = !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
        // Gather the eight high bits into one byte.
        (zero
            .wrapping_shr(7)
            .wrapping_mul(0x0102_0408_1020_4080)
            .wrapping_shr(56)) as u8
    }
}

/// Bit `i` set when an odd number of bits at or below `i` are.
fn prefix_xor(mut bits: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        bits ^= bits.wrapping_shl(shift);
    }
    bits
}

/// Applies one block's structural brackets to `depth`; true past the limit.
fn walk(depth: &mut u32, opens: u64, closes: u64) -> bool {
    let limit = MAX_DEPTH as u32;
    if depth.saturating_add(opens.count_ones()) <= limit {
        *depth = depth
            .saturating_add(opens.count_ones())
            .saturating_sub(closes.count_ones());
        return false;
    }
    for i in 0..64 {
        let bit = 1u64.wrapping_shl(i);
        if opens & bit != 0 {
            *depth = depth.saturating_add(1);
            if *depth > limit {
                return true;
            }
        } else if closes & bit != 0 {
            *depth = depth.saturating_sub(1);
        }
    }
    false
}

fn too_deep_escaped(bytes: &[u8]) -> bool {
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
    fn both_scans_agree() {
        for json in [
            nested(MAX_DEPTH),
            nested(MAX_DEPTH + 1),
            format!(r#"["{}",{}]"#, "]".repeat(300), nested(MAX_DEPTH - 1)),
            format!(r#"["{}",{}]"#, "[".repeat(300), nested(MAX_DEPTH)),
        ] {
            assert_eq!(
                too_deep_unescaped(json.as_bytes()),
                too_deep_escaped(json.as_bytes()),
                "{json}"
            );
        }
    }

    /// Grammatical nestings with bracket-filled strings, padded so that
    /// strings and runs of brackets straddle the 64-byte blocks.
    fn nesting() -> impl proptest::strategy::Strategy<Value = alloc::string::String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(alloc::string::String::from("1")),
            "[\\[\\]{} a]{0,70}".prop_map(|s| format!("\"{s}\"")),
        ];
        leaf.prop_recursive(140, 600, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                proptest::collection::vec(inner, 0..3).prop_map(|v| {
                    let members: alloc::vec::Vec<_> =
                        v.iter().map(|x| format!("\"k\":{x}")).collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn block_scan_agrees_with_the_byte_scan(json in nesting(), pad in 0usize..64, deep in 0usize..140) {
            let text = format!("{}{}{json}{}", " ".repeat(pad), "[".repeat(deep), "]".repeat(deep));
            proptest::prop_assert_eq!(
                too_deep_unescaped(text.as_bytes()),
                too_deep_escaped(text.as_bytes()),
                "{}", text
            );
            let tree = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            proptest::prop_assert_eq!(!too_deep(text.as_bytes()), tree);
        }
    }

    /// Blocks rich in the bytes the masks look for, and in their neighbours.
    fn block() -> impl proptest::strategy::Strategy<Value = alloc::vec::Vec<u8>> {
        use proptest::prelude::*;
        let byte = prop_oneof![
            Just(b'"'),
            Just(b'['),
            Just(b']'),
            Just(b'{'),
            Just(b'}'),
            Just(b'\\'),
            Just(b'"' | 0x20),
            Just(b'{' ^ 0x80),
            any::<u8>(),
        ];
        proptest::collection::vec(byte, 64)
    }

    proptest::proptest! {
        #[test]
        fn the_vector_masks_are_the_scalar_ones(bytes in block()) {
            proptest::prop_assert_eq!(masks(&bytes), masks_scalar(&bytes));
        }

        #[test]
        fn the_vector_utf8_check_is_the_standard_librarys(
            text in ".{0,80}",
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            at in 0usize..200,
        ) {
            let mut bytes = text.into_bytes();
            bytes.splice(at.min(bytes.len())..at.min(bytes.len()), noise);
            let ours = utf8(&bytes).map_err(|e| e.to_string());
            let std = core::str::from_utf8(&bytes).map_err(|e| {
                invalid(format!("it is not valid UTF-8 (at byte {})", e.valid_up_to())).to_string()
            });
            proptest::prop_assert_eq!(ours, std);
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
