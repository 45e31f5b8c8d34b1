// The verifier backend of the shared JS layer (js/webhooks.mjs), over the
// WebAssembly module: the napi addon's surface. Payloads cross into the
// module as bytes, the cheapest way in (a typed array copied in one go).
import * as wasm from './dist/payvost_wasm.js'

const encoder = new TextEncoder()
const bytes = (payload) => (typeof payload === 'string' ? encoder.encode(payload) : payload)

class Verifier {
  #inner
  constructor(secrets, tolerance) {
    this.#inner = new wasm.Verifier(secrets, tolerance)
  }
  verify(payload, header, now) {
    return this.#inner.verify(bytes(payload), header, now)
  }
  // The napi addon's pairs, without `now` (the clock) and with it: one call here.
  verifyPacked(payload, header) {
    return this.#inner.verifyPacked(bytes(payload), header, undefined)
  }
  verifyPackedAt(payload, header, now) {
    return this.#inner.verifyPacked(bytes(payload), header, now)
  }
  verifyJson(payload, header) {
    return this.#inner.verifyJson(bytes(payload), header, undefined)
  }
  verifyJsonAt(payload, header, now) {
    return this.#inner.verifyJson(bytes(payload), header, now)
  }
  /** Frees the module's memory for this verifier at once. */
  free() {
    this.#inner.free()
  }
}

export const backend = {
  name: 'wasm',
  Verifier,
  checkEnvelope: wasm.checkEnvelope,
  sign: (payload, secret, timestamp) => wasm.sign(bytes(payload), secret, timestamp),
  fingerprint: (payload) => wasm.fingerprint(bytes(payload)),
  echo: (value) => wasm.echo(bytes(value)),
  base64Body: (text) => wasm.base64Body(bytes(text)),
  facts: wasm.facts,
}
