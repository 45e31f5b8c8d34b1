// A Payvost webhook receiver with Express: the docs' handler, processing each
// event once with the SDK's idempotency guard (deliveries are retried, so the
// same event id can arrive again, even at once on two processes), answering
// as soon as the event is claimed and doing the work after.
//
//   PAYVOST_WEBHOOK_SECRET=whsec_... PORT=4242 node server.js
//
// PAYVOST_IDEMPOTENCY_DB names an SQLite file the receivers of one machine
// share (in any language of the SDK); without it, records stay in memory.
// A fleet uses RedisStore or PostgresStore instead.
const express = require('express')
const payvost = require('@payvost/node-sdk')

const { IdempotencyGuard, MemoryStore, SqliteStore } = payvost.idempotency
const store = process.env.PAYVOST_IDEMPOTENCY_DB ? new SqliteStore(process.env.PAYVOST_IDEMPOTENCY_DB) : new MemoryStore()
const guard = new IdempotencyGuard({ store })
const ready = store.setup()

const app = express()
const processed = []

app.post('/webhooks/payvost', express.raw({ type: 'application/json' }), async (req, res) => {
  let event
  try {
    event = payvost.webhooks.constructEvent(req.body, req.headers['payvost-signature'], process.env.PAYVOST_WEBHOOK_SECRET)
  } catch (err) {
    return res.status(400).send(`Webhook Error: ${err.message}`)
  }

  // Claim the event: a delivery seen before is acknowledged, not redone; one
  // another process is working on is answered 409, and Payvost retries it.
  let claim
  try {
    await ready
    claim = await guard.claim(event, req.body)
  } catch (err) {
    return res.status(err.status ?? 500).json({ error: { code: err.code, message: err.message } })
  }
  if (claim.outcome === 'duplicate') return res.json({ received: true, duplicate: true })

  // Respond fast (Payvost waits 30 s at most), then process under the claim.
  res.json({ received: true })
  // Payvost has its 200 and will not deliver it again: should the handler
  // fail, the guard keeps the event, with its body and header, for
  // guard.retry() or `payvost webhooks replay`.
  claim.run(processEvent, { acknowledged: true, header: req.headers['payvost-signature'] })
    .catch((err) => console.error(`event ${event.id} failed, kept for a retry: ${err.message}`))
})

async function processEvent(event) {
  switch (event.type) {
    case 'payment.succeeded':
      console.log(`payment ${event.data.object.id} succeeded: ${event.data.object.amount} ${event.data.object.currency}`)
      break
    case 'refund.created':
      console.log(`refund ${event.data.object.id} of payment ${event.data.object.payment}`)
      break
    default:
      console.log(`unhandled event type ${event.type}`)
  }
  processed.push(event.id)
}

// For the tests and the demo: which events this process processed, in order.
app.get('/processed', (req, res) => res.json(processed))

const server = app.listen(Number(process.env.PORT || 4242), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
