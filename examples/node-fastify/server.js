// A Payvost webhook receiver with Fastify: the SDK's plugin reads the raw
// body (its parser scoped to the plugin) and verifies it; this handler
// processes each event once and answers before doing the work.
//
//   PAYVOST_WEBHOOK_SECRET=whsec_... PORT=4242 node server.js
const fastify = require('fastify')()
const payvost = require('@payvost/node-sdk')

// In production this is a table with a unique key on the event id.
const seen = new Set()
const processed = []

fastify.register(payvost.webhooks.fastify, {
  secret: process.env.PAYVOST_WEBHOOK_SECRET,
  path: '/webhooks/payvost',
  handler: async (event) => {
    // Idempotent: a retried delivery of an event already taken is acknowledged, not redone.
    if (seen.has(event.id)) return { received: true, duplicate: true }
    seen.add(event.id)
    // Respond fast (Payvost waits 30 s at most), then process.
    setImmediate(() => processEvent(event))
    return { received: true }
  },
})

function processEvent(event) {
  console.log(`${event.type} ${event.id}`)
  processed.push(event.id)
}

// For the demo: which events were processed, in order.
fastify.get('/processed', async () => processed)

fastify.listen({ port: Number(process.env.PORT || 4242), host: '127.0.0.1' }).then((address) => {
  console.log(`listening on ${address}`)
})
process.on('SIGTERM', () => fastify.close().then(() => process.exit(0)))
