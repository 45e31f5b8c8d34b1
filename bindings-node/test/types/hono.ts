// A Hono app as the docs write it, compiled by test/types.test.js: the
// ./hono entry types the middleware as Hono's createMiddleware types one,
// so that c.get('payvostEvent') is an Event.
import { Hono } from 'hono'
import { payvostWebhook } from 'PACKAGE/hono'
import type { Event } from 'PACKAGE'

const hono = new Hono()
hono.post('/webhooks/payvost', payvostWebhook({ secret: process.env.PAYVOST_WEBHOOK_SECRET }), (c) => {
  const event: Event = c.get('payvostEvent')
  // @ts-expect-error an Event has no such member
  void c.get('payvostEvent').nope
  return c.json({ received: event.id })
})
const counted = payvostWebhook({ secret: (c) => c.req.header('x-secret') })
void counted.stats().total
