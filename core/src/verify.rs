//! The verifier: HMAC-SHA256 over the signed content, constant-time
//! comparison of tag bytes, then the timestamp check (protocol §3 and §4).

use alloc::string::String;
use alloc::vec::Vec;

use subtle::{Choice, ConstantTimeEq};

use crate::error::{Error, SecretProblem};
use crate::event::{Event, RawEvent};
use crate::header::SignatureHeader;
use crate::secret::SigningKey;
use crate::sign::header_value;
use crate::tolerance::Tolerance;

/// A reusable verifier: built once from one or more secrets, it checks every
/// delivery with no key setup per call.
///
/// ```
/// use payvost_webhooks::{sign, Webhook};
///
/// let now = 1_764_000_000;
/// let payload = br#"{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}"#;
/// let header = sign(payload, "whsec_test", now)?;
///
/// let webhook = Webhook::new("whsec_test")?.tolerance(600)?;
/// let event = webhook.construct_event(payload, &header, now + 30)?;
/// assert_eq!(event.id(), "evt_1");
/// assert_eq!(event.event_type().as_str(), "payment.succeeded");
///
/// let tampered = br#"{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":1}}}"#;
/// let err = webhook.construct_event(tampered, &header, now).unwrap_err();
/// assert_eq!(err.code(), "signature_mismatch");
/// # Ok::<(), payvost_webhooks::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Webhook {
    keys: Vec<SigningKey>,
    tolerance: Tolerance,
    /// Whether a secret lacks the `whsec_` prefix, which a mismatch names.
    unprefixed: bool,
}

/// What a successful verification proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The header's `t`, in unix seconds.
    pub timestamp: i64,
    /// The position, in the list given to the verifier, of the secret that
    /// matched (the first one, when several would).
    pub secret_index: usize,
}

/// How many secrets [`Verified::packed`] tells apart: the secret's index is
/// the packed number's remainder by this.
pub const PACKED_SECRETS: u16 = 1024;

impl Verified {
    /// This verification as one number, for bindings whose calls return a
    /// number far more cheaply than an object (napi, wasm-bindgen):
    /// `timestamp × 1024 + secret_index`, exact while the index is under
    /// [`PACKED_SECRETS`] and the timestamp within ±2^43 seconds (some
    /// 278,000 years); NaN beyond, where the binding asks for the two apart.
    ///
    /// ```
    /// use payvost_webhooks::Verified;
    ///
    /// let verified = Verified { timestamp: -3, secret_index: 2 };
    /// assert_eq!(verified.packed(), -3.0 * 1024.0 + 2.0);
    /// assert!(Verified { timestamp: i64::MAX, secret_index: 0 }.packed().is_nan());
    /// assert_eq!(Verified { timestamp: 1, secret_index: 1023 }.packed(), 2047.0);
    /// assert!(Verified { timestamp: 1, secret_index: 1024 }.packed().is_nan());
    /// ```
    pub fn packed(&self) -> f64 {
        const LIMIT: i64 = 1 << 43;
        let index = u16::try_from(self.secret_index)
            .ok()
            .filter(|index| *index < PACKED_SECRETS);
        match index {
            Some(index) if (-LIMIT..=LIMIT).contains(&self.timestamp) => {
                // Within ±2^53, every integer is exact as an f64.
                let packed = self.timestamp.saturating_mul(i64::from(PACKED_SECRETS));
                packed.saturating_add(i64::from(index)) as f64
            }
            _ => f64::NAN,
        }
    }
}

impl Webhook {
    /// A verifier for one secret, with the default tolerance of 300 seconds.
    ///
    /// # Errors
    ///
    /// `secret_invalid` when the secret breaks a rule of protocol §1.
    pub fn new(secret: &str) -> Result<Self, Error> {
        Self::with_secrets(&[secret])
    }

    /// A verifier that accepts a signature made with any of `secrets`, for
    /// rotating secrets on the receiving side.
    ///
    /// ```
    /// use payvost_webhooks::{sign, Webhook};
    ///
    /// let webhook = Webhook::with_secrets(&["whsec_new", "whsec_old"])?;
    /// let header = sign(b"{}", "whsec_old", 10)?;
    /// assert_eq!(webhook.verify(b"{}", &header, 10)?.secret_index, 1);
    /// # Ok::<(), payvost_webhooks::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// `secret_invalid` for an empty list or any secret that breaks a rule;
    /// the message gives the secret's index, never its text.
    pub fn with_secrets<S: AsRef<str>>(secrets: &[S]) -> Result<Self, Error> {
        if secrets.is_empty() {
            return Err(Error::SecretInvalid(SecretProblem::NoSecrets));
        }
        let keys = secrets
            .iter()
            .enumerate()
            .map(|(index, secret)| SigningKey::new(secret.as_ref(), index))
            .collect::<Result<Vec<_>, _>>()?;
        let unprefixed = secrets
            .iter()
            .any(|secret| !secret.as_ref().starts_with(crate::secret::PREFIX));
        Ok(Webhook {
            keys,
            tolerance: Tolerance::DEFAULT,
            unprefixed,
        })
    }

