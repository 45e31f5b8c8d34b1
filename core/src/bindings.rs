//! What the doors build on: the Node, Python, WebAssembly and PHP bindings,
//! the CLI and the axum adapter. Each converts its language's values, calls
//! the core and maps its errors; the pieces here let it do so without
//! writing a rule of its own: the event builder a foreign JSON parser
//! drives, the facts every door reads, the receiver's limits and messages,
//! and the echo an error carries.
//!
//! An application verifying webhooks in Rust needs none of this: it uses
//! [`Webhook`](crate::Webhook), [`construct_event`](crate::construct_event)
//! and [`Event`](crate::Event) from the crate's root.
//!
//! ```
//! use payvost_webhooks::bindings;
//!
//! // What an error echoes of a header: 100 bytes, back to a whole character.
//! assert_eq!(bindings::echo("é".repeat(60).as_bytes()), "é".repeat(50));
//! assert!(bindings::facts_json().contains(r#""echo_limit": 100"#));
//! ```

pub use crate::error::{ECHO_LIMIT, MISMATCH_UNEXPLAINED, echo};
pub use crate::event::{BuildError, Builder, Envelope, Member, Place, TypedValue, build_event};
pub use crate::facts::facts_json;
pub use crate::header::MAX_HEADER_LEN;
pub use crate::json::{MAX_DEPTH, check_json_limits};
pub use crate::receiver::{
    BASE64_BODY_INVALID_MESSAGE, BODY_CUT_OFF_MESSAGE, CONTENT_LENGTH_INVALID_MESSAGE, DRAIN_LIMIT,
    LIMIT_INVALID_MESSAGE, STATUSES, base64_body, body_too_large_message, content_length,
    joined_header_lines, status_of,
};
pub use crate::tolerance::unix_seconds_from_f64;
pub use crate::verify::PACKED_SECRETS;
