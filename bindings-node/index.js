'use strict'
// @payvost/node-sdk: `payvost.webhooks.constructEvent` on the Rust core.

const native = require('./native.js')
const { createWebhooks } = require('./lib/webhooks')
const errors = require('./lib/errors')

const webhooks = createWebhooks(native)

module.exports = {
  webhooks,
  PayvostError: errors.PayvostError,
  PayvostSignatureVerificationError: errors.PayvostSignatureVerificationError,
  PayvostInvalidPayloadError: errors.PayvostInvalidPayloadError,
  PayvostConfigurationError: errors.PayvostConfigurationError,
  DEFAULT_TOLERANCE: webhooks.DEFAULT_TOLERANCE,
  errorCodes: webhooks.errorCodes,
}
module.exports.default = module.exports
