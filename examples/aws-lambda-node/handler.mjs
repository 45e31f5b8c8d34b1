// A Payvost webhook receiver on AWS Lambda, behind any of its HTTP front
// ends: an API Gateway REST or HTTP API, a function URL or a load balancer.
import { webhooks, EventRouter } from '@payvost/node-sdk'

export const fulfilled = []

const router = new EventRouter()
  .on('payment.succeeded', async (event) => {
    fulfilled.push(event.data.object.id) // fulfil the order here
  })
  .onUnhandled(() => {})

// Verifies each delivery (decoding the body when the front end sent it
// base64), runs the handlers, and answers in the front end's shape. For
// processing each event once across instances, add
// `idempotency: new idempotency.IdempotencyGuard({ store })` over a shared
// Redis or PostgreSQL store: an instance's memory and /tmp are its own.
export const handler = webhooks.lambda({ secret: process.env.PAYVOST_WEBHOOK_SECRET, router })
