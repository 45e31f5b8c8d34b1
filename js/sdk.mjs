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
    WebhookVerifier: webhooks.WebhookVerifier,
    PayvostError,
    PayvostSignatureVerificationError,
    PayvostInvalidPayloadError,
    PayvostConfigurationError,
    DEFAULT_TOLERANCE: webhooks.DEFAULT_TOLERANCE,
    errorCodes: webhooks.errorCodes,
  }
}
