//! The one error type of the crate, with the stable codes of protocol §6.

use alloc::string::String;
use core::fmt;

/// Everything that can go wrong while checking or parsing a webhook.
///
/// Each variant has a stable snake_case [`code`](Error::code), the same
/// string in every Payvost SDK, and a one-sentence [`Display`](core::fmt::Display) message that
/// says what to do. Messages never contain a secret and never echo more than
/// the first 100 bytes of a payload or header.
///
/// ```
/// use payvost_webhooks::{Error, Webhook};
///
/// let err = Webhook::new("sk_live_123").unwrap_err();
/// assert_eq!(err.code(), "secret_invalid");
/// assert!(err.to_string().contains("whsec_"));
/// assert!(Error::ALL.contains(&err.code()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A signing secret breaks a rule of protocol §1.
    SecretInvalid(SecretProblem),
    /// The tolerance is not a whole number of seconds from 1 to 30 days, or
    /// `now` is not a usable time.
    ToleranceInvalid(ToleranceProblem),
    /// The `Payvost-Signature` header is absent or empty.
    HeaderMissing,
    /// The header breaks the grammar of protocol §2.
    HeaderMalformed(HeaderProblem),
    /// The header is well formed but carries no `v1` signature.
    NoSignatures,
    /// No `v1` signature matches any secret.
    SignatureMismatch {
        /// Whether a secret given lacks the `whsec_` prefix, so that the
        /// message can say that it is likely not a webhook signing secret.
        secret_without_prefix: bool,
        /// A usual change to the body that, undone, gives a body a
        /// signature matches (protocol §4.1): the message then names it
        /// and its fix. The delivery is refused all the same.
        body_change: Option<crate::BodyChange>,
    },
    /// The signature is valid but older than the tolerance allows.
    TimestampTooOld {
        /// How many seconds before `now` the header's `t` lies.
        age: u64,
        /// The tolerance in force, in seconds.
        tolerance: u64,
    },
    /// The signature is valid but its timestamp lies too far in the future.
    TimestampTooNew {
        /// How many seconds after `now` the header's `t` lies.
        ahead: u64,
        /// The tolerance in force, in seconds.
        tolerance: u64,
    },
    /// The authenticated payload is not a UTF-8 JSON object.
    PayloadInvalidJson(String),
    /// The authenticated payload is JSON but not an event (protocol §5).
    PayloadInvalidEvent(String),
    /// A binding was handed a payload that is neither bytes nor a string.
    ///
    /// The core never produces it; bindings use it so that every language
    /// shares one code and one message for the most common mistake.
    PayloadWrongType(String),
    /// A binding was given an option it cannot use: a body limit that is
    /// not a positive whole number of bytes, or a promise (answering before
    /// the handlers run) that its platform cannot keep; holds the message.
    ///
    /// The core never produces it; the doors raise it when an adapter is
    /// built, with this one code in every language.
    OptionInvalid(String),
    /// Another worker holds the lease on this event (protocol §11); holds
    /// the event id.
    EventInProgress(String),
    /// The idempotency store could not be reached or answered an error;
    /// holds what it said.
    StoreUnavailable(String),
    /// The event id was recorded with another body (its fingerprint);
    /// holds the event id.
    EventIdReused(String),
    /// This worker's lease ended and another worker took the event, so its
    /// completion was not recorded; holds the event id.
    LeaseLost(String),
    /// The receiver was already handling its limit of deliveries at once
    /// (an adapter's `maxConcurrent`), so it answered 503 with
    /// `Retry-After` before reading the body (protocol §10.2); holds the
    /// limit, as the door wrote it.
    ///
    /// The core never produces it; the adapters answer it, with this one
    /// code in every language.
    ReceiverBusy(String),
}

