// The framework adapters (Express/Connect, Fastify, Koa, Hono) over the
// calls of webhooks.mjs: each reads the raw body itself, verifies it, and
// answers a refused delivery the same way: 400 with {error: {code,
// message}}, 413 for a body over its limit (the core's, by default:
// protocol §10).

import { rawBody, requestBody, tooLarge } from './body.mjs'
import { checkedLimit } from './convert.mjs'
import { PayvostError, payvostError } from './errors.mjs'
import { facts } from './facts.mjs'
import { EventRouter } from './router.mjs'

/**
 * @param calls {constructEvent, checkConfig} of webhooks.mjs
 */
export function createAdapters({ constructEvent, checkConfig }) {
  // The core's header name; Node lowercases the names it receives, and the
  // other frameworks' lookups ignore case.
  const header = facts.signature_header.toLowerCase()

  /**
   * Express/Connect middleware: reads the raw body itself, verifies it, sets
   * `req.payvostEvent`, or answers 400 with the code. With a `router`, it
   * then runs its handlers and answers 200 `{received: true}`, passing a
   * handler's error to `next` (Express answers 500); with
   * `acknowledgeFirst`, it answers 200 once verified, then runs the
   * handlers and hands their errors to `onError`.
   */
  function middleware(config) {
    if (config === null || typeof config !== 'object') {
      throw payvostError('secret_invalid', 'middleware takes {secret, tolerance?, limit?, router?}.')
    }
    const { secret, tolerance } = config
    checkConfig(secret, tolerance)
    const limit = checkedLimit(config.limit)
    const { router, acknowledgeFirst, onError, idempotency } = routing('middleware', config)

    return function payvostWebhook(req, res, next) {
      rawBody(req, limit, 'mount payvost.webhooks.middleware() before express.json(), or on a route it does not cover').then(
        (body) => {
          let event
          try {
            event = constructEvent(body, req.headers[header], secret, { tolerance })
          } catch (error) {
            return reject(res, error)
          }
          req.payvostEvent = event
          if (router === undefined) return next()
          // A refusal of the guard is answered; any other error is the framework's 500.
          const failed = (error) => (isRefusal(error) ? reject(res, error) : next(error))
          return claimed(idempotency, router, event, body).then((run) => {
            if (run === undefined) return received(res) // a duplicate
            if (acknowledgeFirst) {
              received(res)
              return dispatchAfter(run, event, onError)
            }
            return run().then(() => received(res), failed)
          }, failed)
        },
        (error) => reject(res, error),
      )
    }
  }

  /**
   * A Fastify plugin: `app.register(webhooks.fastify, {secret, path, router | handler})`.
   * Its body parser (raw bytes) is scoped to the plugin, so the rest of the
   * app keeps its own JSON parsing. With a `router`, `acknowledgeFirst` and
   * `onError` work as the Express middleware's.
   */
  async function fastify(app, options) {
    const { secret, tolerance, path = '/webhooks/payvost', handler } = options ?? {}
    checkConfig(secret, tolerance)
    const limit = checkedLimit(options?.limit)
    const { router, acknowledgeFirst, onError, idempotency } = routing('webhooks.fastify', options ?? {})
    if ((router === undefined) === (handler === undefined)) {
      throw new TypeError('webhooks.fastify takes {secret, path?, router} or {secret, path?, handler(event, request, reply)}.')
    }
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (request, body, done) => done(null, body))
    app.setErrorHandler((error, request, reply) => {
      if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error
      const refused = tooLarge(limit)
      return reply.code(refused.status).send(refusalBody(refused))
    })
    app.post(path, async (request, reply) => {
      let event
      try {
        event = constructEvent(request.body ?? new Uint8Array(0), request.headers[header], secret, { tolerance })
      } catch (error) {
        return reply.code(error.status || 400).send(refusalBody(error))
      }
      if (router === undefined) return handler(event, request, reply)
      try {
        const run = await claimed(idempotency, router, event, request.body)
        if (run !== undefined && acknowledgeFirst) reply.raw.once('finish', () => dispatchAfter(run, event, onError))
        else if (run !== undefined) await run()
      } catch (error) {
        if (!isRefusal(error)) throw error
        return reply.code(error.status).send(refusalBody(error))
      }
      return { received: true }
    })
  }

  /**
   * Koa middleware: reads the raw body, verifies it, sets
   * `ctx.state.payvostEvent`, or answers 400 (413 over `limit`). With a
   * `router` it runs the handlers and answers `{received: true}`;
   * `acknowledgeFirst` and `onError` work as the Express middleware's.
   */
  function koa(config) {
    const { secret, tolerance } = config ?? {}
    checkConfig(secret, tolerance)
    const limit = checkedLimit(config?.limit)
    const { router, acknowledgeFirst, onError, idempotency } = routing('webhooks.koa', config ?? {})
    return async function payvostWebhook(ctx, next) {
      let event
      let body
      try {
        body = await rawBody(ctx.req, limit, 'mount webhooks.koa() before koa-bodyparser, or on a route it does not cover')
        event = constructEvent(body, ctx.get(header) || undefined, secret, { tolerance })
      } catch (error) {
        ctx.status = error.status || 400
        ctx.body = refusalBody(error)
        return
      }
      ctx.state.payvostEvent = event
      if (router === undefined) return next()
      try {
        const run = await claimed(idempotency, router, event, body)
        if (run !== undefined && acknowledgeFirst) ctx.res.once('finish', () => dispatchAfter(run, event, onError))
        else if (run !== undefined) await run()
      } catch (error) {
        if (!isRefusal(error)) throw error
        ctx.status = error.status
        ctx.body = refusalBody(error)
        return
      }
      ctx.body = { received: true }
    }
  }

  /**
   * Hono middleware, on Node and on edge runtimes alike (it reads the
   * WHATWG Request): sets `c.get('payvostEvent')`, or answers 400 (413 over
   * `limit`). With a `router` it runs the handlers and answers `{received: true}`.
   * On Cloudflare Workers the secret is a binding of each request's env, so
   * `secret` may be a function of the context: `(c) => c.env.PAYVOST_WEBHOOK_SECRET`;
   * a secret it returns that is missing or invalid, or a bad tolerance, is
   * then thrown on the request (Hono answers 500). With `acknowledgeFirst`
   * the handlers run after the answer, kept alive on Workers by
   * `c.executionCtx.waitUntil`; their errors go to `onError`.
   */
  function hono(config) {
    const { secret, tolerance } = config ?? {}
    const limit = checkedLimit(config?.limit)
    const { router, acknowledgeFirst, onError, idempotency } = routing('webhooks.hono', config ?? {})
    // A secret that comes with each request is checked, with the tolerance, on each request.
    if (typeof secret !== 'function') checkConfig(secret, tolerance)
    const secretOf = typeof secret === 'function' ? secret : () => secret
    return async function payvostWebhook(c, next) {
      const key = secretOf(c)
      let event
      let body
      try {
        body = await requestBody(c.req.raw, limit, 'mount webhooks.hono() before anything that reads the body (c.req.json(), a validator), or on a route it does not cover.')
        event = constructEvent(body, c.req.header(header), key, { tolerance })
      } catch (error) {
        if (!(error instanceof PayvostError) || facts.categoryOf[error.code] === 'configuration') throw error
        return c.json(refusalBody(error), error.status || 400)
      }
      c.set('payvostEvent', event)
      if (router === undefined) return next()
      try {
        const run = await claimed(idempotency, router, event, body)
        if (run !== undefined && acknowledgeFirst) {
          const later = new Promise((resolve) => setTimeout(resolve, 0)).then(() => dispatchAfter(run, event, onError))
          executionContext(c)?.waitUntil(later)
        } else if (run !== undefined) {
          await run()
        }
      } catch (error) {
        if (!isRefusal(error)) throw error
        return c.json(refusalBody(error), error.status)
      }
      return c.json({ received: true })
    }
  }

  return { middleware, fastify, koa, hono }
}

