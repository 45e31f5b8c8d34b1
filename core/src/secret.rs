//! Signing secrets: the rules of protocol §1, and each secret's HMAC key
//! state computed once.

use core::fmt;

use hmac::{KeyInit, Mac};

use crate::error::{Error, SecretProblem};

pub(crate) type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const API_KEY_PREFIXES: [&str; 3] = ["sk_", "pk_", "rk_"];

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
        SigningKey { keyed }
    }

    /// HMAC-SHA256 over `decimal(timestamp) || "." || payload`.
    pub(crate) fn tag(&self, timestamp: i64, payload: &[u8]) -> [u8; 32] {
        let mut digits = itoa::Buffer::new();
        self.mac(&[digits.format(timestamp).as_bytes(), b".", payload])
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
