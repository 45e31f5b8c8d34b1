//! Runs every conformance vector in `tests/vectors/` (schema in its README)
//! through the public API, and checks the exact outcome of each case.

// Test code: a panic here is a failing test, not a crash of the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

use base64::Engine;
use payvost_webhooks::{Category, Error, Event, EventObject, Tolerance, Webhook};
use serde_json::Value;
use serde_json::value::RawValue;

fn vector_files() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let doc = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                doc,
            )
        })
        .collect()
}

/// An integer written as a JSON number, or as a decimal string beyond 2^53.
fn int(value: &Value) -> i64 {
    match value {
        Value::String(s) => s.parse().unwrap(),
        other => other.as_i64().unwrap(),
    }
}

fn tolerance(value: Option<&Value>) -> Result<Tolerance, Error> {
    match value {
        None => Ok(Tolerance::default()),
        Some(v) => match v.as_i64() {
            Some(secs) => Tolerance::new(secs),
            None => Tolerance::from_f64(v.as_f64().unwrap()),
        },
    }
}

fn run(case: &Value) -> Result<(payvost_webhooks::Verified, Event), Error> {
    let secrets: Vec<&str> = case["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let webhook =
        Webhook::with_secrets(&secrets)?.with_tolerance(tolerance(case.get("tolerance"))?);
    let payload = base64::engine::general_purpose::STANDARD
        .decode(case["payload_b64"].as_str().unwrap())
        .unwrap();
    let header = case["header"].as_str().unwrap_or("");
    let now = int(&case["now"]);
    let verified = webhook.verify(&payload, header, now);
    let event = webhook.construct_event(&payload, header, now);
    // verify checks everything but the payload: it must agree with
    // construct_event on every other code.
    match (&verified, &event) {
        (Ok(_), Err(e)) => assert!(e.code().starts_with("payload_"), "{}: {e}", case["id"]),
        (Err(v), Err(e)) => assert_eq!(v, e, "{}", case["id"]),
        (Err(v), Ok(_)) => panic!(
            "{}: verify failed with {v} but construct_event passed",
            case["id"]
        ),
        (Ok(_), Ok(_)) => {}
    }
    Ok((verified?, event?))
}

/// The JSON text at a dotted path of the event's payload, as written.
fn at_path<'a>(event: &'a Event, path: &str) -> Option<&'a RawValue> {
    let mut value: &RawValue = serde_json::from_str(event.json()).ok()?;
    for part in path.split('.') {
        let members: HashMap<String, &RawValue> = serde_json::from_str(value.get()).ok()?;
        value = members.get(part)?;
    }
    Some(value)
}

fn parsed(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap()
}

/// The typed view's fields by their wire names, as JSON, `null` for `None`.
fn typed_fields(object: &EventObject<'_>) -> (&'static str, serde_json::Map<String, Value>) {
    let s = |v: &Option<Cow<'_, str>>| v.as_deref().map_or(Value::Null, Value::from);
    let i = |v: Option<i64>| v.map_or(Value::Null, Value::from);
    let (kind, pairs): (_, Vec<(&str, Value)>) = match object {
        EventObject::Payment(p) => (
            "payment",
            vec![
                ("id", s(&p.id)),
                ("amount", i(p.amount)),
                ("currency", s(&p.currency)),
                ("status", s(&p.status)),
                ("customer", s(&p.customer)),
            ],
        ),
        EventObject::Subscription(p) => (
            "subscription",
            vec![
                ("id", s(&p.id)),
                ("customer", s(&p.customer)),
                ("status", s(&p.status)),
                ("currentPeriodStart", i(p.current_period_start)),
                ("currentPeriodEnd", i(p.current_period_end)),
            ],
        ),
        EventObject::Refund(p) => (
            "refund",
            vec![
                ("id", s(&p.id)),
                ("payment", s(&p.payment)),
                ("amount", i(p.amount)),
                ("status", s(&p.status)),
            ],
        ),
        EventObject::Customer(p) => (
            "customer",
            vec![
                ("id", s(&p.id)),
                ("email", s(&p.email)),
                ("name", s(&p.name)),
            ],
        ),
        EventObject::Dispute(p) => (
            "dispute",
            vec![
                ("id", s(&p.id)),
                ("payment", s(&p.payment)),
                ("amount", i(p.amount)),
                ("reason", s(&p.reason)),
                ("status", s(&p.status)),
            ],
        ),
        EventObject::Other => ("other", vec![]),
        _ => panic!("a new typed view: teach this test its fields"),
    };
    (
        kind,
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    )
}