/**
 * An adapter's router options; `acknowledgeFirst` needs a router and an
 * `onError`, and `idempotency` (an IdempotencyGuard) a router whose
 * handlers it runs.
 */
function routing(name, { router, acknowledgeFirst = false, onError, idempotency }) {
  if (router !== undefined && !(router instanceof EventRouter)) {
    throw new TypeError(`${name}: router must be an EventRouter (new EventRouter().on(...)).`)
  }
  if (acknowledgeFirst && (router === undefined || typeof onError !== 'function')) {
    throw new TypeError(`${name}: acknowledgeFirst needs a router and an onError(error, event) callback, ` +
      'which gets the errors of handlers that run after the answer.')
  }
  if (idempotency !== undefined && (router === undefined || typeof idempotency?.claim !== 'function')) {
    throw payvostError('option_invalid', `${name}: idempotency takes an IdempotencyGuard, and a router whose handlers it runs ` +
      '(new payvost.idempotency.IdempotencyGuard({store})).')
  }
  return { router, acknowledgeFirst, onError, idempotency }
}

/**
 * The handlers of a verified delivery, as a function to run now or after
 * the answer: inside the guard's claim when there is a guard (protocol
 * §11), held before this resolves, so that an acknowledgement follows it;
 * `undefined` for a duplicate, answered 200 without running them. The
 * guard's refusals reject (see isRefusal).
 */
export async function claimed(idempotency, router, event, body) {
  if (idempotency === undefined) return () => router.dispatch(event)
  const claim = await idempotency.claim(event, body)
  if (claim.outcome === 'duplicate') return undefined
  return () => claim.run((e) => router.dispatch(e))
}

/** A refusal of the idempotency guard (409, 422, 503, 500: protocol §10), answered in the protocol's JSON. */
export function isRefusal(error) {
  return error instanceof PayvostError && facts.categoryOf[error.code] === 'processing'
}

/** Runs the handlers once the answer has left: their errors can only go to `onError`. */
function dispatchAfter(run, event, onError) {
  return run().catch((error) => report(onError, error, event))
}

/**
 * Hands a handler's error to `onError`. Should `onError` throw (or reject)
 * too, that is reported once as a process warning, where the runtime has
 * one, else on the console: an unhandled rejection would end the process.
 */
function report(onError, error, event) {
  const warn = (hookError) => {
    const message = `payvost: onError threw (${hookError instanceof Error ? hookError.message : String(hookError)}) ` +
      `while reporting the error of a handler of event ${event.id}: ${error instanceof Error ? error.message : String(error)}`
    if (typeof process === 'object' && typeof process.emitWarning === 'function') {
      process.emitWarning(message, { type: 'PayvostWarning', code: 'PAYVOST_ON_ERROR_THREW' })
    } else {
      console.error(message)
    }
  }
  try {
    const result = onError(error, event)
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') result.then(undefined, warn)
  } catch (hookError) {
    warn(hookError)
  }
}

/** Hono's ExecutionContext where the runtime has one (Workers); its getter throws elsewhere. */
function executionContext(c) {
  try {
    return c.executionCtx
  } catch {
    return undefined
  }
}

function received(res) {
  res.statusCode = 200
  res.setHeader('content-type', 'application/json')
  res.end('{"received":true}')
}

/** The JSON answer to a refused delivery, the same in every adapter. */
export function refusalBody(error) {
  return { error: { code: error.code || 'payload_wrong_type', message: error.message } }
}

function reject(res, error) {
  res.statusCode = error.status || 400
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(refusalBody(error)))
}
