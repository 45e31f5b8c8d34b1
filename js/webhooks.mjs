// `payvost.webhooks`, built over a verifier backend: the napi addon here, the
// WebAssembly module in @payvost/webhooks-wasm. The backend decides; this
// file converts arguments, maps errors and builds the event with JSON.parse.

import * as convert from './convert.mjs'
import { PayvostError, fromNative, payvostError } from './errors.mjs'
import { loadFacts } from './facts.mjs'
import { EventRouter } from './router.mjs'

const DEFAULT_BODY_LIMIT = 5 * 1024 * 1024
/** How much of a body over the limit is read and dropped before the 413, so the client gets it whole. */
const DRAIN_LIMIT = 64 * 1024 * 1024
/** How many verifiers the one-line calls keep: an app with up to 16 endpoints pays no key setup. */
const VERIFIER_CACHE_SIZE = 16

/**
 * @param backend {name, Verifier, checkEnvelope, sign, facts}
 */
export function createWebhooks(backend) {
  const facts = loadFacts(backend)
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  const errorCodes = Object.freeze(
    Object.fromEntries(facts.errors.map(({ code }) => [code.toUpperCase(), code])),
  )

  // Servers verify with one secret, or one per endpoint, over and over: keep
  // the last verifiers used, each holding its secrets' precomputed HMAC
  // state. The cache lives in this closure, out of reach of util.inspect.
  const cache = new Map()

  /** The cache's key: the secrets and the tolerance, or undefined for a value no verifier takes. */
  function keyOf(secret, tolerance) {
    if (typeof secret === 'string') return `${tolerance}\u0000${secret}`
    if (Array.isArray(secret) && secret.every((s) => typeof s === 'string')) {
      return `${tolerance}\u0000${secret.length}\u0000${secret.join('\u0000')}`
    }
    return undefined
  }

  function newVerifier(secret, tolerance) {
    const list = convert.secrets(secret)
    try {
      return new backend.Verifier(list, tolerance)
    } catch (error) {
      throw fromNative(error)
    }
  }

  function verifierFor(secret, tolerance) {
    const key = keyOf(secret, tolerance)
    const kept = cache.get(key)
    if (kept !== undefined) {
      // Most recently used last: Map keeps insertion order.
      cache.delete(key)
      cache.set(key, kept)
      return kept
    }
    const verifier = newVerifier(secret, tolerance)
    cache.set(key, verifier)
    if (cache.size > VERIFIER_CACHE_SIZE) {
      const [oldestKey, oldest] = cache.entries().next().value
      cache.delete(oldestKey)
      // A WebAssembly verifier's memory is freed here, not whenever a finalizer
      // runs: the module's memory never shrinks, so lagging frees would grow it.
      // Every use of a verifier is synchronous, so none is in use now.
      if (typeof oldest.free === 'function') oldest.free()
    }
    return verifier
  }

  /** Converts every argument; the order is protocol §4's. */
  function prepare(payload, sigHeader, secret, opts) {
    const { tolerance, now } = convert.options(opts)
    return call(verifierFor(secret, tolerance), payload, sigHeader, now)
  }

  /** One call's arguments converted, after its verifier (the order is protocol §4's). */
  function call(verifier, payload, sigHeader, now) {
    return {
      verifier,
      now: convert.now(now),
      payload: convert.payload(payload),
      header: convert.header(sigHeader),
    }
  }

  function constructEvent(payload, sigHeader, secret, opts) {
    return construct(prepare(payload, sigHeader, secret, opts))
  }

  /** Verifies and builds the event of a prepared call. */
  function construct(call) {
    try {
      call.verifier.verifyJson(call.payload, call.header, call.now)
    } catch (error) {
      throw fromNative(error, call)
    }
    // The core checked what JSON.parse does not (UTF-8, depth, surrogate
    // escapes); JSON.parse is the strict RFC 8259 grammar, as the core's own.
    let event
    try {
      event = JSON.parse(typeof call.payload === 'string' ? call.payload : decoder.decode(call.payload))
    } catch {
      throw payvostError('payload_invalid_json', facts.messages.payload_not_json, call)
    }
    try {
      convert.checkEnvelope(backend, event)
    } catch (error) {
      throw fromNative(error, call)
    }
    return event
  }

  function verifyHeader(payload, sigHeader, secret, opts) {
    return verify(prepare(payload, sigHeader, secret, opts))
  }

  function verify(call) {
    try {
      return call.verifier.verify(call.payload, call.header, call.now)
    } catch (error) {
      throw fromNative(error, call)
    }
  }

  /**
   * A verifier built once from a secret (or several, while rotating) and a
   * tolerance, that checks many deliveries with no key setup per call. It
   * keeps no secret in a property: util.inspect shows only its tolerance.
   */
  class WebhookVerifier {
    #verifier
    #tolerance

    constructor(secret, opts) {
      const { tolerance } = convert.options(opts)
      this.#verifier = newVerifier(secret, tolerance)
      this.#tolerance = tolerance
    }

    /** `constructEvent` with this verifier's secrets and tolerance; `opts` may give `{now}`. */
    constructEvent(payload, sigHeader, opts) {
      return construct(this.#call(payload, sigHeader, opts))
    }

    /** `verifyHeader` with this verifier's secrets and tolerance; `opts` may give `{now}`. */
    verifyHeader(payload, sigHeader, opts) {
      return verify(this.#call(payload, sigHeader, opts))
    }

    /** Frees the WebAssembly memory this verifier holds at once (a no-op on the native backend). */
    free() {
      if (typeof this.#verifier.free === 'function') this.#verifier.free()
    }

    #call(payload, sigHeader, opts) {
      const now = opts === undefined || opts === null ? undefined : opts.now
      return call(this.#verifier, payload, sigHeader, now)
    }

    [Symbol.for('nodejs.util.inspect.custom')]() {
      return `WebhookVerifier { tolerance: ${this.#tolerance} }`
    }
  }

  function generateTestHeaderString(args) {
    if (args === null || typeof args !== 'object') {
      throw payvostError(
        'payload_wrong_type',
        `generateTestHeaderString takes {payload, secret, timestamp?}, not ${convert.describe(args)}.`,
      )
    }
    if (typeof args.secret !== 'string') {
      throw payvostError('secret_invalid', `The secret must be a string, not ${convert.describe(args.secret)}.`)
    }
    const timestamp = convert.now(args.timestamp)
    try {
      return backend.sign(convert.payload(args.payload), args.secret, timestamp)
    } catch (error) {
      throw fromNative(error)
    }
  }

  async function constructEventFromRequest(request, secret, opts) {
    if (request === null || typeof request !== 'object' || typeof request.arrayBuffer !== 'function' ||
        request.headers === null || typeof request.headers !== 'object' ||
        typeof request.headers.get !== 'function') {
      throw payvostError(
        'payload_wrong_type',
        `constructEventFromRequest takes a WHATWG Request (as in Next.js, Hono, Remix), not ${convert.describe(request)}.`,
      )
    }
    const unread = 'call constructEventFromRequest before anything reads the body (request.json(), request.text(), ' +
      'a body parser), or pass the bytes that were read to constructEvent.'
    if (request.bodyUsed === true) {
      throw payvostError('payload_wrong_type', `The request body was already read (request.bodyUsed is true), so its raw bytes are gone: ${unread}`)
    }
    let body
    try {
      body = new Uint8Array(await request.arrayBuffer())
    } catch (error) {
      // A stream locked by another reader: undici says "Body is unusable".
      throw payvostError('payload_wrong_type', `The request body could not be read (${error && error.message}): ${unread}`)
    }
    return constructEvent(body, request.headers.get('payvost-signature'), secret, opts)
  }

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
    const { secret, tolerance, limit = DEFAULT_BODY_LIMIT, router, acknowledgeFirst = false, onError } = config
    checkConfig(secret, tolerance)
    if (router !== undefined && !(router instanceof EventRouter)) {
      throw new TypeError('middleware: router must be an EventRouter (new EventRouter().on(...)).')
    }
    if (acknowledgeFirst && (router === undefined || typeof onError !== 'function')) {
      throw new TypeError('middleware: acknowledgeFirst needs a router and an onError(error, event) callback, ' +
        'which gets the errors of handlers that run after the answer.')
    }

    return function payvostWebhook(req, res, next) {
      rawBody(req, limit).then(
        (body) => {
          let event
          try {
            event = constructEvent(body, req.headers['payvost-signature'], secret, { tolerance })
          } catch (error) {
            return reject(res, error)
          }
          req.payvostEvent = event
          if (router === undefined) return next()
          if (acknowledgeFirst) {
            received(res)
            return router.dispatch(event).catch((error) => onError(error, event))
          }
          return router.dispatch(event).then(() => received(res), next)
        },
        (error) => reject(res, error),
      )
    }
  }

  /** Refuses a bad secret or tolerance when the app starts, not on the first delivery. */
  function checkConfig(secret, tolerance) {
    verifierFor(secret, convert.options({ tolerance }).tolerance)
  }

  /**
   * A Fastify plugin: `app.register(webhooks.fastify, {secret, path, router | handler})`.
   * Its body parser (raw bytes) is scoped to the plugin, so the rest of the
   * app keeps its own JSON parsing.
   */
  async function fastify(app, options) {
    const { secret, tolerance, limit = DEFAULT_BODY_LIMIT, path = '/webhooks/payvost', router, handler } = options ?? {}
    checkConfig(secret, tolerance)
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
        event = constructEvent(request.body ?? new Uint8Array(0), request.headers['payvost-signature'], secret, { tolerance })
      } catch (error) {
        return reply.code(error.status || 400).send(refusalBody(error))
      }
      if (router === undefined) return handler(event, request, reply)
      await router.dispatch(event)
      return { received: true }
    })
  }

  /**
   * Koa middleware: reads the raw body, verifies it, sets
   * `ctx.state.payvostEvent`, or answers 400 (413 over `limit`). With a
   * `router` it runs the handlers and answers `{received: true}`.
   */
  function koa(config) {
    const { secret, tolerance, limit = DEFAULT_BODY_LIMIT, router } = config ?? {}
    checkConfig(secret, tolerance)
    return async function payvostWebhook(ctx, next) {
      let event
      try {
        const body = await rawBody(ctx.req, limit)
        event = constructEvent(body, ctx.get('payvost-signature') || undefined, secret, { tolerance })
      } catch (error) {
        ctx.status = error.status || 400
        if (error.close) ctx.set('connection', 'close')
        ctx.body = refusalBody(error)
        return
      }
      ctx.state.payvostEvent = event
      if (router === undefined) return next()
      await router.dispatch(event)
      ctx.body = { received: true }
    }
  }

  /**
   * Hono middleware, on Node and on edge runtimes alike (it reads the
   * WHATWG Request): sets `c.get('payvostEvent')`, or answers 400 (413 over
   * `limit`). With a `router` it runs the handlers and answers `{received: true}`.
   */
  function hono(config) {
    const { secret, tolerance, limit = DEFAULT_BODY_LIMIT, router } = config ?? {}
    checkConfig(secret, tolerance)
    return async function payvostWebhook(c, next) {
      let event
      try {
        const declared = Number(c.req.header('content-length'))
        if (declared > limit) throw tooLarge(limit)
        const body = new Uint8Array(await c.req.raw.arrayBuffer())
        if (body.length > limit) throw tooLarge(limit)
        event = constructEvent(body, c.req.header('payvost-signature'), secret, { tolerance })
      } catch (error) {
        if (!(error instanceof PayvostError)) throw error
        return c.json(refusalBody(error), error.status || 400)
      }
      c.set('payvostEvent', event)
      if (router === undefined) return next()
      await router.dispatch(event)
      return c.json({ received: true })
    }
  }

  const knownTypes = new Set(facts.event_types.map(({ name }) => name))

  /** True when the event's type is one this SDK version knows (a type guard in index.d.ts). */
  function isKnownEvent(event) {
    return event !== null && typeof event === 'object' && knownTypes.has(event.type)
  }

  return {
    constructEvent,
    verifyHeader,
    WebhookVerifier,
    generateTestHeaderString,
    constructEventFromRequest,
    isKnownEvent,
    middleware,
    fastify,
    koa,
    hono,
    EventRouter,
    /** Which engine runs the core: 'napi' (the native addon) or 'wasm'. */
    backend: backend.name,
    DEFAULT_TOLERANCE: facts.tolerance.default,
    errorCodes,
  }
}

