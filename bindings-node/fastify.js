'use strict'
// @payvost/node-sdk/fastify: the Fastify plugin, typed as Fastify types its plugins (fastify.d.ts).
exports.payvostWebhooks = require('./index.js').webhooks.fastify