    /// The same verifier with a tolerance of `secs` seconds.
    ///
    /// # Errors
    ///
    /// `tolerance_invalid` unless `secs` is from 1 to 30 days.
    pub fn tolerance(self, secs: i64) -> Result<Self, Error> {
        Ok(self.with_tolerance(Tolerance::new(secs)?))
    }

    /// A verifier from secrets and a tolerance in seconds as a binding holds
    /// it (a float), judged in the order every door reports: the secrets
    /// first, then the tolerance.
    ///
    /// ```
    /// use payvost_webhooks::Webhook;
    ///
    /// assert!(Webhook::from_parts(&["whsec_a"], 600.0).is_ok());
    /// let both_wrong = Webhook::from_parts(&["sk_live_1"], 0.5).unwrap_err();
    /// assert_eq!(both_wrong.code(), "secret_invalid");
    /// ```
    ///
    /// # Errors
    ///
    /// `secret_invalid`, then `tolerance_invalid`, as [`Webhook::with_secrets`]
    /// and [`Tolerance::from_f64`].
    pub fn from_parts<S: AsRef<str>>(secrets: &[S], tolerance: f64) -> Result<Self, Error> {
        let webhook = Self::with_secrets(secrets)?;
        Ok(webhook.with_tolerance(Tolerance::from_f64(tolerance)?))
    }

    /// The same verifier with an already checked tolerance.
    pub fn with_tolerance(self, tolerance: Tolerance) -> Self {
        Webhook { tolerance, ..self }
    }

    /// The tolerance in force.
    ///
    /// ```
    /// use payvost_webhooks::{Tolerance, Webhook};
    ///
    /// let webhook = Webhook::new("whsec_x")?;
    /// assert_eq!(webhook.current_tolerance().secs(), 300);
    /// let wider = webhook.with_tolerance(Tolerance::new(600)?);
    /// assert_eq!(wider.current_tolerance().secs(), 600);
    /// # Ok::<(), payvost_webhooks::Error>(())
    /// ```
    pub fn current_tolerance(&self) -> Tolerance {
        self.tolerance
    }

    /// Checks that `header` signs `payload` with one of the secrets and that
    /// its timestamp lies within the tolerance of `now` (unix seconds).
    /// The payload is not looked at beyond its bytes.
    ///
    /// # Errors
    ///
    /// In this order: `header_missing`, `header_malformed`, `no_signatures`,
    /// `signature_mismatch`, `timestamp_too_old` / `timestamp_too_new`.
    pub fn verify(&self, payload: &[u8], header: &str, now: i64) -> Result<Verified, Error> {
        let header = SignatureHeader::parse(header)?;
        if !header.has_signatures() {
            return Err(Error::NoSignatures);
        }
        let timestamp = header.timestamp();
        let mut buffer = itoa::Buffer::new();
        let digits = header.signed_timestamp(&mut buffer);
        let signed_by = |content: &[u8]| {
            self.keys
                .iter()
                .position(|key| matches_any(&key.tag_of_digits(digits, content), &header))
        };
        let Some(secret_index) = signed_by(payload) else {
            return Err(Error::SignatureMismatch {
                secret_without_prefix: self.unprefixed,
                body_change: crate::mismatch::recognise(payload, |body| signed_by(body).is_some()),
            });
        };
        self.tolerance.check(timestamp, now)?;
        Ok(Verified {
            timestamp,
            secret_index,
        })
    }

    /// [`Webhook::verify`], then parses the payload into an [`Event`].
    ///
    /// # Errors
    ///
    /// Those of `verify`, then `payload_invalid_json` and
    /// `payload_invalid_event`.
    pub fn construct_event(&self, payload: &[u8], header: &str, now: i64) -> Result<Event, Error> {
        self.verify(payload, header, now)?;
        Event::from_slice(payload)
    }

    /// [`Webhook::verify`], then checks the event on its bytes without
    /// building a tree: for bindings that build their own objects with a
    /// native parser (see [`RawEvent`]).
    ///
    /// # Errors
    ///
    /// As [`Webhook::construct_event`], decided identically.
    pub fn construct_raw_event<'p>(
        &self,
        payload: &'p [u8],
        header: &str,
        now: i64,
    ) -> Result<(Verified, RawEvent<'p>), Error> {
        let verified = self.verify(payload, header, now)?;
        Ok((verified, RawEvent::from_slice(payload)?))
    }

    /// [`Webhook::verify`], then [`crate::bindings::check_json_limits`]: for bindings
    /// that build the event with their own language's strict JSON parser and
    /// then judge it with [`crate::bindings::Envelope::check`]. Returns the payload as
    /// text for that parser.
    ///
    /// # Errors
    ///
    /// Those of `verify`, then `payload_invalid_json`.
    pub fn verify_json<'p>(
        &self,
        payload: &'p [u8],
        header: &str,
        now: i64,
    ) -> Result<(Verified, &'p str), Error> {
        let verified = self.verify(payload, header, now)?;
        Ok((verified, crate::json::check_json_limits(payload)?))
    }

    /// A header value signing `payload` at `timestamp` with the first
    /// secret, as Payvost would send it; for tests.
    ///
    /// # Errors
    ///
    /// `tolerance_invalid` for a negative timestamp, as [`crate::sign`].
    pub fn sign(&self, payload: &[u8], timestamp: i64) -> Result<String, Error> {
        match self.keys.first() {
            Some(key) => header_value(key, payload, timestamp),
            // with_secrets refuses an empty list
            None => Err(Error::SecretInvalid(crate::error::SecretProblem::NoSecrets)),
        }
    }
}