/// Which secret rule was broken (protocol §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretProblem {
    /// No secret at all was given.
    NoSecrets,
    /// A binding was given no value where the secret belongs: `undefined`,
    /// `null`, `None`, `false` (as `getenv` answers for an unset variable);
    /// holds how the language writes it.
    Absent(&'static str),
    /// A binding was given something that is not a string, or a list of them.
    NotText,
    /// The secret is the empty string.
    Empty {
        /// Position of the secret in the list given.
        index: usize,
    },
    /// The secret is only whitespace.
    OnlyWhitespace {
        /// Position of the secret in the list given.
        index: usize,
    },
    /// The secret starts or ends with whitespace.
    SurroundingWhitespace {
        /// Position of the secret in the list given.
        index: usize,
    },
    /// The secret starts with an API key prefix.
    LooksLikeApiKey {
        /// Position of the secret in the list given.
        index: usize,
        /// The prefix found: `sk_`, `pk_` or `rk_`.
        prefix: &'static str,
    },
}

/// Why a tolerance was refused (protocol §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToleranceProblem {
    /// Zero or negative.
    NotPositive,
    /// Not a whole number of seconds (a fraction, NaN or infinity).
    NotWhole,
    /// More than 30 days.
    TooLarge,
    /// A binding was given something that is not a number.
    NotANumber,
    /// A time (`now`, or a timestamp to sign) that is NaN or infinite.
    TimeNotFinite,
    /// A timestamp to sign that is negative: the header grammar has no
    /// sign, so no verifier would accept the header.
    SigningTimeNegative(i64),
}

/// Which rule of the header grammar was broken (protocol §2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// The value is longer than [`crate::bindings::MAX_HEADER_LEN`] bytes after trimming.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// An element has no `=`; holds the start of the element.
    ElementWithoutEquals(String),
    /// No `t` element.
    NoTimestamp,
    /// More than one `t` element.
    DuplicateTimestamp,
    /// A `t` or `v1` key after spaces or tabs: two header lines joined by
    /// `, `, which Payvost never sends.
    JoinedLines,
    /// The `t` value is not 1 to 19 digits fitting an `i64`; holds the start of it.
    BadTimestamp(String),
    /// A binding was given a header that is not text; holds the type's name.
    NotText(String),
}

impl Error {
    /// Every code, in the order of protocol §6. Bindings test that they expose each one.
    pub const ALL: &'static [&'static str] = &[
        "secret_invalid",
        "tolerance_invalid",
        "header_missing",
        "header_malformed",
        "no_signatures",
        "signature_mismatch",
        "timestamp_too_old",
        "timestamp_too_new",
        "payload_invalid_json",
        "payload_invalid_event",
        "payload_wrong_type",
        "option_invalid",
        "event_in_progress",
        "store_unavailable",
        "event_id_reused",
        "lease_lost",
        "receiver_busy",
    ];

    /// The stable snake_case code of protocol §6.
    ///
    /// ```
    /// assert_eq!(payvost_webhooks::Error::HeaderMissing.code(), "header_missing");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::SecretInvalid(_) => "secret_invalid",
            Error::ToleranceInvalid(_) => "tolerance_invalid",
            Error::HeaderMissing => "header_missing",
            Error::HeaderMalformed(_) => "header_malformed",
            Error::NoSignatures => "no_signatures",
            Error::SignatureMismatch { .. } => "signature_mismatch",
            Error::TimestampTooOld { .. } => "timestamp_too_old",
            Error::TimestampTooNew { .. } => "timestamp_too_new",
            Error::PayloadInvalidJson(_) => "payload_invalid_json",
            Error::PayloadInvalidEvent(_) => "payload_invalid_event",
            Error::PayloadWrongType(_) => "payload_wrong_type",
            Error::OptionInvalid(_) => "option_invalid",
            Error::EventInProgress(_) => "event_in_progress",
            Error::StoreUnavailable(_) => "store_unavailable",
            Error::EventIdReused(_) => "event_id_reused",
            Error::LeaseLost(_) => "lease_lost",
            Error::ReceiverBusy(_) => "receiver_busy",
        }
    }

    /// What kind of failure this is, which decides a receiver's answer.
    ///
    /// ```
    /// use payvost_webhooks::{Category, Error};
    ///
    /// let mismatch = Error::SignatureMismatch { secret_without_prefix: false, body_change: None };
    /// assert_eq!(mismatch.category(), Category::Signature);
    /// assert_eq!(Category::of("secret_invalid"), Some(Category::Configuration));
    /// ```
    pub fn category(&self) -> Category {
        // Decided once, by code, in `Category::of`; every code has one (a
        // test in `core/tests/messages.rs` holds it).
        Category::of(self.code()).unwrap_or(Category::Payload)
    }

    /// `payload_invalid_json`, saying `why` the payload is not a JSON
    /// object, cut at [`ECHO_LIMIT`] bytes: for bindings whose own parser
    /// refused the payload.
    pub fn invalid_json(why: &str) -> Error {
        Error::PayloadInvalidJson(truncated(why, ECHO_LIMIT))
    }
}

