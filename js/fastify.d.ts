// Types of the `./fastify` entry: the Fastify plugin as Fastify types its
// plugins, and the verified event on `request`. Apart from index.d.ts, so
// that only an app that imports this entry needs Fastify's types.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Event, FastifyWebhookOptions } from './index.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified event, set by the Payvost plugin on the requests of its route. */
    payvostEvent?: Event
  }
}

/** The plugin's options: those of `webhooks.fastify`, its `handler` typed with Fastify's request and reply. */
export interface PayvostFastifyOptions extends Omit<FastifyWebhookOptions, 'handler'> {
  /** Without a `router`: what answers a verified delivery (`request.payvostEvent` is `event`). */
  handler?: (event: Event, request: FastifyRequest, reply: FastifyReply) => unknown
}

/**
 * `webhooks.fastify`, typed as a Fastify plugin:
 *
 * ```ts
 * import Fastify from 'fastify'
 * import { payvostWebhooks } from '@payvost/node-sdk/fastify'
 *
 * const app = Fastify()
 * await app.register(payvostWebhooks, {
 *   secret: process.env.PAYVOST_WEBHOOK_SECRET,
 *   handler: async (event, request) => ({ received: request.payvostEvent?.id === event.id }),
 * })
 * ```
 */
export declare const payvostWebhooks: FastifyPluginAsync<PayvostFastifyOptions>
