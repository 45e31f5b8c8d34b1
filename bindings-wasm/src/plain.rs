//! The plain module's C ABI, for hosts that load WebAssembly without
//! wasm-bindgen: the PHP package through the standard `wasm.h` C API, and any
//! language with a WebAssembly runtime (`docs/wasm-abi.md`, which lists each
//! export; a test holds that list to this module's exports).
//!
//! The module owns its memory. The host asks for the input buffer with
//! [`pv_input`], which returns its address in linear memory, writes the
//! call's bytes there, and calls a function with their lengths; results and
//! error messages come back in the output buffer ([`pv_output_ptr`],
//! [`pv_output_len`]). So Rust never reads through a pointer the host made
//! up, and a verification is one call across the boundary. Hosts check
//! [`pv_abi_version`] before any other call.

use std::cell::RefCell;

/// The ABI's version (`docs/wasm-abi.md`, "Versions"): raised when an export
/// is removed or changes its arguments, results or meaning; a new export
/// leaves it as it is.
pub const ABI_VERSION: u32 = 1;

use payvost_webhooks::{Error, SecretProblem, Verified, Webhook, sign};

#[derive(Default)]
struct State {
    input: Vec<u8>,
    output: Vec<u8>,
    verifiers: Vec<Option<Webhook>>,
    free: Vec<usize>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<T>(f: impl FnOnce(&mut State) -> T) -> T {
    STATE.with(|state| f(&mut state.borrow_mut()))
}

/// The 1-based position of the error's code in `Error::ALL`.
fn code(error: &Error) -> i32 {
    let index = Error::ALL
        .iter()
        .position(|c| *c == error.code())
        .unwrap_or(0);
    i32::try_from(index).map_or(i32::MAX, |i| i.saturating_add(1))
}

impl State {
    fn fail(&mut self, error: Error) -> i32 {
        self.output = error.to_string().into_bytes();
        code(&error)
    }

    fn succeed(&mut self, output: String) -> i32 {
        self.output = output.into_bytes();
        0
    }

    /// The first `a` bytes of the input, then the next `b`; lengths beyond
    /// the input read as empty, so no host mistake reads out of bounds.
    fn split(&self, a: u32, b: u32) -> (&[u8], &[u8]) {
        let a = usize::try_from(a).unwrap_or(usize::MAX);
        let b = usize::try_from(b).unwrap_or(usize::MAX);
        let first = self.input.get(..a).unwrap_or_default();
        let second = self.input.get(a..a.saturating_add(b)).unwrap_or_default();
        (first, second)
    }

    fn verifier(&self, handle: u32) -> Option<&Webhook> {
        let index = usize::try_from(handle).ok()?.checked_sub(1)?;
        self.verifiers.get(index)?.as_ref()
    }

    /// Runs `call` with the verifier, the payload and the header; answers
    /// `"<timestamp>,<secret index>"`.
    fn run(
        &mut self,
        verifier: u32,
        payload_len: u32,
        header_len: u32,
        call: impl FnOnce(&Webhook, &[u8], &str) -> Result<Verified, Error>,
    ) -> i32 {
        let (payload, header) = self.split(payload_len, header_len);
        let header = String::from_utf8_lossy(header);
        let Some(webhook) = self.verifier(verifier) else {
            return self.fail(Error::SecretInvalid(SecretProblem::NoSecrets));
        };
        match call(webhook, payload, &header) {
            Ok(verified) => {
                self.succeed(format!("{},{}", verified.timestamp, verified.secret_index))
            }
            Err(error) => self.fail(error),
        }
    }
}

/// Makes the input buffer hold at least `len` bytes; returns its address.
#[allow(unsafe_code)] // naming an export is what a C ABI is; no pointer is read
#[unsafe(no_mangle)]
pub extern "C" fn pv_input(len: u32) -> u32 {
    with(|state| {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if state.input.len() < len {
            let more = len.saturating_sub(state.input.len());
            if state.input.try_reserve_exact(more).is_err() {
                return 0;
            }
            state.input.resize(len, 0);
        }
        u32::try_from(state.input.as_mut_ptr() as usize).unwrap_or(0)
    })
}

/// A verifier for the secrets in the input buffer and `tolerance` seconds.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_verifier_new(secrets_len: u32, tolerance: f64) -> i32 {
    with(|state| {
        let (mut rest, _) = state.split(secrets_len, 0);
        let mut secrets = Vec::new();
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = rest.split_at_checked(n)?;
            rest = tail;
            Some(head)
        };
        let count = take(4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes);
        for _ in 0..count.unwrap_or(0) {
            let len = take(4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes);
            let bytes = len.and_then(|n| take(usize::try_from(n).ok()?));
            match bytes.map(std::str::from_utf8) {
                Some(Ok(secret)) => secrets.push(secret.to_owned()),
                _ => return -state.fail(Error::SecretInvalid(SecretProblem::NotText)),
            }
        }
        let made = Webhook::from_parts(&secrets, tolerance);
        match made {
            Err(error) => -state.fail(error),
            Ok(webhook) => {
                let index = match state.free.pop() {
                    Some(index) => {
                        if let Some(slot) = state.verifiers.get_mut(index) {
                            *slot = Some(webhook);
                        }
                        index
                    }
                    None => {
                        state.verifiers.push(Some(webhook));
                        state.verifiers.len().saturating_sub(1)
                    }
                };
                i32::try_from(index.saturating_add(1)).unwrap_or(i32::MAX)
            }
        }
    })
}

