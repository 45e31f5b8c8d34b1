// Types of the `./hono` entry: the Hono middleware as Hono's createMiddleware
// types one, with `payvostEvent` among its Variables, so that
// `c.get('payvostEvent')` is an Event in the handlers after it. Apart from
// index.d.ts, so that only an app that imports this entry needs Hono's types.
import type { Context, MiddlewareHandler } from 'hono'
import type { Counted, Event, HonoWebhookOptions, SecretArgument } from './index.js'

/** What the middleware sets on the context. */
export interface PayvostVariables {
  /** The verified event. */
  payvostEvent: Event
}

/** The environment the middleware adds to the app's routes after it. */
export interface PayvostEnv {
  Variables: PayvostVariables
}

/** The middleware's options: those of `webhooks.hono`, its secret function typed with Hono's context. */
export interface PayvostHonoOptions extends Omit<HonoWebhookOptions, 'secret'> {
  /** The secret, or a function of the context that returns it: on Workers, `(c) => c.env.PAYVOST_WEBHOOK_SECRET`. */
  secret: SecretArgument | ((c: Context) => SecretArgument)
}

/**
 * `webhooks.hono`, typed as Hono's `createMiddleware<PayvostEnv>` types a middleware:
 *
 * ```ts
 * import { Hono } from 'hono'
 * import { payvostWebhook } from '@payvost/node-sdk/hono'
 *
 * const app = new Hono()
 * app.post('/webhooks/payvost', payvostWebhook({ secret: process.env.PAYVOST_WEBHOOK_SECRET }), (c) => {
 *   const event = c.get('payvostEvent') // an Event
 *   return c.json({ received: event.id })
 * })
 * ```
 */
export declare function payvostWebhook(options: PayvostHonoOptions): MiddlewareHandler<PayvostEnv> & Counted