fn check_success(id: &str, expected: &Value, verified: &payvost_webhooks::Verified, event: &Event) {
    assert_eq!(event.id(), expected["event_id"], "{id}: event id");
    assert_eq!(
        event.event_type().as_str(),
        expected["event_type"],
        "{id}: event type"
    );
    assert_eq!(
        verified.secret_index as u64,
        expected["secret_index"].as_u64().unwrap(),
        "{id}: secret index"
    );
    assert_eq!(
        verified.timestamp,
        int(&expected["timestamp"]),
        "{id}: timestamp"
    );
    if let Some(created) = expected.get("created") {
        assert_eq!(event.created(), created.as_i64(), "{id}: created");
    }
    if let Some(object) = expected.get("object") {
        let (kind, typed) = typed_fields(&event.object());
        assert_eq!(kind, object["kind"], "{id}: object kind");
        assert_eq!(
            event.event_type().object_kind().as_str(),
            kind,
            "{id}: object kind"
        );
        assert_eq!(
            &Value::Object(typed),
            &object["typed"],
            "{id}: typed fields"
        );
    }
    for (path, value) in expected
        .get("fields")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        assert_eq!(
            at_path(event, path).map(parsed).as_ref(),
            Some(value),
            "{id}: field {path}"
        );
    }
    for (path, text) in expected
        .get("numbers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let number = at_path(event, path).unwrap().get();
        assert_eq!(&Value::from(number), text, "{id}: exact number at {path}");
    }
    if let Some(previous) = expected.get("previous_attributes") {
        let got = event
            .previous_attributes()
            .map(|text| serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(
            got.as_ref().unwrap_or(&Value::Null),
            previous,
            "{id}: previous_attributes"
        );
    }
}

#[test]
fn every_vector_has_the_expected_outcome() {
    let mut codes_seen = std::collections::BTreeSet::new();
    let mut count = 0;
    for (file, doc) in vector_files() {
        if doc["schema"] != "verify/1" {
            continue; // rfc4231.json: the MAC itself, run by the crate's unit tests
        }
        for case in doc["cases"].as_array().unwrap() {
            let id = case["id"].as_str().unwrap();
            let expected = &case["expected"];
            match (run(case), expected.get("error")) {
                (Ok((verified, event)), None) => check_success(id, expected, &verified, &event),
                (Err(e), Some(code)) => {
                    assert_eq!(e.code(), code, "{file} {id}: {e}");
                    if let Some(message) = expected.get("message") {
                        assert_eq!(e.to_string(), message.as_str().unwrap(), "{file} {id}");
                    }
                    assert!(Error::ALL.contains(&e.code()));
                    codes_seen.insert(e.code());
                }
                (Ok((_, event)), Some(code)) => {
                    panic!("{id}: expected {code}, got event {}", event.id())
                }
                (Err(e), None) => panic!("{id}: expected success, got {}: {e}", e.code()),
            }
            count += 1;
        }
    }
    assert!(count >= 150, "only {count} cases");
    // Every code the core can produce is covered by at least one vector;
    // the doors' own two are about what they were handed, and the guard's
    // about a store, not the bytes.
    let core_codes: Vec<_> = Error::ALL
        .iter()
        .filter(|c| Category::of(c) != Some(Category::Processing))
        .filter(|c| !matches!(**c, "payload_wrong_type" | "option_invalid"))
        .collect();
    for code in core_codes {
        assert!(codes_seen.contains(code), "no vector ends in {code}");
    }
}
