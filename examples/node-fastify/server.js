// A Payvost webhook receiver with Fastify: the SDK's plugin reads the raw
// body (its parser scoped to the plugin), verifies it, and runs the router's
// handlers once per event under the idempotency guard, answering as soon as
// the event is claimed.
//
//   PAYVOST_WEBHOOK_SECRET=whsec_... PORT=4242 node server.js
const fastify = require('fastify')()
const payvost = require('@payvost/node-sdk')
// The same plugin as payvost.webhooks.fastify, typed as a FastifyPluginAsync.
const { payvostWebhooks } = require('@payvost/node-sdk/fastify')

const { IdempotencyGuard, MemoryStore } = payvost.idempotency
const processed = []

// One process: records in memory. Several: SqliteStore, RedisStore or PostgresStore.
const idempotency = new IdempotencyGuard({ store: new MemoryStore() })
const router = new payvost.EventRouter().onAny((event) => {
  console.log(`${event.type} ${event.id}`)
  processed.push(event.id)
})

// Every delivery counted: once a minute, while refusals go on, what they likely mean.
const stats = new payvost.webhooks.DeliveryStats()
setInterval(() => stats.anomalies().forEach((line) => console.warn(`payvost: ${line}`)), 60_000).unref()

fastify.register(payvostWebhooks, {
  secret: process.env.PAYVOST_WEBHOOK_SECRET,
  path: '/webhooks/payvost',
  router,
  idempotency,
  stats,
  // Respond fast (Payvost waits 30 s at most), then process under the claim.
  acknowledgeFirst: true,
  // Payvost has its 200: the guard keeps a failed event for guard.retry() or `payvost webhooks replay`.
  onError: (error, event) => console.error(`event ${event.id} failed, kept for a retry: ${error.message}`),
})

// For the demo: which events were processed, in order.
fastify.get('/processed', async () => processed)

fastify.listen({ port: Number(process.env.PORT || 4242), host: '127.0.0.1' }).then((address) => {
  console.log(`listening on ${address}`)
})
process.on('SIGTERM', () => fastify.close().then(() => process.exit(0)))