#[cfg(feature = "std")]
impl Webhook {
    /// [`Webhook::verify`] against the system clock.
    ///
    /// # Errors
    ///
    /// As [`Webhook::verify`].
    pub fn verify_now(&self, payload: &[u8], header: &str) -> Result<Verified, Error> {
        self.verify(payload, header, crate::unix_now())
    }

    /// [`Webhook::construct_event`] against the system clock.
    ///
    /// # Errors
    ///
    /// As [`Webhook::construct_event`].
    pub fn construct_event_now(&self, payload: &[u8], header: &str) -> Result<Event, Error> {
        self.construct_event(payload, header, crate::unix_now())
    }
}

/// Compares `expected` with every well-formed candidate, all of them, in
/// constant time over the 32 tag bytes; which candidate matched, and how
/// many leading bytes of the others did, is not revealed by timing.
/// Whether a candidate is the tag. Compared as lowercase hex: encoding the
/// tag once costs less than decoding each candidate, and lowercase hex is
/// one-to-one with bytes, so the answer is the decoded comparison's (an
/// uppercase or non-hex candidate matches neither way).
fn matches_any(tag: &[u8; 32], header: &SignatureHeader<'_>) -> bool {
    let expected = lower_hex(tag);
    let matched = header
        .hex_signatures()
        .fold(Choice::from(0), |acc, candidate| {
            acc | equal(candidate, &expected)
        });
    matched.into()
}

/// A candidate's 64 hex digits against the tag's, in time independent of
/// where they differ: eight words behind one `subtle` barrier.
fn equal(candidate: &[u8], expected: &[u8; 64]) -> Choice {
    let Some(candidate) = candidate
        .first_chunk::<64>()
        .filter(|_| candidate.len() == 64)
    else {
        return Choice::from(0);
    };
    let word = |bytes: &[u8]| u64::from_ne_bytes(bytes.try_into().unwrap_or([0; 8]));
    let diff = candidate
        .chunks_exact(8)
        .zip(expected.chunks_exact(8))
        .fold(0u64, |acc, (x, y)| acc | (word(x) ^ word(y)));
    diff.ct_eq(&0)
}

/// The tag in lowercase hex, by arithmetic rather than a table indexed by
/// its secret-derived bytes.
fn lower_hex(tag: &[u8; 32]) -> [u8; 64] {
    let mut hex = [0u8; 64];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(tag) {
        for (digit, nibble) in pair.iter_mut().zip([byte >> 4, byte & 0x0f]) {
            // 1 for 10 to 15: 9 - nibble wraps to a byte with its top bit set.
            let letter = 9u8.wrapping_sub(nibble) >> 7;
            *digit = nibble
                .wrapping_add(b'0')
                .wrapping_add(letter.wrapping_mul(b'a' - b'0' - 10));
        }
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_hex_is_the_usual_encoding() {
        let tag: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(9));
        let expected: alloc::string::String =
            tag.iter().map(|b| alloc::format!("{b:02x}")).collect();
        assert_eq!(&lower_hex(&tag)[..], expected.as_bytes());
        assert_eq!(&lower_hex(&[0xff; 32])[..], [b'f'; 64]);
        for byte in 0..=255u8 {
            let tag: [u8; 32] = core::array::from_fn(|i| byte.wrapping_add(i as u8));
            let expected: alloc::string::String =
                tag.iter().map(|b| alloc::format!("{b:02x}")).collect();
            assert_eq!(&lower_hex(&tag)[..], expected.as_bytes(), "{byte}");
        }
        assert_eq!(&lower_hex(&[0; 32])[..], [b'0'; 64]);
    }

    #[test]
    fn a_candidate_matches_only_as_its_exact_lowercase_hex() {
        let tag = [0xab; 32];
        let hex = lower_hex(&tag);
        assert!(bool::from(equal(&hex, &hex)));
        let upper = hex.map(|b| b.to_ascii_uppercase());
        assert!(!bool::from(equal(&upper, &hex)));
        assert!(!bool::from(equal(&hex[..63], &hex)));
        let mut longer = hex.to_vec();
        longer.push(b'0');
        assert!(!bool::from(equal(&longer, &hex)));
    }
}
