// A Fastify app as the docs write it, compiled by test/types.test.js (for
// @payvost/node-sdk: the WASM package, made for edge runtimes, has no
// Fastify entry): the ./fastify entry types the plugin as Fastify types its
// own, and request.payvostEvent as an Event.
import Fastify from 'fastify'
import { payvostWebhooks } from 'PACKAGE/fastify'
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
