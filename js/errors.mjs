// The SDK's error classes, and the one function that maps a failure (a code
// of protocol §6 and the core's message) to them. Nothing else in the SDK
// throws.

import { facts } from './facts.mjs'
import { platformFix } from './platform.mjs'

export class PayvostError extends Error {
  constructor(code, message) {
    super(message)
    this.code = code
  }
}

/** The request is not authentic or not fresh: answer 400, never process it. */
export class PayvostSignatureVerificationError extends PayvostError {}

/** The request is authentic but its body is not an event, or not the raw body. */
export class PayvostInvalidPayloadError extends PayvostError {}

/** The receiver is misconfigured (secret, tolerance, an option), whatever the request. */
export class PayvostConfigurationError extends PayvostError {}

/** The delivery is authentic, but processing it once cannot be assured now (the idempotency guard). */
export class PayvostIdempotencyError extends PayvostError {}

for (const cls of [PayvostError, PayvostSignatureVerificationError, PayvostInvalidPayloadError, PayvostConfigurationError, PayvostIdempotencyError]) {
  Object.defineProperty(cls.prototype, 'name', { value: cls.name, writable: true, configurable: true })
}

// One class per category; which code is in which category is the core's.
const CLASS_OF_CATEGORY = {
  signature: PayvostSignatureVerificationError,
  payload: PayvostInvalidPayloadError,
  configuration: PayvostConfigurationError,
  processing: PayvostIdempotencyError,
}

// What a JavaScript user most often gets wrong when the signature does not match.
const MISMATCH_HINT =
  " With Express, mount express.raw({type: 'application/json'}) on the webhook route and pass req.body;" +
  ' a global express.json() parses the body before it reaches you.'

const encoder = new TextEncoder()

/** The backend's echo: the core's cut of a header or payload (protocol §6). */
let echoOf

/** Takes the backend's `echo` when the SDK is created. */
export function useEcho(backend) {
  echoOf = backend.echo
}

/**
 * What an error echoes of a header or payload, cut by the core. Only its
 * start crosses into the core: one byte past the limit, which tells a
 * character the cut split from one broken before it (a string's first
 * limit + 1 UTF-16 units encode to at least that many bytes).
 */
function echo(value) {
  if (value === undefined || value === null) return undefined
  const limit = facts.echo_limit
  const bytes = typeof value === 'string' ? encoder.encode(value.slice(0, limit + 1)) : value
  if (!(bytes instanceof Uint8Array)) return undefined
  try {
    return echoOf(bytes.subarray(0, limit + 1))
  } catch {
    return undefined // a view over memory detached since the call began: no bytes left to echo
  }
}

/**
 * The one mapping: `code` and `message` from the core (or from argument
 * conversion), and what the call was given, for `.header` and `.payload`.
 */
export function payvostError(code, message, call) {
  const cls = CLASS_OF_CATEGORY[facts.categoryOf[code]]
  if (cls === undefined) {
    // A native error that is not ours can only come from an argument the
    // conversion let through; it is still reported under one of our codes.
    return new PayvostInvalidPayloadError('payload_wrong_type', `Unexpected argument: ${message}`)
  }
  // A change to the body the core recognised names its own fix.
  if (code === 'signature_mismatch' && message.startsWith(facts.messages.signature_mismatch_unexplained)) {
    const fix = platformFix()
    message += fix === undefined ? MISMATCH_HINT : ` ${fix}`
  }
  const error = new cls(code, message)
  if ((cls === PayvostSignatureVerificationError || cls === PayvostInvalidPayloadError) && call !== undefined) {
    error.header = echo(call.header)
    error.payload = echo(call.payload)
  }
  return error
}

/** Re-throws what the native verifier threw as the SDK's class. */
export function fromNative(error, call) {
  if (error instanceof PayvostError) return error
  return payvostError(error && error.code, String(error && error.message), call)
}
