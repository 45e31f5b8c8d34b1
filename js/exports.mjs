// The names each JavaScript package exports, written once: js/sdk.mjs makes
// an object of exactly these (it refuses to start otherwise), and the ES
// module entries that name them one by one (@payvost/node-sdk's index.mjs,
// @payvost/webhooks-wasm's per-runtime files) are written from this list by
// esmEntry(), at build time. index.d.ts declares each (the types test).

export const EXPORTS = Object.freeze([
  'webhooks',
  'constructEvent',
  'verifyHeader',
  'generateTestHeaderString',
  'constructEventFromRequest',
  'constructEventFromLambda',
  'isKnownEvent',
  'WebhookVerifier',
  'EventRouter',
  'PayvostError',
  'PayvostSignatureVerificationError',
  'PayvostInvalidPayloadError',
  'PayvostConfigurationError',
  'PayvostIdempotencyError',
  'idempotency',
  'DEFAULT_TOLERANCE',
  'errorCodes',
])

/** An ES module's text that names each export of `sdk`, after `preamble` (which defines `sdk`). */
export function esmEntry(preamble) {
  return `${preamble}\nexport default sdk\nexport const {\n${EXPORTS.map((name) => `  ${name},\n`).join('')}} = sdk\n`
}
