// The framework adapters (Express/Connect, Fastify, Koa, Hono) over the
// calls of webhooks.mjs: each reads the raw body itself, verifies it, and
// answers a refused delivery the same way: 400 with {error: {code,
// message}}, 413 for a body over its limit (the core's, by default:
// protocol §10). Given `onDelivery`, each hands it the record of every
// delivery it answered (protocol §10.2).

import { rawBody, requestBody, tooLarge, unreadable } from './body.mjs'
import { checkedLimit, describe, literal } from './convert.mjs'
import { DeliveryStats, busy, shedding } from './deliveries.mjs'
import { PayvostError, payvostError } from './errors.mjs'
import { facts } from './facts.mjs'
import { EventRouter } from './router.mjs'

/**
 * @param calls {constructProven, checkConfig} of webhooks.mjs
 */
export function createAdapters({ constructProven, checkConfig }) {
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

    const { record, stats } = recorder('middleware', config)
    const shed = shedding('middleware', config.maxConcurrent)

    function payvostWebhook(req, res, next) {
      const arrival = arrived(req.socket?.remoteAddress)
      const refuse = (error) => {
        record(arrival, refusalOf(error))
        reject(res, error)
      }
      if (!shed.enter()) return refuse(busy(shed.limit))
      res.once('close', shed.leave)
      rawBody(req, limit, 'mount payvost.webhooks.middleware() before express.json(), or on a route it does not cover').then(
        (body) => {
          let proven
          try {
            proven = constructProven(body, req.headers[header], secret, { tolerance })
          } catch (error) {
            return refuse(error)
          }
          req.payvostEvent = proven.event
          if (router === undefined) {
            res.once('finish', () => record(arrival, answered(proven, res.statusCode)))
            return next()
          }
          // A refusal of the guard is answered; any other error is the framework's 500.
          return routed({ idempotency, router, acknowledgeFirst, onError }, proven, body, record, arrival,
            (after) => res.once('finish', after)).then(
            (refusal) => (refusal === undefined ? received(res) : reject(res, refusal)),
            next,
          )
        },
        (error) => refuse(error),
      )
    }
    return counted(payvostWebhook, stats)
  }

  /**
   * A Fastify plugin: `app.register(webhooks.fastify, {secret, path, router | handler})`;
   * the verified event is `request.payvostEvent` (typed by the `./fastify` entry).
   * Its body parser (raw bytes) is scoped to the plugin, so the rest of the
   * app keeps its own JSON parsing. With a `router`, `acknowledgeFirst` and
   * `onError` work as the Express middleware's.
   */
  async function fastify(app, options) {
    const { secret, tolerance, path = DEFAULT_PATH, handler } = options ?? {}
    checkConfig(secret, tolerance)
    checkPath('webhooks.fastify', path)
    const limit = checkedLimit(options?.limit)
    const { router, acknowledgeFirst, onError, idempotency } = routing('webhooks.fastify', options ?? {})
    if ((router === undefined) === (handler === undefined)) {
      throw new TypeError('webhooks.fastify takes {secret, path?, router} or {secret, path?, handler(event, request, reply)}.')
    }
    const { record } = recorder('webhooks.fastify', options ?? {})
    const shed = shedding('webhooks.fastify', options?.maxConcurrent)
    // Stamped before the body is read, so that a record's duration counts
    // it; a delivery past maxConcurrent is shed here, unread.
    app.addHook('onRequest', async (request, reply) => {
      const arrival = (request[ARRIVAL] = arrived(request.ip))
      if (!shed.enter()) {
        const refused = busy(shed.limit)
        record(arrival, refusalOf(refused))
        return reply.code(refused.status).header('retry-after', refused.retryAfter).send(refusalBody(refused))
      }
      // Counted out once answered, or once the client went away.
      reply.raw.once('close', shed.leave)
    })
    // Declared before any request has it, as Fastify asks, so that every request has one shape.
    if (!app.hasRequestDecorator('payvostEvent')) app.decorateRequest('payvostEvent', null)
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (request, body, done) => done(null, body))
    app.setErrorHandler((error, request, reply) => {
      // An error before the route ran is the body's: over the limit, or cut off.
      if (request[ROUTED]) throw error
      const refused = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? tooLarge(limit) : unreadable(error)
      record(request[ARRIVAL], refusalOf(refused))
      return reply.code(refused.status || 400).send(refusalBody(refused))
    })
    app.post(path, async (request, reply) => {
      request[ROUTED] = true
      const arrival = request[ARRIVAL]
      let proven
      try {
        proven = constructProven(request.body ?? new Uint8Array(0), request.headers[header], secret, { tolerance })
      } catch (error) {
        record(arrival, refusalOf(error))
        return reply.code(error.status || 400).send(refusalBody(error))
      }
      request.payvostEvent = proven.event
      if (router === undefined) {
        reply.raw.once('finish', () => record(arrival, answered(proven, reply.raw.statusCode)))
        return handler(proven.event, request, reply)
      }
      const refusal = await routed({ idempotency, router, acknowledgeFirst, onError }, proven, request.body, record, arrival,
        (after) => reply.raw.once('finish', after))
      if (refusal !== undefined) return reply.code(refusal.status).send(refusalBody(refusal))
      return { received: true }
    })
  }

  /**
   * Koa middleware: reads the raw body, verifies it, sets
   * `ctx.state.payvostEvent`, or answers 400 (413 over `limit`). With a
   * `router` it runs the handlers and answers `{received: true}`;
   * `acknowledgeFirst` and `onError` work as the Express middleware's.
   * Mounted app-wide (`app.use`) it acts on POSTs to its `path` only
   * (default `/webhooks/payvost`) and passes every other request on;
   * mounted on a route of `@koa/router`, on what that route matched.
   */
  function koa(config) {
    const { secret, tolerance, path = DEFAULT_PATH } = config ?? {}
    checkConfig(secret, tolerance)
    checkPath('webhooks.koa', path)
    const limit = checkedLimit(config?.limit)
    const { router, acknowledgeFirst, onError, idempotency } = routing('webhooks.koa', config ?? {})
    const { record, stats } = recorder('webhooks.koa', config ?? {})
    const shed = shedding('webhooks.koa', config?.maxConcurrent)
    async function payvostWebhook(ctx, next) {
      // @koa/router names the route it matched; without one, the app sends every request here.
      if (ctx._matchedRoute === undefined && (ctx.method !== 'POST' || ctx.path !== path)) return next()
      const arrival = arrived(ctx.ip)
      if (!shed.enter()) {
        const refused = busy(shed.limit)
        ctx.status = refused.status
        ctx.set('retry-after', refused.retryAfter)
        ctx.body = refusalBody(refused)
        return record(arrival, refusalOf(refused))
      }
      try {
        return await koaDelivery(ctx, next, arrival)
      } finally {
        shed.leave()
      }
    }
    async function koaDelivery(ctx, next, arrival) {
      let proven
      let body
      try {
        body = await rawBody(ctx.req, limit, 'mount webhooks.koa() before koa-bodyparser, or on a route it does not cover')
        proven = constructProven(body, ctx.get(header) || undefined, secret, { tolerance })
      } catch (error) {
        ctx.status = error.status || 400
        ctx.body = refusalBody(error)
        record(arrival, refusalOf(error))
        return
      }
      ctx.state.payvostEvent = proven.event
      if (router === undefined) return passedOn(next, proven, record, arrival, () => ctx.status)
      const refusal = await routed({ idempotency, router, acknowledgeFirst, onError }, proven, body, record, arrival,
        (after) => ctx.res.once('finish', after))
      if (refusal !== undefined) {
        ctx.status = refusal.status
        ctx.body = refusalBody(refusal)
        return
      }
      ctx.body = { received: true }
    }
    return counted(payvostWebhook, stats)
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
    const { record, stats } = recorder('webhooks.hono', config ?? {})
    const shed = shedding('webhooks.hono', config?.maxConcurrent)
    async function payvostWebhook(c, next) {
      const arrival = arrived(honoAddress(c))
      if (!shed.enter()) {
        const refused = busy(shed.limit)
        record(arrival, refusalOf(refused))
        return c.json(refusalBody(refused), refused.status, { 'retry-after': refused.retryAfter })
      }
      try {
        return await honoDelivery(c, next, arrival)
      } finally {
        shed.leave()
      }
    }
    async function honoDelivery(c, next, arrival) {
      const key = secretOf(c)
      let proven
      let body
      try {
        body = await requestBody(c.req.raw, limit, 'mount webhooks.hono() before anything that reads the body (c.req.json(), a validator), or on a route it does not cover.')
        proven = constructProven(body, c.req.header(header), key, { tolerance })
      } catch (error) {
        if (!(error instanceof PayvostError) || facts.categoryOf[error.code] === 'configuration') {
          record(arrival, { outcome: 'failed', code: error instanceof PayvostError ? error.code : undefined, status: 500 })
          throw error
        }
        record(arrival, refusalOf(error))
        return c.json(refusalBody(error), error.status || 400)
      }
      c.set('payvostEvent', proven.event)
      if (router === undefined) return passedOn(next, proven, record, arrival, () => c.res.status)
      // The handlers run after the answer; on Workers, waitUntil keeps them alive.
      const later = (after) => {
        const running = new Promise((resolve) => setTimeout(resolve, 0)).then(after)
        executionContext(c)?.waitUntil(running)
      }
      const refusal = await routed({ idempotency, router, acknowledgeFirst, onError }, proven, body, record, arrival, later)
      if (refusal !== undefined) return c.json(refusalBody(refusal), refusal.status)
      return c.json({ received: true })
    }
    return counted(payvostWebhook, stats)
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
 * The handlers of a verified delivery, as `run`, a function to run now or
 * after the answer: inside the guard's claim when there is a guard
 * (protocol §11), held before this resolves, so that an acknowledgement
 * follows it; no `run` for a duplicate, answered 200 without running them.
 * `how` is the claim's `run` options (`{acknowledged, header}`).
 * `attempt` is the guard's. The guard's refusals reject (see isRefusal).
 */
export async function claimed(idempotency, router, event, body, how) {
  if (idempotency === undefined) return { run: () => router.dispatch(event), attempt: undefined }
  const claim = await idempotency.claim(event, body)
  if (claim.outcome === 'duplicate') return { run: undefined, attempt: claim.attempt }
  return { run: () => claim.run((e) => router.dispatch(e), how), attempt: claim.attempt }
}

/** A refusal of the idempotency guard (409, 422, 503, 500: protocol §10), answered in the protocol's JSON. */
export function isRefusal(error) {
  return error instanceof PayvostError && facts.categoryOf[error.code] === 'processing'
}

/**
 * Runs a verified delivery's handlers as every adapter does, inside the
 * guard's claim when there is a guard, and records it; with
 * `acknowledgeFirst`, `later(after)` runs them once the answer has left.
 * Resolves to the guard's refusal to answer, or undefined for `{received:
 * true}`; any other error rejects, for the framework's 500.
 */
async function routed({ idempotency, router, acknowledgeFirst, onError }, proven, body, record, arrival, later) {
  let attempt
  try {
    // Acknowledged first, a handler's failure is kept by the guard for retry(): Payvost will not deliver it again.
    const how = acknowledgeFirst ? { acknowledged: true, header: proven.header } : undefined
    const claim = await claimed(idempotency, router, proven.event, body, how)
    attempt = claim.attempt
    if (claim.run === undefined) {
      record(arrival, { proven, outcome: 'duplicate', status: 200, attempt })
    } else if (acknowledgeFirst) {
      later(() => dispatchAfter(claim.run, proven.event, onError).then((ran) => record(arrival, ranAfter(proven, ran, attempt))))
    } else {
      await claim.run()
      record(arrival, { proven, outcome: 'processed', status: 200, attempt })
    }
    return undefined
  } catch (error) {
    if (!isRefusal(error)) {
      record(arrival, { proven, outcome: 'failed', status: 500, attempt })
      throw error
    }
    record(arrival, refusalOf(error, proven, attempt))
    return error
  }
}

/** Hands a verified delivery to the application (Koa's and Hono's `next`), and records what it answered. */
async function passedOn(next, proven, record, arrival, status) {
  try {
    await next()
  } catch (error) {
    record(arrival, { proven, outcome: 'failed', status: 500 })
    throw error
  }
  record(arrival, answered(proven, status()))
}

/** Runs the handlers once the answer has left: their errors can only go to `onError`. Resolves whether they succeeded. */
function dispatchAfter(run, event, onError) {
  return run().then(() => true, (error) => {
    report(onError, error, event)
    return false
  })
}

/**
 * Hands a handler's error to `onError`. Should `onError` throw (or reject)
 * too, that is reported once as a process warning, where the runtime has
 * one, else on the console: an unhandled rejection would end the process.
 */
function report(onError, error, event) {
  hook(() => onError(error, event), (hookError) =>
    warn(`payvost: onError threw (${said(hookError)}) while reporting the error of a handler of event ${event.id}: ${said(error)}`,
      'PAYVOST_ON_ERROR_THREW'))
}

/** Calls a user's hook; should it throw or reject, `failed(error)` hears it, never the caller. */
function hook(call, failed) {
  try {
    const result = call()
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') result.then(undefined, failed)
  } catch (hookError) {
    failed(hookError)
  }
}

function said(error) {
  return error instanceof Error ? error.message : String(error)
}

/** A warning of the runtime's own channel: a process warning where there is one, else the console. */
function warn(message, code) {
  if (typeof process === 'object' && typeof process.emitWarning === 'function') {
    process.emitWarning(message, { type: 'PayvostWarning', code })
  } else {
    console.error(message)
  }
}

/** When a request arrived, for its duration, in unix seconds for its record, and from where. */
function arrived(address) {
  return { at: performance.now(), unix: Math.floor(Date.now() / 1000), address }
}

/**
 * Where a Hono request came from: the socket's address on Node
 * (@hono/node-server), Cloudflare's own header on Workers, which the edge
 * sets and a client cannot; elsewhere not known.
 */
function honoAddress(c) {
  return c.env?.incoming?.socket?.remoteAddress ?? c.req.header('cf-connecting-ip')
}

/** An adapter's middleware, with its counts: `stats()` and `anomalies()` (protocol §10.2). */
function counted(middleware, stats) {
  middleware.stats = () => stats.snapshot()
  middleware.anomalies = () => stats.anomalies()
  return middleware
}

/** Where Fastify's plugin routes, and Koa's middleware acts, unless told. */
const DEFAULT_PATH = '/webhooks/payvost'

function checkPath(name, path) {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw payvostError('option_invalid', `${name}: path takes a path that starts with "/", not ${literal(path)}.`)
  }
}

