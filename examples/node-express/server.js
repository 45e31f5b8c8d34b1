// A Payvost webhook receiver with Express: the docs' handler, processing each
// event once (deliveries are retried, so the same event id can arrive again),
// answering at once and doing the work after.
//
//   PAYVOST_WEBHOOK_SECRET=whsec_... PORT=4242 node server.js
const express = require('express')
const payvost = require('@payvost/node-sdk')

const app = express()

// In production this is a table with a unique key on the event id.
const seen = new Set()
const processed = []

app.post('/webhooks/payvost', express.raw({ type: 'application/json' }), (req, res) => {
  let event
  try {
    event = payvost.webhooks.constructEvent(req.body, req.headers['payvost-signature'], process.env.PAYVOST_WEBHOOK_SECRET)
  } catch (err) {
    return res.status(400).send(`Webhook Error: ${err.message}`)
  }

  // Idempotent: a retried delivery of an event already taken is acknowledged, not redone.
  if (seen.has(event.id)) return res.json({ received: true, duplicate: true })
  seen.add(event.id)

  // Respond fast (Payvost waits 30 s at most), then process.
  res.json({ received: true })
  setImmediate(() => processEvent(event))
})

function processEvent(event) {
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

// For the tests and the demo: which events were processed, in order.
app.get('/processed', (req, res) => res.json(processed))

const server = app.listen(Number(process.env.PORT || 4242), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
