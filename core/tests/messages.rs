//! What users read: every message is one helpful sentence, never holds a
//! secret, and never echoes more than 100 bytes of input.

// Test code: a panic here is a failing test, not a crash of the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use payvost_webhooks::{Category, Error, Webhook, sign};

const SECRET: &str = "whsec_do_not_leak_me_42";

fn err(result: Result<impl std::fmt::Debug, Error>) -> Error {
    result.unwrap_err()
}

#[test]
fn secret_messages_say_which_rule_was_broken() {
    let cases = [
        ("", "is empty"),
        ("  ", "only whitespace"),
        ("whsec_x\n", "newline"),
        (" whsec_x", "starts or ends with whitespace"),
        ("sk_live_x", "starts with sk_ and looks like an API key"),
        ("pk_live_x", "the webhook signing secret starts with whsec_"),
    ];
    for (secret, words) in cases {
        let e = err(Webhook::new(secret));
        assert_eq!(e.code(), "secret_invalid");
        assert!(e.to_string().contains(words), "{secret:?}: {e}");
    }
    let e = err(Webhook::with_secrets(&["whsec_a", "rk_b"]));
    assert!(e.to_string().contains("at index 1"), "{e}");
    let e = err(Webhook::with_secrets::<&str>(&[]));
    assert!(e.to_string().contains("No webhook signing secret"), "{e}");
}

#[test]
fn secrets_never_appear_in_messages_or_debug() {
    let webhook = Webhook::with_secrets(&[SECRET, "whsec_other_secret_x"]).unwrap();
    let shown = format!("{webhook:?} {webhook:#?}");
    assert!(
        !shown.contains("do_not_leak") && !shown.contains("other_secret"),
        "{shown}"
    );
    let header = sign(b"{}", SECRET, 10).unwrap();
    for (payload, header, now) in [
        (&b"{}"[..], "t=1,v1=00", 1),
        (b"{}", "", 1),
        (b"{}", &header, 10_000),
        (b"{}", &header, -10_000),
        (b"[]", &sign(b"[]", SECRET, 1).unwrap(), 1),
        (b"{}", &header, 10),
    ] {
        let e = err(webhook.construct_event(payload, header, now));
        let text = format!("{e} {e:?}");
        assert!(!text.contains("do_not_leak"), "{text}");
    }
    for bad in [
        " whsec_do_not_leak_me_42",
        "sk_do_not_leak_me_42",
        "whsec_do_not_leak_me_42\n",
    ] {
        let e = err(Webhook::new(bad));
        assert!(!format!("{e} {e:?}").contains("do_not_leak"), "{e}");
    }
}

#[test]
fn messages_echo_at_most_100_bytes_of_input() {
    let webhook = Webhook::new(SECRET).unwrap();
    let long = "q".repeat(5000);
    for header in [
        format!("t=1,{long}"),
        format!("t={long},v1=00"),
        format!("t=1,v1=00,{}é{long}", "z".repeat(97)),
    ] {
        let e = err(webhook.verify(b"{}", &header, 1));
        assert_eq!(e.code(), "header_malformed");
        let echoed = e.to_string().matches(['q', 'z']).count();
        assert!(echoed <= 100, "{echoed} bytes echoed: {e}");
    }
}

#[test]
fn timestamp_messages_give_age_and_tolerance() {
    let webhook = Webhook::new(SECRET).unwrap();
    let header = sign(b"{}", SECRET, 1000).unwrap();
    let old = err(webhook.verify(b"{}", &header, 1400));
    assert_eq!(
        old,
        Error::TimestampTooOld {
            age: 400,
            tolerance: 300
        }
    );
    assert!(old.to_string().contains("400 seconds old"), "{old}");
    assert!(
        old.to_string().contains("tolerance of 300 seconds"),
        "{old}"
    );
    let new = err(webhook.verify(b"{}", &header, 600));
    assert!(
        new.to_string().contains("400 seconds in the future"),
        "{new}"
    );
}

#[test]
fn mismatch_message_asks_for_the_raw_body() {
    let e = err(Webhook::new(SECRET).unwrap().verify(b"{}", "t=1,v1=00", 1));
    assert!(e.to_string().contains("raw request body"), "{e}");
    assert!(e.to_string().contains("JSON body parser"), "{e}");
}

#[test]
fn codes_are_unique_snake_case_and_classified() {
    let mut codes = Error::ALL.to_vec();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), Error::ALL.len());
    assert!(
        codes
            .iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
    );
    let mismatch = Error::SignatureMismatch {
        secret_without_prefix: false,
        body_change: None,
    };
    assert_eq!(mismatch.category(), Category::Signature);
    assert_eq!(err(Webhook::new("")).category(), Category::Configuration);
    assert_eq!(
        Error::PayloadInvalidJson(String::new()).category(),
        Category::Payload
    );
    for code in Error::ALL {
        assert!(Category::of(code).is_some(), "{code} has no category");
    }
    assert_eq!(Category::of("no_such_code"), None);
}

