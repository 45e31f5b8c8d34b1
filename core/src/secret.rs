//! Signing secrets: the rules of protocol §1, and each secret's HMAC key
//! state computed once.

use core::fmt;

use hmac::{KeyInit, Mac};
use sha2::block_api::compress256;
use sha2::{Digest, Sha256};

use crate::error::{Error, SecretProblem};

pub(crate) type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const API_KEY_PREFIXES: [&str; 3] = ["sk_", "pk_", "rk_"];

/// How every webhook signing secret starts (protocol §1).
pub(crate) const PREFIX: &str = "whsec_";

/// Checks one secret against protocol §1; `index` is its place in the
/// list the caller gave, for the message.
pub(crate) fn check(secret: &str, index: usize) -> Result<(), Error> {
    let problem = if secret.is_empty() {
        SecretProblem::Empty { index }
    } else if secret.trim().is_empty() {
        SecretProblem::OnlyWhitespace { index }
    } else if secret.trim() != secret {
        SecretProblem::SurroundingWhitespace { index }
    } else if let Some(prefix) = API_KEY_PREFIXES.into_iter().find(|p| secret.starts_with(p)) {
        SecretProblem::LooksLikeApiKey { index, prefix }
    } else {
        return Ok(());
    };
    Err(Error::SecretInvalid(problem))
}

/// A checked secret with its HMAC-SHA256 inner and outer states already
/// keyed, so that a verification pays no key setup.
#[derive(Clone)]
pub(crate) struct SigningKey {
    keyed: HmacSha256,
    /// The same keyed states as SHA-256 words, for `small_tag`.
    inner: [u32; 8],
    outer: [u32; 8],
}

impl SigningKey {
    pub(crate) fn new(secret: &str, index: usize) -> Result<Self, Error> {
        check(secret, index)?;
        Ok(Self::unchecked(secret))
    }

    /// For signing test headers, where any string is a key.
    pub(crate) fn unchecked(secret: &str) -> Self {
        Self::from_key_bytes(secret.as_bytes())
    }

    fn from_key_bytes(key: &[u8]) -> Self {
        // HMAC takes keys of every length (long ones are hashed first).
        let keyed = match HmacSha256::new_from_slice(key) {
            Ok(keyed) => keyed,
            Err(_) => unreachable_for_hmac(),
        };
        // RFC 2104: a key longer than a block is hashed, then zero-padded.
        let mut block = [0u8; BLOCK];
        let digest;
        let key = if key.len() > BLOCK {
            digest = Sha256::digest(key);
            digest.as_slice()
        } else {
            key
        };
        block
            .iter_mut()
            .zip(key)
            .for_each(|(slot, byte)| *slot = *byte);
        let state = |pad: u8| {
            let mut state = SHA256_IV;
            compress256(&mut state, &[block.map(|b| b ^ pad)]);
            state
        };
        SigningKey {
            keyed,
            inner: state(0x36),
            outer: state(0x5c),
        }
    }

    /// HMAC-SHA256 over `decimal(timestamp) || "." || payload`.
    pub(crate) fn tag(&self, timestamp: i64, payload: &[u8]) -> [u8; 32] {
        self.tag_of_digits(itoa::Buffer::new().format(timestamp).as_bytes(), payload)
    }

    /// [`Self::tag`] with the timestamp already in decimal digits.
    pub(crate) fn tag_of_digits(&self, digits: &[u8], payload: &[u8]) -> [u8; 32] {
        if let Some(tag) = self.small_tag(digits, payload) {
            return tag;
        }
        self.mac(&[digits, b".", payload])
    }

    /// The tag of a payload of at most [`SMALL`] bytes, where fixed costs
    /// weigh most: the whole message and its padding laid out once in a
    /// buffer, then one call of `sha2`'s compression function for the inner
    /// hash and one for the outer, from the keyed states. The buffer is
    /// sized to the payload, as zeroing it is one of those costs.
    fn small_tag(&self, digits: &[u8], payload: &[u8]) -> Option<[u8; 32]> {
        if payload.len() <= SMALLER {
            self.tag_in(&mut [0u8; SMALLER_BUFFER], digits, payload)
        } else if payload.len() <= SMALL {
            self.tag_in(&mut [0u8; SMALL_BUFFER], digits, payload)
        } else {
            None
        }
    }

    fn tag_in(&self, buffer: &mut [u8], digits: &[u8], payload: &[u8]) -> Option<[u8; 32]> {
        let len = digits.len().checked_add(1)?.checked_add(payload.len())?;
        let (head, rest) = buffer.split_at_mut_checked(digits.len())?;
        head.copy_from_slice(digits);
        let (dot, rest) = rest.split_first_mut()?;
        *dot = b'.';
        rest.get_mut(..payload.len())?.copy_from_slice(payload);
        let blocks = padded(buffer, len)?;
        let mut inner = self.inner;
        compress256(&mut inner, blocks.as_chunks::<BLOCK>().0);
        let mut outer_block = [0u8; BLOCK];
        let (digest, _) = outer_block.split_at_mut(32);
        for (bytes, word) in digest.chunks_exact_mut(4).zip(inner) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        let one_block = padded(&mut outer_block, 32)?;
        let mut outer = self.outer;
        compress256(&mut outer, one_block.as_chunks::<BLOCK>().0);
        let mut tag = [0u8; 32];
        for (bytes, word) in tag.chunks_exact_mut(4).zip(outer) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        Some(tag)
    }

