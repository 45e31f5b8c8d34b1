// The verifier backend of the shared JS layer (js/webhooks.mjs), over the
// WebAssembly module; the same surface as the napi addon of @payvost/node-sdk.
import * as wasm from './dist/payvost_wasm.js'

export const backend = {
  Verifier: wasm.Verifier,
  checkEnvelope: wasm.checkEnvelope,
  sign: wasm.sign,
  errorCodes: wasm.errorCodes,
  get DEFAULT_TOLERANCE() {
    return wasm.defaultTolerance()
  },
}
