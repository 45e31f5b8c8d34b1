//! `make demo`: sign a sample `payment.succeeded` event, verify and print
//! it, then show a tampered copy being rejected with its code.

use payvost_webhooks::{EventObject, Webhook, sign};

fn main() -> Result<(), payvost_webhooks::Error> {
    let secret = "whsec_1234567890";
    let now = 1_764_000_000;
    let body = br#"{"id":"evt_1NxDemo","type":"payment.succeeded","created":1764000000,"data":{"object":{"id":"pay_test_1234567890","amount":2000,"currency":"eur","status":"succeeded","customer":"cust_42"}}}"#;

    let header = sign(body, secret, now)?;
    println!("Payvost-Signature: {header}\n");

    let webhook = Webhook::new(secret)?;
    let event = webhook.construct_event(body, &header, now)?;
    println!("verified {} ({})", event.id(), event.event_type());
    if let EventObject::Payment(payment) = event.object() {
        println!(
            "  payment {} of {} {} is {}",
            payment.id.as_deref().unwrap_or("?"),
            payment.amount.unwrap_or_default(),
            payment.currency.as_deref().unwrap_or("?"),
            payment.status.as_deref().unwrap_or("?"),
        );
    }

    let tampered = String::from_utf8_lossy(body).replace("\"amount\":2000", "\"amount\":1");
    match webhook.construct_event(tampered.as_bytes(), &header, now) {
        Ok(event) => {
            println!("\nBUG: a tampered body was accepted: {}", event.id());
            std::process::exit(1);
        }
        Err(e) => println!("\ntampered copy rejected: {}\n  {e}", e.code()),
    }

    match webhook.construct_event(body, &header, now + 3600) {
        Ok(_) => {
            println!("\nBUG: a replay an hour later was accepted");
            std::process::exit(1);
        }
        Err(e) => println!("\nreplayed an hour later: {}\n  {e}", e.code()),
    }
    Ok(())
}