    /// HMAC-SHA256 over the concatenation of `parts`, starting from the
    /// keyed state computed once in `from_key_bytes`.
    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

const BLOCK: usize = 64;

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The largest payload `small_tag` takes: its message, 20 digits and a dot
/// at most, and padding fit the buffer.
const SMALL: usize = 512;
const SMALL_BUFFER: usize = SMALL + 128;
/// Payloads up to this size take a buffer of five blocks.
const SMALLER: usize = 288;
const SMALLER_BUFFER: usize = 320;

/// Pads the message of `len` bytes at the start of `buffer` as SHA-256 does
/// after the keyed block (RFC 6234 4.1, counting that block's 64 bytes), and
/// returns the whole blocks to compress.
fn padded(buffer: &mut [u8], len: usize) -> Option<&[u8]> {
    let total = len.checked_add(9)?.div_ceil(BLOCK).checked_mul(BLOCK)?;
    let bits = (len.checked_add(BLOCK)? as u64).checked_mul(8)?;
    *buffer.get_mut(len)? = 0x80;
    buffer
        .get_mut(len.checked_add(1)?..total.checked_sub(8)?)?
        .fill(0);
    buffer
        .get_mut(total.checked_sub(8)?..total)?
        .copy_from_slice(&bits.to_be_bytes());
    buffer.get(..total)
}

/// `Hmac::new_from_slice` fails only for fixed-size-key MACs; HMAC accepts
/// every length. Kept as a function so the impossibility is named once.
#[cold]
fn unreachable_for_hmac() -> ! {
    unreachable!("HMAC accepts keys of any length")
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_shows_its_secret() {
        let key = SigningKey::new("whsec_do_not_show", 0).unwrap();
        assert_eq!(alloc::format!("{key:?}"), "SigningKey(<redacted>)");
    }

    /// RFC 4231 test cases 1 to 7 (`tests/vectors/rfc4231.json`), through
    /// the same keyed-state path the verifier uses.
    #[test]
    fn rfc4231_hmac_sha256() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/rfc4231.json")).unwrap();
        let cases = doc["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 7);
        for case in cases {
            let hex =
                |field: &str| base16ct::lower::decode_vec(case[field].as_str().unwrap()).unwrap();
            let mac = SigningKey::from_key_bytes(&hex("key_hex")).mac(&[&hex("data_hex")]);
            let expected = hex("mac_hex");
            assert_eq!(&mac[..expected.len()], &expected[..], "{}", case["id"]);
        }
    }

    proptest::proptest! {
        /// The one-buffer path for small payloads gives the `hmac` crate's
        /// tag, for every key length (hashed ones too), every timestamp
        /// width and payloads on both sides of each padding edge.
        #[test]
        fn small_tags_are_the_hmac_crates(
            key in proptest::collection::vec(proptest::num::u8::ANY, 1..150),
            timestamp in proptest::num::i64::ANY,
            payload in proptest::collection::vec(proptest::num::u8::ANY, 0..=SMALL),
        ) {
            let key = SigningKey::from_key_bytes(&key);
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(timestamp).as_bytes();
            let small = key.small_tag(digits, &payload);
            proptest::prop_assert_eq!(small, Some(key.mac(&[digits, b".", &payload])));
        }
    }

    /// RFC 2104 at the block's edge: a key of exactly 64 bytes is used as
    /// given, one byte more is hashed first; the precomputed state agrees
    /// with the `hmac` crate on both sides (the property above draws these
    /// lengths too rarely to be relied on).
    #[test]
    fn keys_at_the_block_size_are_read_as_hmac_reads_them() {
        for len in [BLOCK - 1, BLOCK, BLOCK + 1] {
            let key = SigningKey::from_key_bytes(&alloc::vec![0x6b; len]);
            let digits = b"1764000000";
            assert_eq!(
                key.small_tag(digits, b"{}"),
                Some(key.mac(&[digits, b".", b"{}"])),
                "{len}"
            );
        }
    }

    #[test]
    fn mac_of_parts_equals_mac_of_whole() {
        let key = SigningKey::unchecked("whsec_x");
        assert_eq!(key.tag(12, b"{}"), key.mac(&[b"12.{}"]));
        assert_eq!(key.tag(-7, b""), key.mac(&[b"-7."]));
    }

    #[test]
    fn debug_is_redacted() {
        let key = SigningKey::new("whsec_supersecret", 0).unwrap();
        let shown = alloc::format!("{key:?}");
        assert!(!shown.contains("supersecret"), "{shown}");
    }
}
