// A Payvost webhook receiver with Hono on Node: the SDK's middleware reads
// the WHATWG Request's raw body and verifies it (the same middleware runs on
// edge runtimes with @payvost/webhooks-wasm), and runs the router's handlers
// once per event under the idempotency guard, answering as soon as the event
// is claimed.
//
//   PAYVOST_WEBHOOK_SECRET=whsec_... PORT=4242 node server.js
const { Hono } = require('hono')
const { serve } = require('@hono/node-server')
const payvost = require('@payvost/node-sdk')
// The same middleware as payvost.webhooks.hono, typed so that c.get('payvostEvent') is an Event.
const { payvostWebhook } = require('@payvost/node-sdk/hono')

const { IdempotencyGuard, MemoryStore } = payvost.idempotency
const app = new Hono()
const processed = []

const router = new payvost.EventRouter().onAny((event) => {
  console.log(`${event.type} ${event.id}`)
  processed.push(event.id)
})
const webhook = payvostWebhook({
  secret: process.env.PAYVOST_WEBHOOK_SECRET,
  router,
  // One process: records in memory. Several: SqliteStore, RedisStore or PostgresStore.
  idempotency: new IdempotencyGuard({ store: new MemoryStore() }),
  // Respond fast (Payvost waits 30 s at most), then process under the claim.
  acknowledgeFirst: true,
  // Payvost has its 200: the guard keeps a failed event for guard.retry() or `payvost webhooks replay`.
  onError: (error, event) => console.error(`event ${event.id} failed, kept for a retry: ${error.message}`),
})
app.post('/webhooks/payvost', webhook)
// Once a minute, while refusals go on, what they likely mean (a rotated secret, a probe).
setInterval(() => webhook.anomalies().forEach((line) => console.warn(`payvost: ${line}`)), 60_000).unref()

// For the demo: which events were processed, in order.
app.get('/processed', (c) => c.json(processed))

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT || 4242), hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
