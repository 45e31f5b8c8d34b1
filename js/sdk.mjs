// What each JavaScript package exports, given its verifier backend.
import {
  PayvostConfigurationError,
  PayvostError,
  PayvostInvalidPayloadError,
  PayvostSignatureVerificationError,
} from './errors.mjs'
import { createWebhooks } from './webhooks.mjs'

export function createSdk(backend) {
  const webhooks = createWebhooks(backend)
  return {
    webhooks,
    // The calls as named exports too (`import { constructEvent } from ...`).
    constructEvent: webhooks.constructEvent,
    verifyHeader: webhooks.verifyHeader,
    generateTestHeaderString: webhooks.generateTestHeaderString,
    constructEventFromRequest: webhooks.constructEventFromRequest,
    isKnownEvent: webhooks.isKnownEvent,
    WebhookVerifier: webhooks.WebhookVerifier,
    EventRouter: webhooks.EventRouter,
    PayvostError,
    PayvostSignatureVerificationError,
    PayvostInvalidPayloadError,
    PayvostConfigurationError,
    DEFAULT_TOLERANCE: webhooks.DEFAULT_TOLERANCE,
    errorCodes: webhooks.errorCodes,
  }
}