/// Frees a verifier; an unknown or already freed handle is ignored.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_verifier_free(handle: u32) {
    with(|state| {
        let Some(index) = usize::try_from(handle).ok().and_then(|h| h.checked_sub(1)) else {
            return;
        };
        if let Some(slot @ Some(_)) = state.verifiers.get_mut(index) {
            *slot = None;
            state.free.push(index);
        }
    });
}

/// Verifies the header over the payload at `now`, then judges the payload as an event.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_construct(verifier: u32, payload_len: u32, header_len: u32, now: i64) -> i32 {
    with(|state| {
        state.run(
            verifier,
            payload_len,
            header_len,
            |webhook, payload, header| Ok(webhook.construct_raw_event(payload, header, now)?.0),
        )
    })
}

/// Verifies the header over the payload at `now`.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_verify(verifier: u32, payload_len: u32, header_len: u32, now: i64) -> i32 {
    with(|state| {
        state.run(
            verifier,
            payload_len,
            header_len,
            |webhook, payload, header| webhook.verify(payload, header, now),
        )
    })
}

/// The header value Payvost would send, for tests.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_sign(payload_len: u32, secret_len: u32, timestamp: i64) -> i32 {
    with(|state| {
        let (payload, secret) = state.split(payload_len, secret_len);
        match sign(payload, &String::from_utf8_lossy(secret), timestamp) {
            Ok(header) => state.succeed(header),
            Err(error) => state.fail(error),
        }
    })
}

/// The idempotency guard's fingerprint of a payload: its SHA-256, in hex.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_fingerprint(payload_len: u32) -> i32 {
    with(|state| {
        let (payload, _) = state.split(payload_len, 0);
        let fingerprint = payvost_webhooks::idempotency::fingerprint(payload);
        state.succeed(fingerprint)
    })
}

/// What an error echoes of a header or payload: the core's cut (protocol §6).
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_echo(len: u32) -> i32 {
    with(|state| {
        let (value, _) = state.split(len, 0);
        let echoed = payvost_webhooks::bindings::echo(value);
        state.succeed(echoed)
    })
}

/// The facts every door shares, as the core's JSON.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_facts() -> i32 {
    with(|state| state.succeed(payvost_webhooks::bindings::facts_json()))
}

/// Unix seconds from the host's clock as a number (PHP's `microtime(true)`),
/// by the core's rule; `i64::MIN` when it is not finite.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_unix_seconds(secs: f64) -> i64 {
    payvost_webhooks::bindings::unix_seconds_from_f64(secs).unwrap_or(i64::MIN)
}

/// The address of the output buffer.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_output_ptr() -> u32 {
    with(|state| u32::try_from(state.output.as_ptr() as usize).unwrap_or(0))
}

/// The length of the output buffer.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_output_len() -> u32 {
    with(|state| u32::try_from(state.output.len()).unwrap_or(0))
}

/// The version of this ABI, [`ABI_VERSION`]: a host refuses a module whose
/// version is not the one it was written for.
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_abi_version() -> u32 {
    ABI_VERSION
}

/// Traps, always: hosts test that they recover from a trap with it. Only in
/// the test build (feature `test-hooks`), never in the released module.
#[cfg(feature = "test-hooks")]
#[allow(unsafe_code)] // see pv_input
#[unsafe(no_mangle)]
pub extern "C" fn pv_trap_for_tests() {
    std::process::abort()
}