// Where Fastify's onRequest hook keeps a request's arrival.
const ARRIVAL = Symbol('payvost arrival')
/** Set on a Fastify request once its body was read and the route runs. */
const ROUTED = Symbol('payvost routed')

/**
 * The adapter's record of a delivery, as a function of what its answer was
 * made of (`{proven, outcome | code, status, attempt}`): the delivery
 * record of protocol §10.2 in the core's field order, counted in `stats`
 * (the adapter's own, or the `DeliveryStats` given) and handed to
 * `onDelivery`. A hook that throws or rejects never changes the answer: it
 * is reported once as a process warning (`PAYVOST_ON_DELIVERY_THREW`).
 */
function recorder(name, { onDelivery, stats = new DeliveryStats() }) {
  if (onDelivery !== undefined && typeof onDelivery !== 'function') {
    throw payvostError('option_invalid', `${name}: onDelivery takes a function(record), not ${describe(onDelivery)}.`)
  }
  if (!(stats instanceof DeliveryStats)) {
    throw payvostError('option_invalid', `${name}: stats takes a webhooks.DeliveryStats, not ${describe(stats)}.`)
  }
  const record = (arrival, { proven, outcome, code, status, attempt }) => {
    const record = {}
    if (proven !== undefined) {
      record.event_id = proven.event.id
      record.event_type = proven.event.type
    }
    record.outcome = outcome ?? facts.delivery.outcome_of_code[code] ?? 'failed'
    if (code !== undefined) record.code = code
    record.status = status
    if (proven !== undefined) {
      record.signature_age = Math.floor(Date.now() / 1000) - Number(proven.verified.timestamp)
      record.secret_index = proven.verified.secretIndex
    }
    if (attempt !== undefined) record.attempt = attempt
    record.duration_ms = performance.now() - arrival.at
    record.received_at = arrival.unix
    if (arrival.address !== undefined) record.remote_address = arrival.address
    stats.record(record)
    if (onDelivery === undefined) return
    hook(() => onDelivery(record), (hookError) =>
      warn(`payvost: onDelivery threw (${said(hookError)}) for a delivery answered ${status}`, 'PAYVOST_ON_DELIVERY_THREW'))
  }
  return { record, stats }
}

/** What a refusal's record is made of. */
function refusalOf(error, proven, attempt) {
  return { proven, code: error.code || 'payload_wrong_type', status: error.status || 400, attempt }
}

/** A delivery the application answered itself, with `status`. */
function answered(proven, status) {
  return { proven, outcome: status < 400 ? 'processed' : 'failed', status }
}

/** A delivery acknowledged first, once its handlers ran (`ran`) or failed. */
function ranAfter(proven, ran, attempt) {
  return { proven, outcome: ran ? 'processed' : 'failed', status: 200, attempt }
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
  if (error.retryAfter !== undefined) res.setHeader('retry-after', error.retryAfter)
  res.end(JSON.stringify(refusalBody(error)))
}
