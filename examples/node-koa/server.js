// A Payvost webhook receiver with Koa: the SDK's middleware reads the raw
// body, verifies it, and runs the router's handlers once per event under the
// idempotency guard, answering as soon as the event is claimed.
//
//   PAYVOST_WEBHOOK_SECRET=whsec_... PORT=4242 node server.js
const Koa = require('koa')
const payvost = require('@payvost/node-sdk')

const { IdempotencyGuard, MemoryStore } = payvost.idempotency
const app = new Koa()
const processed = []

const router = new payvost.EventRouter().onAny((event) => {
  console.log(`${event.type} ${event.id}`)
  processed.push(event.id)
})
const webhook = payvost.webhooks.koa({
  secret: process.env.PAYVOST_WEBHOOK_SECRET,
  router,
  // One process: records in memory. Several: SqliteStore, RedisStore or PostgresStore.
  idempotency: new IdempotencyGuard({ store: new MemoryStore() }),
  // Respond fast (Payvost waits 30 s at most), then process under the claim.
  acknowledgeFirst: true,
  // Payvost has its 200: the guard keeps a failed event for guard.retry() or `payvost webhooks replay`.
  onError: (error, event) => console.error(`event ${event.id} failed, kept for a retry: ${error.message}`),
})

// Once a minute, while refusals go on, what they likely mean (a rotated secret, a probe).
setInterval(() => webhook.anomalies().forEach((line) => console.warn(`payvost: ${line}`)), 60_000).unref()

// Acts on POST /webhooks/payvost (its `path`) only; every other request goes on.
app.use(webhook)
app.use(async (ctx) => {
  if (ctx.method === 'GET' && ctx.path === '/processed') ctx.body = processed
})

const server = app.listen(Number(process.env.PORT || 4242), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
