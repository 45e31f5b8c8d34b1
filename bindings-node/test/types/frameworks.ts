// Fastify and Hono apps as the docs write them, compiled by test/types.test.js:
// the ./fastify and ./hono entries type the plugin and the middleware as
// each framework types its own, and the verified event as an Event.
import Fastify from 'fastify'
import { Hono } from 'hono'
import { payvostWebhooks } from 'PACKAGE/fastify'
import { payvostWebhook } from 'PACKAGE/hono'
import type { Event } from 'PACKAGE'

const fastify = Fastify()
void fastify.register(payvostWebhooks, {
  secret: process.env.PAYVOST_WEBHOOK_SECRET,
  path: '/webhooks/payvost',
  handler: async (event, request, reply) => {
    const same: Event | undefined = request.payvostEvent
    // @ts-expect-error the augmentation names payvostEvent only
    void request.payvostEvnt
    return reply.code(200).send({ received: event.id === same?.id })
  },
})
// @ts-expect-error the plugin's options are checked: limit is a number of bytes
void fastify.register(payvostWebhooks, { secret: 'whsec_x', limit: '1mb', handler: () => null })

const hono = new Hono()
hono.post('/webhooks/payvost', payvostWebhook({ secret: process.env.PAYVOST_WEBHOOK_SECRET }), (c) => {
  const event: Event = c.get('payvostEvent')
  // @ts-expect-error an Event has no such member
  void c.get('payvostEvent').nope
  return c.json({ received: event.id })
})
const counted = payvostWebhook({ secret: (c) => c.req.header('x-secret') })
void counted.stats().total
