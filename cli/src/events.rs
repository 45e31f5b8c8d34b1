//! Realistic events of the 16 known types (protocol §5), for `send` and `check`.

use payvost_webhooks::{EventType, ObjectKind};
use serde_json::{Value, json};

/// A fresh event id: `evt_` and 24 random hex digits.
pub fn event_id() -> String {
    let mut bytes = [0u8; 12];
    // No randomness means the OS is broken; ids then fall back to the clock.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("evt_{hex}")
}

/// A sample object of the kind `event_type` carries, with `object_id` if given.
pub fn sample_object(event_type: &EventType, object_id: Option<&str>, now: i64) -> Value {
    let status = event_type.as_str().rsplit('.').next().unwrap_or("created");
    let mut object = match event_type.object_kind() {
        ObjectKind::Payment => json!({
            "id": "pay_test_1234567890", "object": "payment", "amount": 2000, "currency": "eur",
            "status": status, "customer": "cust_test_42", "description": "Order #1042",
            "metadata": {"order_id": "1042"}
        }),
        ObjectKind::Subscription => json!({
            "id": "sub_test_1234567890", "object": "subscription", "customer": "cust_test_42",
            "status": if status == "trial_will_end" { "trialing" } else { "active" },
            "currentPeriodStart": now, "currentPeriodEnd": now.saturating_add(30 * 86_400),
            "plan": {"id": "plan_monthly", "amount": 1500, "currency": "eur", "interval": "month"}
        }),
        ObjectKind::Refund => json!({
            "id": "ref_test_1234567890", "object": "refund", "payment": "pay_test_1234567890",
            "amount": 500, "status": if status == "created" { "pending" } else { status }, "reason": "requested_by_customer"
        }),
        ObjectKind::Customer => json!({
            "id": "cust_test_42", "object": "customer", "email": "jenny.rosen@example.com",
            "name": "Jenny Rosen", "created": now
        }),
        ObjectKind::Dispute => json!({
            "id": "dp_test_1234567890", "object": "dispute", "payment": "pay_test_1234567890",
            "amount": 2000, "reason": "fraudulent",
            "status": if status == "opened" { "needs_response" } else { "won" }
        }),
        _ => json!({"id": "obj_test_1234567890"}),
    };
    if let (Some(id), Value::Object(fields)) = (object_id, &mut object) {
        fields.insert("id".into(), Value::from(id));
    }
    object
}

/// A whole event: envelope around `object`.
pub fn event(id: &str, event_type: &EventType, object: Value, now: i64) -> Value {
    let data = if event_type.as_str().ends_with(".updated") {
        json!({ "object": object, "previous_attributes": {"status": "pending"} })
    } else {
        json!({ "object": object })
    };
    json!({
        "id": id,
        "object": "event",
        "type": event_type.as_str(),
        "created": now,
        "livemode": false,
        "data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_type_makes_an_event_the_core_accepts() {
        for event_type in EventType::KNOWN {
            let body = event(
                &event_id(),
                event_type,
                sample_object(event_type, Some("obj_9"), 1_764_000_000),
                1_764_000_000,
            );
            let parsed = payvost_webhooks::Event::from_slice(body.to_string().as_bytes()).unwrap();
            assert_eq!(parsed.event_type(), event_type);
            let object: Value = serde_json::from_str(parsed.data_object()).unwrap();
            assert_eq!(object["id"], "obj_9");
            assert_ne!(
                parsed.object(),
                payvost_webhooks::EventObject::Other,
                "{event_type}"
            );
        }
    }

    #[test]
    fn event_ids_are_fresh() {
        let (a, b) = (event_id(), event_id());
        assert_ne!(a, b);
        assert!(a.starts_with("evt_") && a.len() == 28, "{a}");
    }
}