/// The three kinds of failure (protocol §6), one per error class in every
/// language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// The request is not authentic or not fresh (header, signature and
    /// timestamp codes): answer 400 and never process the body.
    Signature,
    /// The request is authentic but its body is not an event, or the body
    /// handed over was not the raw bytes.
    Payload,
    /// The receiver is misconfigured (secret, tolerance or an adapter's
    /// options), whatever the request.
    Configuration,
    /// The delivery is authentic, but processing it once could not be
    /// assured now (protocol §11): the idempotency guard's codes.
    Processing,
}

impl Category {
    /// The category's name: `signature`, `payload` or `configuration`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Signature => "signature",
            Category::Payload => "payload",
            Category::Configuration => "configuration",
            Category::Processing => "processing",
        }
    }

    /// The category of the error with code `code`, if it is one of ours.
    pub fn of(code: &str) -> Option<Category> {
        Some(match code {
            "secret_invalid" | "tolerance_invalid" | "option_invalid" => Category::Configuration,
            "header_missing" | "header_malformed" | "no_signatures" | "signature_mismatch"
            | "timestamp_too_old" | "timestamp_too_new" => Category::Signature,
            "payload_invalid_json" | "payload_invalid_event" | "payload_wrong_type" => {
                Category::Payload
            }
            "event_in_progress" | "store_unavailable" | "event_id_reused" | "lease_lost"
            | "receiver_busy" => Category::Processing,
            _ => return None,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SecretInvalid(p) => write!(f, "{p}"),
            Error::ToleranceInvalid(p) => write!(f, "{p}"),
            Error::HeaderMissing => f.write_str(
                "The Payvost-Signature header is missing or empty; \
                 pass the value of the request's Payvost-Signature header",
            ),
            Error::HeaderMalformed(p) => {
                write!(f, "The Payvost-Signature header is malformed: {p}")
            }
            Error::NoSignatures => f.write_str(
                "The Payvost-Signature header has no v1 signature; \
                 only v1 signatures are accepted",
            ),
            Error::SignatureMismatch {
                body_change: Some(change),
                ..
            } => write!(
                f,
                "No signature in the Payvost-Signature header matches this payload, but {change}."
            ),
            Error::SignatureMismatch {
                secret_without_prefix,
                body_change: None,
            } => {
                f.write_str(MISMATCH_UNEXPLAINED)?;
                f.write_str(
                    " Either the body passed is not the raw request body, byte for byte as received \
                     (a JSON body parser re-serialises it), or the secret is not this endpoint's \
                     signing secret (whsec_...)",
                )?;
                if *secret_without_prefix {
                    f.write_str(
                        ". The secret given does not start with whsec_, as every Payvost webhook \
                         signing secret does: it is most likely another value",
                    )?;
                }
                f.write_str(".")
            }
            Error::TimestampTooOld { age, tolerance } => write!(
                f,
                "The signature's timestamp is {age} seconds old, beyond the tolerance of \
                 {tolerance} seconds; if the event was queued, pass the time it was \
                 received as `now`, otherwise check this server's clock"
            ),
            Error::TimestampTooNew { ahead, tolerance } => write!(
                f,
                "The signature's timestamp is {ahead} seconds in the future, beyond the \
                 tolerance of {tolerance} seconds; check this server's clock"
            ),
            Error::PayloadInvalidJson(why) => {
                write!(f, "The payload is authentic but not a JSON object: {why}")
            }
            Error::PayloadInvalidEvent(why) => {
                write!(
                    f,
                    "The payload is authentic JSON but not a Payvost event: {why}"
                )
            }
            Error::PayloadWrongType(why) | Error::OptionInvalid(why) => f.write_str(why),
            Error::EventInProgress(id) => write!(
                f,
                "Event {id} is being processed by another worker, which holds its lease; answer 409: \
                 Payvost's retry will find it processed, or free again if that worker failed"
            ),
            Error::StoreUnavailable(why) => write!(
                f,
                "The idempotency store could not be reached or answered an error ({why}); the handler \
                 did not run: answer 503, and Payvost retries"
            ),
            Error::EventIdReused(id) => write!(
                f,
                "Event {id} was received before with a different body; an event id always carries \
                 the same event, so this delivery is refused and its handler not run"
            ),
            Error::LeaseLost(id) => write!(
                f,
                "This worker's lease on event {id} ended and another worker took the event, so this \
                 completion was not recorded and the other worker's stands; set a lease longer than \
                 the handler's longest run"
            ),
            Error::ReceiverBusy(limit) => write!(
                f,
                "This receiver was already handling its limit of deliveries at once ({limit}), so it \
                 answered 503 without reading this one; Payvost delivers it again later"
            ),
        }
    }
}

