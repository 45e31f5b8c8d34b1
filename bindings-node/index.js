'use strict'
// @payvost/node-sdk: `payvost.webhooks.constructEvent` on the Rust core, through
// the napi addon. The JS layer (lib/sdk.js) is built from ../js/ by esbuild.

const native = require('./native.js')
const { createSdk } = require('./lib/sdk.js')

module.exports = createSdk(native)
module.exports.default = module.exports
