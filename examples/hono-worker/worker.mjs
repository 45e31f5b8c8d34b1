// A Payvost webhook receiver with Hono on Cloudflare Workers: the SDK's Hono
// middleware, from @payvost/webhooks-wasm, reads the raw body and verifies it
// in WebAssembly; the secret is the Worker's binding, read per request.
import { Hono } from 'hono'
// The same middleware as webhooks.hono, typed so that c.get('payvostEvent') is an Event.
import { payvostWebhook } from '@payvost/webhooks-wasm/hono'

const app = new Hono()

app.post('/webhooks/payvost', payvostWebhook({ secret: (c) => c.env.PAYVOST_WEBHOOK_SECRET }), (c) => {
  const event = c.get('payvostEvent')
  // Answer at once; the work runs after the answer. Deliveries are retried,
  // so that work must be idempotent on event.id (a KV or D1 key).
  c.executionCtx.waitUntil(processEvent(event))
  return c.json({ received: true, id: event.id, type: event.type })
})

async function processEvent(event) {
  console.log(`${event.type} ${event.id}`)
}

export default app