function received(res) {
  res.statusCode = 200
  res.setHeader('content-type', 'application/json')
  res.end('{"received":true}')
}

/** The JSON answer to a refused delivery, the same in every adapter. */
function refusalBody(error) {
  return { error: { code: error.code || 'payload_wrong_type', message: error.message } }
}

/** A body over the adapter's limit: 413, with the code the CLI's listener gives it. */
function tooLarge(limit) {
  return Object.assign(
    payvostError('payload_invalid_json', `The body is larger than the ${limit}-byte limit; Payvost's events are far smaller.`),
    { status: 413 },
  )
}

function reject(res, error) {
  res.statusCode = error.status || 400
  res.setHeader('content-type', 'application/json')
  if (error.close) res.setHeader('connection', 'close')
  res.end(JSON.stringify(refusalBody(error)))
}

/** The body as sent: from express.raw/text if it ran, else from the stream. */
function rawBody(req, limit) {
  if (req.body instanceof Uint8Array || typeof req.body === 'string') return Promise.resolve(req.body)
  if (req._body || req.readableEnded || req.body !== undefined) {
    return Promise.reject(
      payvostError(
        'payload_wrong_type',
        'The request body was already parsed before the Payvost middleware could read it; ' +
          'mount payvost.webhooks.middleware() before express.json(), or on a route it does not cover.',
      ),
    )
  }
  return new Promise((resolve, rejectBody) => {
    const chunks = []
    let size = 0
    const onData = (chunk) => {
      size += chunk.length
      if (size <= limit) {
        chunks.push(chunk)
        return
      }
      // Over the limit: keep reading and dropping, so that the client, still
      // sending, gets the 413 rather than a reset; past the drain limit,
      // answer at once and close the connection.
      chunks.length = 0
      if (size > limit + DRAIN_LIMIT) {
        req.removeListener('data', onData)
        req.pause()
        rejectBody(Object.assign(tooLarge(limit), { close: true }))
      }
    }
    req.on('data', onData)
    req.on('end', () => {
      if (size > limit) return rejectBody(tooLarge(limit))
      // Later body parsers (a global express.json()) skip a body already read.
      req._body = true
      const body = concat(chunks, size)
      req.rawBody = body
      resolve(body)
    })
    req.on('error', rejectBody)
  })
}

/** The chunks of a request body as one Uint8Array (a Buffer where Node has one). */
function concat(chunks, size) {
  if (typeof Buffer === 'function') return Buffer.concat(chunks, size)
  const body = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    body.set(chunk, at)
    at += chunk.length
  }
  return body
}
