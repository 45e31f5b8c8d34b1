// `payvost.webhooks`, built over a verifier backend: the napi addon here, the
// WebAssembly module in @payvost/webhooks-wasm. The backend decides; this
// file converts arguments, maps errors and builds the event with JSON.parse;
// the framework adapters over these calls are in adapters.mjs.

import * as convert from './convert.mjs'
import { createAdapters } from './adapters.mjs'
import { DeliveryStats, prometheus } from './deliveries.mjs'
import { createLambda } from './lambda.mjs'
import { fromNative, payvostError, useEcho } from './errors.mjs'
import { loadFacts } from './facts.mjs'
import { requestBody } from './body.mjs'
import { EventRouter } from './router.mjs'

/** How many verifiers the one-line calls keep, the first made going first: an app with up to 16 endpoints pays no key setup. */
const VERIFIER_CACHE_SIZE = 16

/**
 * @param backend {name, Verifier, checkEnvelope, sign, fingerprint, echo, base64Body, facts}
 */
export function createWebhooks(backend) {
  const facts = loadFacts(backend)
  useEcho(backend)
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  const errorCodes = Object.freeze(
    Object.fromEntries(facts.errors.map(({ code }) => [code.toUpperCase(), code])),
  )

  // Servers verify with one secret, or one per endpoint, over and over: keep
  // the verifiers made, each holding its secrets' precomputed HMAC state, by
  // secret, then tolerance. A secret is looked up as the string it is: the
  // engine keeps a string's hash, so the same secret (process.env's) costs
  // no hashing after the first call. The cache lives in this closure, out
  // of reach of util.inspect. Lists of secrets (rotation) are kept apart, by
  // their joined text, so that no string secret can be taken for a list.
  const bySecret = new Map()
  const byList = new Map()
  const made = [] // [map, key, tolerance] in the order made, for eviction

  /** Where the verifiers of `secret` are kept, and under which key; no map for a value no verifier takes. */
  function placeOf(secret) {
    if (typeof secret === 'string') return [bySecret, secret]
    if (Array.isArray(secret) && secret.every((s) => typeof s === 'string')) {
      return [byList, `${secret.length}\u0000${secret.join('\u0000')}`]
    }
    return [undefined, undefined]
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
    if (typeof secret === 'string') {
      const kept = bySecret.get(secret)?.get(tolerance)
      if (kept !== undefined) return kept
    }
    const [cache, key] = placeOf(secret)
    const kept = cache?.get(key)?.get(tolerance)
    if (kept !== undefined) return kept
    const verifier = newVerifier(secret, tolerance) // throws for a value no verifier takes
    if (!cache.has(key)) cache.set(key, new Map())
    cache.get(key).set(tolerance, verifier)
    made.push([cache, key, tolerance])
    if (made.length > VERIFIER_CACHE_SIZE) {
      const [oldestCache, oldestKey, oldestTolerance] = made.shift()
      const byTolerance = oldestCache.get(oldestKey)
      const oldest = byTolerance.get(oldestTolerance)
      byTolerance.delete(oldestTolerance)
      if (byTolerance.size === 0) oldestCache.delete(oldestKey)
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
    const at = convert.now(now)
    return {
      verifier,
      now: at,
      // A bigint `now` asks for the timestamp as a bigint too, exact to the last second of i64.
      exact: typeof at === 'bigint',
      payload: convert.payload(payload),
      header: convert.header(sigHeader),
    }
  }

  function constructEvent(payload, sigHeader, secret, opts) {
    return construct(prepare(payload, sigHeader, secret, opts))
  }

  /**
   * `constructEvent` for the adapters: the event, what its verification
   * proved (`{timestamp, secretIndex}`), for the delivery record, and the
   * header it came with, kept by the guard should a handler fail after the
   * answer.
   */
  function constructProven(payload, sigHeader, secret, opts) {
    const proof = {}
    const prepared = prepare(payload, sigHeader, secret, opts)
    const event = construct(prepared, proof)
    return { event, verified: proof.verified, header: prepared.header }
  }

  /** Verifies and builds the event of a prepared call; `proof`, when given, gets what the verification proved. */
  function construct(call, proof) {
    let packed
    try {
      packed = call.now === undefined
        ? call.verifier.verifyJson(call.payload, call.header)
        : call.verifier.verifyJsonAt(call.payload, call.header, call.now)
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
    if (proof !== undefined) {
      proof.verified = Number.isNaN(packed) ? verify(call) : convert.verified(packed, call.exact)
    }
    return event
  }

  function verifyHeader(payload, sigHeader, secret, opts) {
    return verify(prepare(payload, sigHeader, secret, opts))
  }

  function verify(call) {
    let packed
    try {
      packed = call.now === undefined
        ? call.verifier.verifyPacked(call.payload, call.header)
        : call.verifier.verifyPackedAt(call.payload, call.header, call.now)
      // A timestamp beyond ±2^43 s, or a secret past the 1024th: the two values apart.
      if (Number.isNaN(packed)) {
        return convert.verifiedApart(call.verifier.verify(call.payload, call.header, call.now), call.exact)
      }
    } catch (error) {
      throw fromNative(error, call)
    }
    return convert.verified(packed, call.exact)
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
    const body = await requestBody(request, convert.bodyLimit(opts), 'call constructEventFromRequest before anything reads the body ' +
      '(request.json(), request.text(), a body parser), or pass the bytes that were read to constructEvent.')
    return constructEvent(body, request.headers.get(facts.signature_header), secret, opts)
  }

  /** Refuses a bad secret or tolerance when the app starts, not on the first delivery. */
  function checkConfig(secret, tolerance) {
    verifierFor(secret, convert.options({ tolerance }).tolerance)
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
    ...createAdapters({ constructProven, checkConfig }),
    ...createLambda({ constructEvent, checkConfig, base64Body: backend.base64Body }),
    EventRouter,
    /** Counts of delivery records, shared by adapters given it as `stats` (protocol §10.2). */
    DeliveryStats,
    /** Prometheus metrics of delivery records, with the app's own prom-client: an onDelivery hook. */
    prometheus,
    /** Which engine runs the core: 'napi' (the native addon) or 'wasm'. */
    backend: backend.name,
    DEFAULT_TOLERANCE: facts.tolerance.default,
    errorCodes,
  }
}
