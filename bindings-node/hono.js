'use strict'
// @payvost/node-sdk/hono: the Hono middleware, typed with its Variables (hono.d.ts).
exports.payvostWebhook = require('./index.js').webhooks.hono
