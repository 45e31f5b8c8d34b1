//! An [axum] extractor for verified Payvost webhook events: the raw body is
//! read and checked against the `Payvost-Signature` header by the
//! [`payvost_webhooks`] core before the handler runs.
//!
//! ```
//! use axum::{Router, routing::post};
//! use payvost_axum::PayvostEvent;
//! use payvost_webhooks::Webhook;
//!
//! async fn receive(PayvostEvent(event): PayvostEvent) -> String {
//!     // Process each event.id once: deliveries are retried.
//!     format!("received {}", event.id())
//! }
//!
//! let webhook = Webhook::new("whsec_test_secret")?;
//! let app: Router = Router::new().route("/webhooks/payvost", post(receive)).with_state(webhook);
//! # Ok::<(), payvost_webhooks::Error>(())
//! ```
//!
//! The app's state holds the [`Webhook`] (or a state it can be taken from,
//! through [`FromRef`]). A delivery that is not authentic or not an event is
//! answered 400 with `{"error": {"code", "message"}}`, a configuration
//! mistake 500, and a body over [`BODY_LIMIT`] 413, as every Payvost
//! adapter answers. This crate is apart from the core so that the core
//! stays `no_std` and free of any framework.
//!
//! [`record_deliveries`], a middleware on the same route, records every
//! delivery (protocol §10.2) as `tracing` events, to a hook and in counts,
//! and sheds deliveries past a limit at once: see [`Deliveries`].

use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::LengthLimitError;
use payvost_webhooks::{Error, Event, Webhook};

mod deliveries;
pub mod idempotency;

pub use deliveries::{Deliveries, record_deliveries};
use deliveries::{Guarded, Slot};

/// The largest body read, in bytes: the core's [`payvost_webhooks::BODY_LIMIT`].
pub const BODY_LIMIT: usize = payvost_webhooks::BODY_LIMIT as usize;

/// A verified event, as the handler's argument.
#[derive(Clone, Debug)]
pub struct PayvostEvent(pub Event);

/// Why a delivery was refused, answered as JSON.
#[derive(Debug)]
pub struct Refused {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refused {
    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error's code, the same string in every Payvost SDK.
    pub fn code(&self) -> &'static str {
        self.code
    }

    pub(crate) fn of(error: &Error) -> Self {
        let status = StatusCode::from_u16(payvost_webhooks::bindings::status_of(error.code()))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Refused {
            status,
            code: error.code(),
            message: error.to_string(),
        }
    }

    fn cut_off() -> Self {
        Refused {
            status: StatusCode::BAD_REQUEST,
            code: "payload_wrong_type",
            message: payvost_webhooks::bindings::BODY_CUT_OFF_MESSAGE.into(),
        }
    }

    fn too_large() -> Self {
        Refused {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload_invalid_json",
            message: payvost_webhooks::bindings::body_too_large_message(
                payvost_webhooks::BODY_LIMIT,
            ),
        }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

impl<S> FromRequest<S> for PayvostEvent
where
    Webhook: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Refused;

    async fn from_request(request: Request, state: &S) -> Result<Self, Refused> {
        let webhook = Webhook::from_ref(state);
        // Filled for `record_deliveries`, when it runs around this route.
        let slot = request
            .extensions()
            .get::<Slot>()
            .cloned()
            .unwrap_or_default();
        // Its lines as one value (protocol §2); a line that is not text is
        // read as absent, so no line at all is header_missing.
        let lines = request
            .headers()
            .get_all(payvost_webhooks::SIGNATURE_HEADER);
        let header = payvost_webhooks::bindings::joined_header_lines(
            lines.iter().filter_map(|v| v.to_str().ok()),
        )
        .unwrap_or_default();
        let body = match axum::body::to_bytes(request.into_body(), BODY_LIMIT).await {
            Ok(body) => body,
            Err(error) => {
                // Over the limit, or a body that ended early or failed (the
                // client hung up): never verified, never blamed on the secret.
                let refused = if error.into_inner().is::<LengthLimitError>() {
                    Refused::too_large()
                } else {
                    Refused::cut_off()
                };
                slot.fill(|seen| seen.code = Some(refused.code));
                return Err(refused);
            }
        };
        let now = payvost_webhooks::unix_now();
        let event = webhook
            .verify(&body, &header, now)
            .and_then(|verified| {
                slot.fill(|seen| {
                    seen.signature_age = Some(now.saturating_sub(verified.timestamp));
                    seen.secret_index = Some(verified.secret_index);
                });
                Event::from_slice(&body)
            })
            .map_err(|error| {
                slot.fill(|seen| seen.code = Some(error.code()));
                Refused::of(&error)
            })?;
        slot.fill(|seen| {
            seen.event_id = Some(event.id().to_owned());
            seen.event_type = Some(event.event_type().as_str().to_owned());
        });
        Ok(PayvostEvent(event))
    }
}
