// A Payvost webhook receiver with Koa: the SDK's middleware reads the raw
// body and verifies it; this handler processes each event once and answers
// before doing the work.
//
//   PAYVOST_WEBHOOK_SECRET=whsec_... PORT=4242 node server.js
const Koa = require('koa')
const payvost = require('@payvost/node-sdk')

const app = new Koa()
const verified = payvost.webhooks.koa({ secret: process.env.PAYVOST_WEBHOOK_SECRET })

// In production this is a table with a unique key on the event id.
const seen = new Set()
const processed = []

app.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path === '/processed') {
    ctx.body = processed
    return
  }
  if (ctx.method !== 'POST' || ctx.path !== '/webhooks/payvost') return next()
  await verified(ctx, async () => {
    const event = ctx.state.payvostEvent
    // Idempotent: a retried delivery of an event already taken is acknowledged, not redone.
    if (seen.has(event.id)) {
      ctx.body = { received: true, duplicate: true }
      return
    }
    seen.add(event.id)
    // Respond fast (Payvost waits 30 s at most), then process.
    ctx.body = { received: true }
    setImmediate(() => processEvent(event))
  })
})

function processEvent(event) {
  console.log(`${event.type} ${event.id}`)
  processed.push(event.id)
}

const server = app.listen(Number(process.env.PORT || 4242), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
