//! Signing secrets: the rules of SPEC section 1, and each secret's HMAC key
//! state computed once.

use core::fmt;

use hmac::{KeyInit, Mac};

use crate::error::{Error, SecretProblem};

pub(crate) type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const API_KEY_PREFIXES: [&str; 3] = ["sk_", "pk_", "rk_"];

/// Checks one secret against SPEC section 1; `index` is its place in the
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
        // HMAC takes keys of every length (long ones are hashed first).
        let keyed = match HmacSha256::new_from_slice(secret.as_bytes()) {
            Ok(keyed) => keyed,
            Err(_) => unreachable_for_hmac(),
        };
        SigningKey { keyed }
    }

    /// HMAC-SHA256 over `decimal(timestamp) || "." || payload`.
    pub(crate) fn tag(&self, timestamp: i64, payload: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        let mut digits = itoa::Buffer::new();
        mac.update(digits.format(timestamp).as_bytes());
        mac.update(b".");
        mac.update(payload);
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