#[test]
fn a_top_level_of_another_kind_is_named_plainly() {
    for (body, kind) in [
        ("42", "a number"),
        ("[1]", "an array"),
        ("\"x\"", "a string"),
        ("null", "null"),
    ] {
        let e = payvost_webhooks::Event::from_slice(body.as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("The payload is authentic but not a JSON object: its top level is {kind}")
        );
    }
}

#[test]
fn signing_refuses_what_no_verifier_accepts() {
    let refused = sign(b"{}", "", 1).unwrap_err();
    assert_eq!(refused.code(), "secret_invalid");
    assert_eq!(refused.to_string(), "The webhook signing secret is empty");
    let refused = sign(b"{}", SECRET, -1).unwrap_err();
    assert_eq!(refused.code(), "tolerance_invalid");
    assert_eq!(
        refused.to_string(),
        "Cannot sign at timestamp -1: a Payvost-Signature's t is whole unix seconds from 0, \
         and every verifier refuses a negative one as header_malformed"
    );
    let refused = Webhook::new(SECRET)
        .unwrap()
        .sign(b"{}", i64::MIN)
        .unwrap_err();
    assert_eq!(refused.code(), "tolerance_invalid");
    assert!(sign(b"{}", SECRET, 0).unwrap().starts_with("t=0,v1="));
}

#[test]
fn a_mismatch_names_both_causes_and_a_secret_without_its_prefix() {
    let payload = br#"{"id":"evt_1","type":"x","data":{"object":{}}}"#;
    let header = sign(payload, "whsec_right", 1_764_000_000).unwrap();
    let mismatch = |secret: &str| {
        Webhook::new(secret)
            .unwrap()
            .verify(b"{}", &header, 1_764_000_000)
            .unwrap_err()
            .to_string()
    };
    let both = "No signature in the Payvost-Signature header matches this payload and secret. \
        Either the body passed is not the raw request body, byte for byte as received (a JSON body \
        parser re-serialises it), or the secret is not this endpoint's signing secret (whsec_...)";
    assert_eq!(mismatch("whsec_wrong"), format!("{both}."));
    assert_eq!(
        mismatch("1234567890"),
        format!(
            "{both}. The secret given does not start with whsec_, as every Payvost webhook signing \
             secret does: it is most likely another value."
        )
    );
}

#[test]
fn an_absent_secret_names_what_was_passed_and_the_variable() {
    let e = payvost_webhooks::Error::SecretInvalid(payvost_webhooks::SecretProblem::Absent(
        "undefined",
    ));
    assert_eq!(e.code(), "secret_invalid");
    assert_eq!(
        e.to_string(),
        "The webhook signing secret is undefined: is PAYVOST_WEBHOOK_SECRET set? Pass the endpoint's \
         signing secret (whsec_...), as the docs read it from PAYVOST_WEBHOOK_SECRET"
    );
}

#[test]
fn tolerance_messages_name_the_rule() {
    use payvost_webhooks::{Tolerance, bindings::unix_seconds_from_f64};
    const RULE: &str =
        "The tolerance must be a whole number of seconds from 1 to 2592000 (30 days)";
    let message = |result: Result<Tolerance, Error>| result.unwrap_err().to_string();
    assert_eq!(
        message(Tolerance::from_f64(2_592_001.0)),
        format!("{RULE}; it was more than 30 days")
    );
    assert_eq!(Tolerance::from_f64(2_592_000.0).unwrap().secs(), 2_592_000);
    assert_eq!(
        message(Tolerance::from_f64(0.0)),
        format!("{RULE}; it was zero or negative")
    );
    assert_eq!(
        message(Tolerance::from_f64(1.5)),
        format!("{RULE}; it was not a whole number")
    );
    assert_eq!(
        message(Tolerance::from_f64(f64::NAN)),
        format!("{RULE}; it was not a whole number")
    );
    assert_eq!(
        message(Tolerance::new(2_592_001)),
        format!("{RULE}; it was more than 30 days")
    );
    assert_eq!(
        unix_seconds_from_f64(f64::INFINITY)
            .unwrap_err()
            .to_string(),
        "`now` and timestamps must be finite numbers of unix seconds"
    );
    assert_eq!(
        sign(b"{}", SECRET, -1).unwrap_err().to_string(),
        "Cannot sign at timestamp -1: a Payvost-Signature's t is whole unix seconds from 0, \
         and every verifier refuses a negative one as header_malformed"
    );
}
