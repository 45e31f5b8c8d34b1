//! The facts every front door shares, written once here and handed to the
//! doors as one JSON document, which each reads from the core when it loads
//! (`tests/vectors/facts.json` is a copy for readers, held by a test).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use crate::error::{Category, ECHO_LIMIT, Error, SecretProblem};
use crate::event::{Envelope, EventType, Member};
use crate::header::MAX_HEADER_LEN;
use crate::json::MAX_DEPTH;
use crate::receiver::{
    BODY_CUT_OFF_MESSAGE, BODY_LIMIT, CONTENT_LENGTH_INVALID_MESSAGE, DRAIN_LIMIT,
    LIMIT_INVALID_MESSAGE, body_too_large_message,
};
use crate::tolerance::Tolerance;

/// Every fact the front doors share, as JSON: the error codes with their
/// categories, the tolerance's default and bounds, the echo limit, the
/// header, nesting and body limits, the envelope's kind codes, the known event
/// types with their objects, and the messages bindings raise themselves.
///
/// ```
/// let facts: serde_json::Value = serde_json::from_str(&payvost_webhooks::bindings::facts_json()).unwrap();
/// assert_eq!(facts["tolerance"]["default"], 300);
/// assert_eq!(facts["errors"][0]["code"], "secret_invalid");
/// assert_eq!(facts["errors"][0]["category"], "configuration");
/// ```
pub fn facts_json() -> String {
    let list = |items: Vec<String>| alloc::format!("[\n    {}\n  ]", items.join(",\n    "));
    let errors = Error::ALL
        .iter()
        .map(|&code| {
            let category = Category::of(code).map_or("", Category::as_str);
            alloc::format!(
                r#"{{"code": {}, "category": {}, "status": {}}}"#,
                text(code),
                text(category),
                crate::receiver::status_of(code)
            )
        })
        .collect();
    let kinds = Member::CODES
        .iter()
        .map(|&(kind, code)| alloc::format!(r#"{{"kind": {}, "code": {code}}}"#, text(kind)))
        .collect();
    let event_types = EventType::KNOWN
        .iter()
        .map(|t| {
            let (name, object) = (t.known_name(), t.object_kind().as_str());
            alloc::format!(r#"{{"name": {}, "object": {}}}"#, text(name), text(object))
        })
        .collect();
    let not_json = Error::invalid_json("it is not valid JSON").to_string();
    // A template: bindings put how their language writes the value for `{what}`.
    let absent = Error::SecretInvalid(SecretProblem::Absent("{what}")).to_string();
    let too_large = body_too_large_message(BODY_LIMIT).replace(&BODY_LIMIT.to_string(), "{limit}");
    let mut tolerance_range = String::new();
    let _ = crate::error::tolerance_range(&mut tolerance_range);
    // Templates of the processing codes' messages: doors fill `{id}`, `{why}`, `{limit}`.
    let guard = [
        Error::EventInProgress("{id}".into()),
        Error::StoreUnavailable("{why}".into()),
        Error::EventIdReused("{id}".into()),
        Error::LeaseLost("{id}".into()),
        Error::ReceiverBusy("{limit}".into()),
    ]
    .map(|error| alloc::format!("{}: {}", text(error.code()), text(&error.to_string())));
    let mut json = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        json,
        r#"{{
  "schema": "facts/1",
  "signature_header": {header},
  "errors": {errors},
  "tolerance": {{"default": {default}, "min": {min}, "max": {max}}},
  "echo_limit": {ECHO_LIMIT},
  "max_header_len": {MAX_HEADER_LEN},
  "max_depth": {MAX_DEPTH},
  "body_limit": {BODY_LIMIT},
  "drain_limit": {DRAIN_LIMIT},
  "statuses": {{{statuses}}},
  "packed_secrets": {packed},
  "kinds": {kinds},
  "envelope": {envelope},
  "event_types": {event_types},
  "objects": {objects},
  "idempotency": {idempotency},
  "delivery": {delivery},
  "messages": {{"payload_not_json": {not_json}, "secret_absent": {absent}, "body_too_large": {too_large}, "content_length_invalid": {content_length}, "body_cut_off": {cut_off}, "limit_invalid": {limit_invalid}, "tolerance_range": {tolerance_range}, "signature_mismatch_unexplained": {unexplained}, "base64_body_invalid": {base64_invalid}, {guard}}}
}}"#,
        header = text(crate::SIGNATURE_HEADER),
        packed = crate::verify::PACKED_SECRETS,
        statuses = crate::receiver::STATUSES
            .iter()
            .map(|(status, reason)| alloc::format!(r#""{status}": {}"#, text(reason)))
            .collect::<Vec<_>>()
            .join(", "),
        idempotency = crate::idempotency::facts_json(),
        delivery = crate::delivery::facts_json(),
        errors = list(errors),
        default = Tolerance::DEFAULT.secs(),
        min = Tolerance::MIN_SECS,
        max = Tolerance::MAX_SECS,
        kinds = list(kinds),
        envelope = envelope_json(),
        event_types = list(event_types),
        objects = objects_json(),
        not_json = text(&not_json),
        absent = text(&absent),
        too_large = text(&too_large),
        content_length = text(CONTENT_LENGTH_INVALID_MESSAGE),
        cut_off = text(BODY_CUT_OFF_MESSAGE),
        limit_invalid = text(LIMIT_INVALID_MESSAGE),
        tolerance_range = text(&tolerance_range),
        unexplained = text(crate::error::MISMATCH_UNEXPLAINED),
        base64_invalid = text(crate::receiver::BASE64_BODY_INVALID_MESSAGE),
        guard = guard.join(", "),
    );
    json
}

/// The event rules of protocol §5.2 as data (see [`crate::event::MEMBER_RULES`]):
/// by position in the list of `Envelope::from_codes`, the kind code each
/// member must have; `created`'s kinds that count as absent, and the bound
/// of its whole number otherwise.
fn envelope_json() -> String {
    let members: Vec<String> = crate::event::MEMBER_RULES
        .iter()
        .map(|(at, name, kind)| {
            alloc::format!(
                r#"{{"at": {at}, "name": {}, "kind": {}}}"#,
                text(name),
                kind.code()
            )
        })
        .collect();
    let absent: Vec<String> = crate::event::CREATED_ABSENT
        .iter()
        .map(|kind| kind.code().to_string())
        .collect();
    alloc::format!(
        r#"{{"size": {size}, "top_level": {top}, "top_level_at": {top_at}, "members": [{members}], "created": {{"at": {created_at}, "value_at": {value_at}, "absent": [{absent}], "number": {number}, "whole_up_to": {max}}}}}"#,
        size = Envelope::CODES_LEN,
        top = Member::Object.code(),
        top_at = Envelope::TOP_LEVEL_AT,
        created_at = Envelope::CREATED_AT,
        value_at = Envelope::CREATED_VALUE_AT,
        members = members.join(", "),
        absent = absent.join(", "),
        number = Member::Number(0.0).code(),
        max = crate::event::MAX_SAFE_INTEGER as u64,
    )
}

/// The typed views' schema (protocol §5.3): for each kind of object, the
/// name every door gives its class, and each typed field's wire name, JSON
/// type and doc. The doors' typed views are generated from it
/// (`scripts/generate-objects.py`), and the event types carrying each kind
/// are in `event_types`.
fn objects_json() -> String {
    let objects: Vec<String> = crate::event::SCHEMA
        .iter()
        .map(|object| {
            let fields: Vec<String> = object
                .fields
                .iter()
                .map(|field| {
                    alloc::format!(
                        r#"{{"name": {}, "type": {}, "doc": {}}}"#,
                        text(field.name),
                        text(field.json_type),
                        text(field.doc)
                    )
                })
                .collect();
            alloc::format!(
                r#"{{"kind": {}, "class": {}, "doc": {}, "fields": [{}]}}"#,
                text(object.kind.as_str()),
                text(object.class),
                text(object.doc),
                fields.join(", ")
            )
        })
        .collect();
    alloc::format!("[\n    {}\n  ]", objects.join(",\n    "))
}

/// `s` as a JSON string; of control characters the facts hold only the
/// newlines of the Redis scripts.
pub(crate) fn text(s: &str) -> String {
    alloc::format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

#[cfg(test)]
mod tests {
    /// The committed copy is the core's own: regenerate it with
    /// `PAYVOST_WRITE_FACTS=1 cargo test -p payvost-webhooks facts`.
    #[test]
    fn facts_json_is_the_committed_copy() {
        extern crate std;
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/facts.json");
        let facts = alloc::format!("{}\n", super::facts_json());
        if std::env::var_os("PAYVOST_WRITE_FACTS").is_some() {
            // Writing is not checking: CI must compare, never regenerate.
            assert!(
                std::env::var_os("CI").is_none(),
                "PAYVOST_WRITE_FACTS is set under CI, where the committed copy is to be checked"
            );
            std::fs::write(path, &facts).unwrap_or_else(|e| panic!("{path}: {e}"));
            std::eprintln!("wrote {path}: commit it");
            return;
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            committed, facts,
            "tests/vectors/facts.json is stale: see this test's doc"
        );
    }
}
