// What each JavaScript package exports, given its verifier backend.
import {
  PayvostConfigurationError,
  PayvostError,
  PayvostIdempotencyError,
  PayvostInvalidPayloadError,
  PayvostSignatureVerificationError,
} from './errors.mjs'
import { EXPORTS } from './exports.mjs'
import { createIdempotency } from './idempotency.mjs'
import { createWebhooks } from './webhooks.mjs'

export function createSdk(backend) {
  const webhooks = createWebhooks(backend)
  const sdk = {
    webhooks,
    // The calls as named exports too (`import { constructEvent } from ...`).
    constructEvent: webhooks.constructEvent,
    verifyHeader: webhooks.verifyHeader,
    generateTestHeaderString: webhooks.generateTestHeaderString,
    constructEventFromRequest: webhooks.constructEventFromRequest,
    constructEventFromLambda: webhooks.constructEventFromLambda,
    isKnownEvent: webhooks.isKnownEvent,
    WebhookVerifier: webhooks.WebhookVerifier,
    EventRouter: webhooks.EventRouter,
    PayvostError,
    PayvostSignatureVerificationError,
    PayvostInvalidPayloadError,
    PayvostConfigurationError,
    PayvostIdempotencyError,
    /** Processing each event once: IdempotencyGuard and its stores. */
    idempotency: createIdempotency(backend),
    DEFAULT_TOLERANCE: webhooks.DEFAULT_TOLERANCE,
    errorCodes: webhooks.errorCodes,
  }
  // The ES module entries name exactly EXPORTS: a name added here alone would be missing from them.
  if (Object.keys(sdk).join() !== EXPORTS.join()) {
    throw new Error(`js/sdk.mjs makes ${Object.keys(sdk).join(', ')}; js/exports.mjs lists ${EXPORTS.join(', ')}`)
  }
  return sdk
}
