//! The facts every front door shares, written once here and handed to the
//! doors as one JSON document, which each reads from the core when it loads
//! (`tests/vectors/facts.json` is a copy for readers, held by a test).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Serialize;

use crate::error::{Category, ECHO_LIMIT, Error};
use crate::event::{EventType, Member};
use crate::header::MAX_HEADER_LEN;
use crate::json::MAX_DEPTH;
use crate::tolerance::Tolerance;

#[derive(Serialize)]
struct Facts {
    schema: &'static str,
    signature_header: &'static str,
    errors: Vec<ErrorFact>,
    tolerance: ToleranceFacts,
    echo_limit: usize,
    max_header_len: usize,
    max_depth: usize,
    kinds: Vec<KindFact>,
    event_types: Vec<EventTypeFact>,
    messages: Messages,
}

#[derive(Serialize)]
struct ErrorFact {
    code: &'static str,
    category: &'static str,
}

#[derive(Serialize)]
struct ToleranceFacts {
    default: u64,
    min: u64,
    max: u64,
}

#[derive(Serialize)]
struct KindFact {
    kind: &'static str,
    code: u32,
}

#[derive(Serialize)]
struct EventTypeFact {
    name: &'static str,
    object: &'static str,
}

/// The messages of failures that a binding detects with its own language's
/// tools, worded here like every other.
#[derive(Serialize)]
struct Messages {
    /// `payload_invalid_json` when the language's JSON parser refused it.
    payload_not_json: String,
}

/// Every fact the front doors share, as JSON: the error codes with their
/// categories, the tolerance's default and bounds, the echo limit, the
/// header and nesting limits, the envelope's kind codes, the known event
/// types with their objects, and the messages bindings raise themselves.
///
/// ```
/// let facts: serde_json::Value = serde_json::from_str(&payvost_webhooks::facts_json()).unwrap();
/// assert_eq!(facts["tolerance"]["default"], 300);
/// assert_eq!(facts["errors"][0]["code"], "secret_invalid");
/// assert_eq!(facts["errors"][0]["category"], "configuration");
/// ```
pub fn facts_json() -> String {
    let facts = Facts {
        schema: "facts/1",
        signature_header: crate::SIGNATURE_HEADER,
        errors: Error::ALL
            .iter()
            .map(|&code| ErrorFact {
                code,
                category: Category::of(code).map_or("", Category::as_str),
            })
            .collect(),
        tolerance: ToleranceFacts {
            default: Tolerance::DEFAULT.secs(),
            min: Tolerance::MIN_SECS,
            max: Tolerance::MAX_SECS,
        },
        echo_limit: ECHO_LIMIT,
        max_header_len: MAX_HEADER_LEN,
        max_depth: MAX_DEPTH,
        kinds: Member::CODES
            .iter()
            .map(|&(kind, code)| KindFact { kind, code })
            .collect(),
        event_types: EventType::KNOWN
            .iter()
            .map(|t| EventTypeFact {
                name: t.known_name(),
                object: t.object_kind().as_str(),
            })
            .collect(),
        messages: Messages {
            payload_not_json: Error::invalid_json("it is not valid JSON").to_string(),
        },
    };
    // Serialising plain structs of strings and integers cannot fail.
    serde_json::to_string_pretty(&facts).unwrap_or_default()
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
            std::fs::write(path, &facts).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            committed, facts,
            "tests/vectors/facts.json is stale: see this test's doc"
        );
    }
}
