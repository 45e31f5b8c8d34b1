// ES module entry: the same objects as the CommonJS one.
import payvost from './index.js'

export const {
  webhooks,
  constructEvent,
  verifyHeader,
  generateTestHeaderString,
  constructEventFromRequest,
  constructEventFromLambda,
  isKnownEvent,
  WebhookVerifier,
  EventRouter,
  PayvostError,
  PayvostSignatureVerificationError,
  PayvostInvalidPayloadError,
  PayvostConfigurationError,
  PayvostIdempotencyError,
  idempotency,
  DEFAULT_TOLERANCE,
  errorCodes,
} = payvost
export default payvost
