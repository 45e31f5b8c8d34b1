//! Property tests: round trips, tamper detection and panic freedom over
//! arbitrary inputs.

// Test code: a panic here is a failing test, not a crash of the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use payvost_webhooks::{Error, Event, SignatureHeader, Tolerance, Webhook, sign};
use proptest::prelude::*;

/// Secrets that pass protocol §1: no surrounding whitespace, no API key prefix.
fn secret() -> impl Strategy<Value = String> {
    "whsec_[A-Za-z0-9+/=]{0,48}|[a-z][ -~]{0,30}[a-z]".prop_filter("no API key prefix", |s| {
        !["sk_", "pk_", "rk_"].iter().any(|p| s.starts_with(p))
    })
}

fn timestamp() -> impl Strategy<Value = i64> {
    prop_oneof![
        0..=i64::MAX,
        Just(0),
        Just(i64::MAX),
        1_600_000_000i64..1_900_000_000
    ]
}

fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> &'static str {
    result.unwrap_err().code()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sign_then_verify_round_trips(payload in proptest::collection::vec(any::<u8>(), 0..2048),
                                    secret in secret(), t in timestamp(),
                                    skew in -300i64..=300) {
        let webhook = Webhook::new(&secret).unwrap();
        let header = sign(&payload, &secret, t).unwrap();
        let now = t.saturating_add(skew);
        let verified = webhook.verify(&payload, &header, now).unwrap();
        prop_assert_eq!(verified.timestamp, t);
        prop_assert_eq!(verified.secret_index, 0);
        prop_assert_eq!(webhook.sign(&payload, t).unwrap(), header);
    }

    #[test]
    fn the_matching_secret_is_reported(secrets in proptest::collection::vec(secret(), 1..5),
                                       pick in any::<prop::sample::Index>()) {
        let index = pick.index(secrets.len());
        let header = sign(b"{}", &secrets[index], 100).unwrap();
        let verified = Webhook::with_secrets(&secrets).unwrap().verify(b"{}", &header, 100).unwrap();
        // The first secret equal to the one used, which may be an earlier duplicate.
        let first = secrets.iter().position(|s| *s == secrets[index]).unwrap();
        prop_assert_eq!(verified.secret_index, first);
    }

    #[test]
    fn any_changed_payload_byte_is_a_mismatch(payload in proptest::collection::vec(any::<u8>(), 1..1024),
                                              at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let header = sign(&payload, "whsec_x", 50).unwrap();
        let mut tampered = payload.clone();
        tampered[at.index(payload.len())] ^= flip;
        let webhook = Webhook::new("whsec_x").unwrap();
        prop_assert_eq!(code(webhook.verify(&tampered, &header, 50)), "signature_mismatch");
    }

    #[test]
    fn any_other_timestamp_is_a_mismatch(t in timestamp(), other in timestamp()) {
        prop_assume!(t != other);
        let header = sign(b"{}", "whsec_x", t).unwrap();
        let signature = header.split_once(",v1=").unwrap().1;
        let forged = format!("t={other},v1={signature}");
        let webhook = Webhook::new("whsec_x").unwrap();
        prop_assert_eq!(code(webhook.verify(b"{}", &forged, other)), "signature_mismatch");
    }

    #[test]
    fn any_changed_signature_digit_is_a_mismatch(at in 0usize..64, digit in 0u32..16) {
        let header = sign(b"{}", "whsec_x", 7).unwrap();
        let (prefix, signature) = header.split_once(",v1=").unwrap();
        let mut chars: Vec<char> = signature.chars().collect();
        let replacement = char::from_digit(digit, 16).unwrap();
        prop_assume!(chars[at] != replacement);
        chars[at] = replacement;
        let forged = format!("{prefix},v1={}", chars.into_iter().collect::<String>());
        let webhook = Webhook::new("whsec_x").unwrap();
        prop_assert_eq!(code(webhook.verify(b"{}", &forged, 7)), "signature_mismatch");
    }

    #[test]
    fn header_parser_never_panics(value in any::<String>()) {
        let _ = SignatureHeader::parse(&value);
    }

    #[test]
    fn header_parser_never_panics_on_near_misses(
        parts in proptest::collection::vec(
            "t=-?[0-9]{0,21}|v1=[0-9a-fA-F]{0,66}|v0=[0-9a-f]{64}|[ \t]*|,|=|[a-z]{1,3}=[^,]{0,5}", 0..12)
    ) {
        let value = parts.concat();
        if let Ok(header) = SignatureHeader::parse(&value) {
            prop_assert!(header.timestamp() >= 0);
            let _ = header.signatures().count();
        }
        let webhook = Webhook::new("whsec_x").unwrap();
        let _ = webhook.construct_event(b"{}", &value, 0);
    }

    /// Every case reaches `construct_event` (the tolerance is always a valid
    /// one; invalid ones are `tolerance_never_panics`'s), and two thirds of
    /// the headers are well formed: a real signature of the payload, as
    /// sent or with a character changed. Each outcome is checked.
    #[test]
    fn verify_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..256),
                           noise in any::<String>(), now in 0i64..=4_102_444_800,
                           skew in -4000i64..4000, tolerance in 1i64..=3600,
                           which in 0u8..3, at in any::<usize>()) {
        let webhook = Webhook::new("whsec_x").unwrap().tolerance(tolerance).unwrap();
        let t = (now + skew).max(0);
        let real = sign(&payload, "whsec_x", t).unwrap();
        let header = match which {
            0 => noise,
            1 => real.clone(),
            _ => {
                // One character of the real header changed, so that it parses, or nearly.
                let mut chars: Vec<char> = real.chars().collect();
                let i = at % chars.len();
                chars[i] = if chars[i] == '0' { '1' } else { '0' };
                chars.into_iter().collect()
            }
        };
        match webhook.construct_event(&payload, &header, now) {
            Ok(event) => {
                prop_assert_eq!(&header, &real, "only the real signature verifies");
                prop_assert_eq!(event.json().as_bytes(), payload.as_slice());
            }
            Err(error) => {
                prop_assert!(Error::ALL.contains(&error.code()), "{}", error.code());
                if header == real && (now - t).abs() <= tolerance {
                    // Authentic and fresh: only the body can be refused.
                    prop_assert!(error.code().starts_with("payload_"), "{}", error.code());
                }
            }
        }
    }

    #[test]
    fn tolerance_never_panics(tolerance in any::<i64>()) {
        match Webhook::new("whsec_x").unwrap().tolerance(tolerance) {
            Ok(_) => prop_assert!(u64::try_from(tolerance).is_ok_and(|secs| (Tolerance::MIN_SECS..=Tolerance::MAX_SECS).contains(&secs))),
            Err(error) => prop_assert_eq!(error.code(), "tolerance_invalid"),
        }
    }

    #[test]
    fn event_parser_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = Event::from_slice(&payload) {
            prop_assert!(e.code().starts_with("payload_invalid_"));
        }
    }

    #[test]
    fn event_parser_never_panics_on_json_like_text(
        payload in r#"\{("(id|type|data|object|created)":(\{|\[|"[a-z_]{0,4}"|-?[0-9]{1,25}|null|true|,|\}|\])+)*\}?"#
    ) {
        let _ = Event::from_slice(payload.as_bytes());
    }

    #[test]
    fn tolerance_agrees_with_wide_arithmetic(t in any::<i64>(), now in any::<i64>(), secs in 1i64..=2_592_000) {
        let tolerance = Tolerance::new(secs).unwrap();
        let diff = i128::from(now) - i128::from(t);
        let result = tolerance.check(t, now);
        match result {
            Ok(()) => prop_assert!(diff.abs() <= i128::from(secs)),
            Err(Error::TimestampTooOld { age, .. }) => {
                prop_assert!(diff > i128::from(secs));
                prop_assert_eq!(i128::from(age), diff);
            }
            Err(Error::TimestampTooNew { ahead, .. }) => {
                prop_assert!(-diff > i128::from(secs));
                prop_assert_eq!(i128::from(ahead), -diff);
            }
            Err(other) => prop_assert!(false, "unexpected {other}"),
        }
    }

    #[test]
    fn tolerance_from_f64_is_total(secs in any::<f64>()) {
        match Tolerance::from_f64(secs) {
            Ok(t) => prop_assert_eq!(t.secs() as f64, secs),
            Err(e) => prop_assert_eq!(e.code(), "tolerance_invalid"),
        }
    }
}

