//! Why an authentic delivery's signature may not match: the usual changes a
//! body meets on its way to the verifier (protocol §4.1). Looked for only
//! after every signature failed, so that the message can name the fix.

use core::fmt;

/// A change made to a body after Payvost signed it, which the verifier
/// recognised: a signature in the header matches the body as it was before
/// the change. The delivery is still refused (`signature_mismatch`); only
/// the message differs.
///
/// ```
/// use payvost_webhooks::{sign, BodyChange, Error, Webhook};
///
/// let signed = br#"{"id":"evt_1","type":"payment.succeeded","data":{"object":{}}}"#;
/// let header = sign(signed, "whsec_test", 10)?;
/// let mut received = signed.to_vec();
/// received.push(b'\n');
/// let refused = Webhook::new("whsec_test")?.verify(&received, &header, 10).unwrap_err();
/// assert!(matches!(
///     refused,
///     Error::SignatureMismatch { body_change: Some(BodyChange::TrailingNewline), .. }
/// ));
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyChange {
    /// The payload is the base64 text of the signed bytes, as API Gateway,
    /// Lambda function URLs and load balancers hand a body when the event's
    /// `isBase64Encoded` is true.
    Base64Encoded,
    /// A newline (LF or CRLF) was added at the end.
    TrailingNewline,
    /// A UTF-8 byte-order mark (EF BB BF) was added at the start.
    ByteOrderMark,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which usual change, undone, gives a body that `signed` accepts. At most
/// two bodies are tried: a payload that is base64 text is only decoded
/// (base64 has no byte-order mark and no newline); any other payload is
/// tried without its byte-order mark, then without its trailing newline,
/// each only where it has one. So a forged request costs at most two more
/// HMACs per secret, and a JSON body with neither costs none.
pub(crate) fn recognise(
    payload: &[u8],
    mut signed: impl FnMut(&[u8]) -> bool,
) -> Option<BodyChange> {
    if let Some(decoded) = crate::receiver::decoded_base64(payload) {
        return signed(&decoded).then_some(BodyChange::Base64Encoded);
    }
    if let Some(rest) = payload.strip_prefix(BOM)
        && signed(rest)
    {
        return Some(BodyChange::ByteOrderMark);
    }
    let trimmed = payload
        .strip_suffix(b"\r\n")
        .or_else(|| payload.strip_suffix(b"\n"))?;
    signed(trimmed).then_some(BodyChange::TrailingNewline)
}

impl fmt::Display for BodyChange {
    /// The rest of the mismatch message, after "... matches this payload, but".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BodyChange::Base64Encoded => {
                "one matches the bytes it encodes: the body is base64-encoded, as API Gateway, \
                 Lambda function URLs and load balancers hand it when the event's isBase64Encoded \
                 is true; decode it then and verify the decoded bytes (the SDK's Lambda helper does)"
            }
            BodyChange::TrailingNewline => {
                "one matches it without its trailing newline: something added a newline to the \
                 body after Payvost signed it; pass the body exactly as received, byte for byte"
            }
            BodyChange::ByteOrderMark => {
                "one matches it without the byte-order mark at its start: something added a UTF-8 \
                 byte-order mark (EF BB BF) to the body after Payvost signed it; pass the body \
                 exactly as received, byte for byte"
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Runs `recognise` on `payload` against the one body Payvost signed,
    /// counting the bodies tried.
    fn tried(payload: &[u8], original: &[u8]) -> (Option<BodyChange>, usize) {
        let mut count: usize = 0;
        let change = recognise(payload, |candidate| {
            count = count.saturating_add(1);
            candidate == original
        });
        (change, count)
    }

    #[test]
    fn each_change_is_named_and_at_most_two_bodies_are_tried() {
        let body = br#"{"id":"evt_1"}"#;
        let with = |prefix: &[u8], suffix: &[u8]| [prefix, body, suffix].concat();
        let encoded = b"eyJpZCI6ImV2dF8xIn0=";
        assert_eq!(tried(encoded, body), (Some(BodyChange::Base64Encoded), 1));
        assert_eq!(
            tried(&with(b"", b"\n"), body),
            (Some(BodyChange::TrailingNewline), 1)
        );
        assert_eq!(
            tried(&with(b"", b"\r\n"), body),
            (Some(BodyChange::TrailingNewline), 1)
        );
        assert_eq!(
            tried(&with(BOM, b""), body),
            (Some(BodyChange::ByteOrderMark), 1)
        );
        // Both changes at once: each undone alone, neither is the body.
        assert_eq!(tried(&with(BOM, b"\n"), body), (None, 2));
        // A forged body: nothing to undo, nothing tried.
        assert_eq!(tried(body, b"{}"), (None, 0));
        assert_eq!(tried(b"", b"{}"), (None, 0));
        // Base64 of something else: one decode, one try.
        assert_eq!(tried(b"e30=", body), (None, 1));
        // Text that is almost base64 is not decoded.
        assert_eq!(tried(b"eyJpZCI6ImV2dF8xIn0", body), (None, 0));
        assert_eq!(
            tried(&[encoded.as_slice(), b"\n"].concat(), body),
            (None, 1)
        );
    }

    #[test]
    fn the_messages_say_what_to_do() {
        let all = [
            BodyChange::Base64Encoded,
            BodyChange::TrailingNewline,
            BodyChange::ByteOrderMark,
        ];
        let messages: Vec<_> = all.iter().map(alloc::string::ToString::to_string).collect();
        assert!(messages[0].contains("decode it then and verify the decoded bytes"));
        assert!(messages[1].contains("without its trailing newline"));
        assert!(messages[2].contains("byte-order mark (EF BB BF)"));
    }
}
