// A Payvost webhook receiver with Hono on Node: the SDK's middleware reads
// the WHATWG Request's raw body and verifies it (the same middleware runs on
// edge runtimes with @payvost/webhooks-wasm); this handler processes each
// event once and answers before doing the work.
//
//   PAYVOST_WEBHOOK_SECRET=whsec_... PORT=4242 node server.js
const { Hono } = require('hono')
const { serve } = require('@hono/node-server')
const payvost = require('@payvost/node-sdk')

const app = new Hono()

// In production this is a table with a unique key on the event id.
const seen = new Set()
const processed = []

app.post('/webhooks/payvost', payvost.webhooks.hono({ secret: process.env.PAYVOST_WEBHOOK_SECRET }), (c) => {
  const event = c.get('payvostEvent')
  // Idempotent: a retried delivery of an event already taken is acknowledged, not redone.
  if (seen.has(event.id)) return c.json({ received: true, duplicate: true })
  seen.add(event.id)
  // Respond fast (Payvost waits 30 s at most), then process.
  setImmediate(() => processEvent(event))
  return c.json({ received: true })
})

function processEvent(event) {
  console.log(`${event.type} ${event.id}`)
  processed.push(event.id)
}

// For the demo: which events were processed, in order.
app.get('/processed', (c) => c.json(processed))

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT || 4242), hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
