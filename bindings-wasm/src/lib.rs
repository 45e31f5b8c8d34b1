//! The core compiled to WebAssembly, in two builds of this crate:
//!
//! - `bindgen` (default): the module of `@payvost/webhooks-wasm`, with
//!   wasm-bindgen's JavaScript glue (`bindgen.rs`);
//! - `plain`: a module with no imports and a small C ABI (`plain.rs`,
//!   `docs/wasm-abi.md`), which the PHP package drives through the standard
//!   WebAssembly C API; `test-hooks` adds a test-only export to it.
//!
//! Neither writes a rule of the protocol: they convert and call the core.

#[cfg(feature = "bindgen")]
mod bindgen;
#[cfg(feature = "bindgen")]
pub use bindgen::*;

#[cfg(feature = "plain")]
pub mod plain;
