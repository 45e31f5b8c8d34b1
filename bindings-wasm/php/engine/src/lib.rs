//! The Wasmtime C API (`wasm.h`) as a shared library, built from the
//! published `wasmtime-c-api-impl` crate with only the features the PHP
//! package's module needs. Every `extern "C"` function of that crate is
//! exported from this library unchanged.

pub use wasmtime_c_api::*;
