//! The HTTP side of `listen`: hyper's HTTP/1 server with the limits a
//! receiver facing hostile clients needs (docs/security.md).
//!
//! - Each connection is served on its own task, so a stalled client delays
//!   nobody else.
//! - The request head must arrive within `header_timeout` (hyper's timer),
//!   also while a kept-alive connection waits for its next request.
//! - The body must arrive within `body_timeout`, and is never held beyond
//!   `body_limit` bytes: a declared `Content-Length` over the limit is
//!   refused before a byte is read, a chunked body as soon as it crosses it.
//! - At most `MAX_CONNECTIONS` connections are open at once; one more is
//!   closed on arrival.
//!
//! Every answer the receiver makes is JSON with one of the SDK's codes. A
//! request hyper cannot parse at all (a broken request line or header,
//! smuggling's conflicting lengths) never reaches it: hyper answers a bare
//! 400 and closes the connection.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body, Bytes, Incoming};
use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Connections served at once; far above what a sender opens, far below
/// what exhausts file descriptors.
pub const MAX_CONNECTIONS: usize = 512;

/// The largest request head (request line and headers) hyper buffers.
const MAX_HEAD: usize = 64 * 1024;

/// What one request gets from the receiver.
pub struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub body_limit: u64,
}

/// A request as the handler sees it: the raw body and the signature header.
pub struct Delivery {
    pub body: Bytes,
    pub signature: String,
    pub arrival: Arrival,
}

/// When a request arrived: on the monotonic clock, for its duration, and in
/// unix seconds, for its record.
#[derive(Clone, Copy)]
pub struct Arrival {
    pub at: std::time::Instant,
    pub unix: i64,
    /// The address the connection came from.
    pub peer: Option<std::net::IpAddr>,
}

impl Arrival {
    fn now(peer: Option<std::net::IpAddr>) -> Self {
        Arrival {
            at: std::time::Instant::now(),
            unix: crate::now(),
            peer,
        }
    }
}

/// An answer: the status and its JSON body.
pub type Answer = (StatusCode, Value);

/// Why a body could not be had, as the answer it gets.
type Refusal = Answer;

/// Binds 127.0.0.1:`port` and returns the listener with its real port.
pub async fn bind(port: u16) -> Result<(TcpListener, u16), String> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let port = listener.local_addr().map_or(port, |a| a.port());
    Ok((listener, port))
}

/// Serves `handle` on every connection, forever.
pub async fn serve<H, F, R>(listener: TcpListener, limits: Limits, handle: H, refused: R)
where
    H: Fn(Delivery) -> F + Send + Sync + 'static,
    F: Future<Output = Answer> + Send,
    R: Fn(&Answer, Arrival) + Send + Sync + 'static,
{
    let limits = Arc::new(limits);
    let handle = Arc::new(handle);
    let refused = Arc::new(refused);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok((stream, peer)) => (stream, peer.ip()),
            // Out of file descriptors, or a connection reset before accept:
            // wait a moment rather than spin, then go on serving.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let (limits, handle, refused) = (
            Arc::clone(&limits),
            Arc::clone(&handle),
            Arc::clone(&refused),
        );
        tokio::spawn(async move {
            let service = service_fn(|request| {
                let (limits, handle, refused) = (
                    Arc::clone(&limits),
                    Arc::clone(&handle),
                    Arc::clone(&refused),
                );
                let arrival = Arrival::now(Some(peer));
                async move {
                    Ok::<_, Infallible>(match read(request, &limits, arrival).await {
                        Ok(delivery) => respond(handle(delivery).await, false),
                        // Body bytes may be left unread: end the connection.
                        Err(refusal) => {
                            refused(&refusal, arrival);
                            respond(refusal, true)
                        }
                    })
                }
            });
            // A connection that fails (a malformed head, a timeout, a reset)
            // has been answered or closed by hyper; nothing is left to do.
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(MAX_HEAD)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(slot);
        });
    }
}

/// The body within the limits, and the signature header.
async fn read(
    request: Request<Incoming>,
    limits: &Limits,
    arrival: Arrival,
) -> Result<Delivery, Refusal> {
    // Its lines as one value (protocol §2).
    let lines = request
        .headers()
        .get_all(payvost_webhooks::SIGNATURE_HEADER);
    let lines: Vec<_> = lines
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
        .collect();
    let signature =
        payvost_webhooks::bindings::joined_header_lines(lines.iter().map(AsRef::as_ref))
            .unwrap_or_default();
    let body = request.into_body();
    let read = async {
        let declared = body.size_hint().lower();
        if declared > payvost_webhooks::bindings::DRAIN_LIMIT {
            return Err(refusal_too_large(limits));
        }
        if declared > limits.body_limit {
            return Err(drained(body, limits).await);
        }
        match Limited::new(
            body,
            usize::try_from(limits.body_limit).unwrap_or(usize::MAX),
        )
        .collect()
        .await
        {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(error) if error.is::<LengthLimitError>() => Err(refusal_too_large(limits)),
            Err(error) => Err(unreadable(&chain(&*error))),
        }
    };
    match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(body)) => Ok(Delivery {
            body,
            signature,
            arrival,
        }),
        Ok(Err(refusal)) => Err(refusal),
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            error(
                "payload_invalid_json",
                &format!(
                    "The request body did not arrive within {} seconds; the connection is closed",
                    limits.body_timeout.as_secs()
                ),
            ),
        )),
    }
}

/// Reads and discards an over-limit body (its declared length is at most
/// `payvost_webhooks::bindings::DRAIN_LIMIT`), then refuses it.
async fn drained(mut body: Incoming, limits: &Limits) -> Refusal {
    // The client stopped sending or went away: answer what we can.
    while let Some(Ok(_)) = body.frame().await {}
    refusal_too_large(limits)
}

fn refusal_too_large(limits: &Limits) -> Refusal {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        error(
            "payload_invalid_json",
            &payvost_webhooks::bindings::body_too_large_message(limits.body_limit),
        ),
    )
}

/// An error and its causes, `outer: inner: ...`, as hyper's own message
/// alone ("error reading a body from connection") names no cause.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text = format!("{text}: {inner}");
        cause = inner.source();
    }
    text
}

fn unreadable(why: &str) -> Refusal {
    (
        StatusCode::BAD_REQUEST,
        error(
            "payload_invalid_json",
            &format!("The request body is not usable: {why}"),
        ),
    )
}

/// The JSON every refusal carries.
pub fn error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

fn respond((status, answer): Answer, close: bool) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(answer.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if close {
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