/// JSON-ish text rich in the constructs the raw path treats specially:
/// escapes, surrogates, brackets inside strings, deep nesting.
fn json_like() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("null".to_string()),
        Just("1e400".to_string()),
        "-?[0-9]{1,30}(\\.[0-9]{1,5})?".prop_map(|s| s),
        r#""([a-z\[\]{}]|\\u[dD][89abAB][0-9a-f]{2}|\\u[dD][c-fC-F][0-9a-f]{2}|\\u00e9|\\\\|\\n|\\")*""#
            .prop_map(|s| s),
    ];
    atom.prop_recursive(140, 400, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec(inner, 0..4).prop_map(|v| {
                let members: Vec<String> = v
                    .iter()
                    .enumerate()
                    .map(|(i, x)| format!("\"k{i}\":{x}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The raw path and serde_json's tree parser agree on what JSON is.
    #[test]
    fn raw_path_accepts_exactly_what_the_tree_parser_accepts(inner in json_like(), deep in 0usize..140) {
        let body = format!(
            r#"{{"id":"evt_1","type":"x","data":{{"object":{{"v":{}{inner}{}}}}}}}"#,
            "[".repeat(deep), "]".repeat(deep)
        );
        // Without `arbitrary_precision` the tree parser alone refuses a
        // number beyond f64 (`1e400`, the generator's only one); JSON.parse
        // and json.loads take it, and so does the core.
        let tree = serde_json::from_str::<serde_json::Value>(&body.replace("1e400", "1e0")).is_ok();
        let raw = payvost_webhooks::RawEvent::from_slice(body.as_bytes());
        prop_assert_eq!(raw.is_ok(), tree, "{}: {:?}", body, raw.err());
    }
}