impl fmt::Display for SecretProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SecretProblem::NoSecrets => f.write_str("No webhook signing secret was given"),
            SecretProblem::Absent(what) => write!(
                f,
                "The webhook signing secret is {what}: is {SECRET_VARIABLE} set? Pass the \
                 endpoint's signing secret (whsec_...), as the docs read it from {SECRET_VARIABLE}"
            ),
            SecretProblem::NotText => f.write_str(
                "The webhook signing secret must be a string (whsec_...) or a list of strings",
            ),
            SecretProblem::Empty { index } => {
                write!(f, "The webhook signing secret{} is empty", Nth(index))
            }
            SecretProblem::OnlyWhitespace { index } => {
                write!(
                    f,
                    "The webhook signing secret{} is only whitespace",
                    Nth(index)
                )
            }
            SecretProblem::SurroundingWhitespace { index } => write!(
                f,
                "The webhook signing secret{} starts or ends with whitespace, often a newline \
                 copied from a .env file; remove it, the secret is used exactly as given",
                Nth(index)
            ),
            SecretProblem::LooksLikeApiKey { index, prefix } => write!(
                f,
                "The webhook signing secret{} starts with {prefix} and looks like an API key; \
                 the webhook signing secret starts with whsec_",
                Nth(index)
            ),
        }
    }
}

/// How `signature_mismatch` begins when no usual change to the body was
/// recognised: a door adds its own hint (how its frameworks hand the raw
/// body) to such a message only, for a recognised change names its own fix.
pub const MISMATCH_UNEXPLAINED: &str =
    "No signature in the Payvost-Signature header matches this payload and secret.";

/// The environment variable the webhook docs keep the secret in.
pub const SECRET_VARIABLE: &str = "PAYVOST_WEBHOOK_SECRET";

/// Renders " #N" for the N-th secret of a list, counting from 0, or
/// nothing for the first, which is usually the only one.
struct Nth(usize);

impl fmt::Display for Nth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => Ok(()),
            n => write!(f, " at index {n}"),
        }
    }
}

/// The largest tolerance in days, as the messages state it.
const MAX_DAYS: u64 = crate::Tolerance::MAX_SECS / 86_400;

/// The range every tolerance message states, written from the bounds
/// themselves (the facts carry it as `messages.tolerance_range`, for the
/// doors that refuse a tolerance of the wrong type before the core sees it).
pub(crate) fn tolerance_range(f: &mut impl fmt::Write) -> fmt::Result {
    write!(
        f,
        "The tolerance must be a whole number of seconds from {} to {} ({MAX_DAYS} days)",
        crate::Tolerance::MIN_SECS,
        crate::Tolerance::MAX_SECS,
    )
}

impl fmt::Display for ToleranceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ToleranceProblem::TimeNotFinite => {
                return f.write_str("`now` and timestamps must be finite numbers of unix seconds");
            }
            ToleranceProblem::SigningTimeNegative(t) => {
                return write!(
                    f,
                    "Cannot sign at timestamp {t}: a Payvost-Signature's t is whole unix seconds \
                     from 0, and every verifier refuses a negative one as header_malformed"
                );
            }
            _ => {}
        }
        tolerance_range(f)?;
        match self {
            ToleranceProblem::NotPositive => f.write_str("; it was zero or negative"),
            ToleranceProblem::NotWhole => f.write_str("; it was not a whole number"),
            ToleranceProblem::TooLarge => write!(f, "; it was more than {} days", MAX_DAYS),
            ToleranceProblem::NotANumber => f.write_str("; it was not a number"),
            ToleranceProblem::TimeNotFinite | ToleranceProblem::SigningTimeNegative(_) => Ok(()),
        }
    }
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderProblem::TooLong { len } => write!(
                f,
                "it is {len} bytes long, more than the {} allowed",
                crate::header::MAX_HEADER_LEN
            ),
            HeaderProblem::ElementWithoutEquals(start) => {
                write!(f, "the element {start:?} has no '='")
            }
            HeaderProblem::NoTimestamp => f.write_str("it has no t= timestamp"),
            HeaderProblem::DuplicateTimestamp => f.write_str("it has more than one t= timestamp"),
            HeaderProblem::JoinedLines => f.write_str(
                "a t= or v1= element follows a space, as when the request carried the header twice \
                 and they were joined by \", \"; Payvost sends it once",
            ),
            HeaderProblem::NotText(kind) => write!(f, "it must be text, not {kind}"),
            HeaderProblem::BadTimestamp(start) => write!(
                f,
                "the timestamp t={start:?} is not 1 to 19 digits of unix seconds"
            ),
        }
    }
}

impl core::error::Error for Error {}

/// The first `max` bytes of `s`, cut back to a character boundary, so that
/// messages never echo much of a hostile input.
pub(crate) fn truncated(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    s.get(..end).map(String::from).unwrap_or_default()
}

/// The start of a header or payload that an error may carry: its first
/// [`ECHO_LIMIT`] bytes as text, without a character the cut split, and
/// with any byte that is not UTF-8 shown as U+FFFD.
///
/// ```
/// let body = "é".repeat(60); // 120 bytes
/// assert_eq!(payvost_webhooks::bindings::echo(body.as_bytes()), "é".repeat(50));
/// assert_eq!(payvost_webhooks::bindings::echo(b"a\xffb"), "a\u{FFFD}b");
/// // A character the cut splits is left out; one broken before the end is not.
/// let odd = format!("a{}", "é".repeat(60)); // é at bytes 99 and 100
/// assert_eq!(payvost_webhooks::bindings::echo(odd.as_bytes()), format!("a{}", "é".repeat(49)));
/// assert_eq!(payvost_webhooks::bindings::echo(b"ab\xe2\x82"), "ab\u{FFFD}");
/// assert_eq!(payvost_webhooks::bindings::echo(b"a\xff"), "a\u{FFFD}");
/// ```
pub fn echo(bytes: &[u8]) -> String {
    let cut = bytes.get(..ECHO_LIMIT).unwrap_or(bytes);
    let mut text = String::with_capacity(cut.len());
    let mut chunks = cut.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        text.push_str(chunk.valid());
        let invalid = chunk.invalid();
        let split_by_the_cut = chunks.peek().is_none()
            && bytes.len() > cut.len()
            && core::str::from_utf8(invalid).is_err_and(|e| e.error_len().is_none());
        if !invalid.is_empty() && !split_by_the_cut {
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    text
}

/// How many bytes of a header or payload an error may echo (protocol §6),
/// in messages and in the header and payload bindings attach to errors.
pub const ECHO_LIMIT: usize = 100;
