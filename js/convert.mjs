// JavaScript's loose argument types, turned into the strict ones the
// verifier takes. Type mistakes become SDK errors with our codes here; every
// rule about values (secrets, tolerance, `now`, the header, the body) is the
// core's.

import { payvostError } from './errors.mjs'
import { facts } from './facts.mjs'
import { platformFix } from './platform.mjs'

export function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
  return `a ${typeof value}`
}

/** A number or short string as JavaScript writes it (`'1mb'`, `1.5`, `NaN`), anything else described. */
export function literal(value) {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string' && value.length <= 40) return `'${value}'`
  return describe(value)
}

// String.prototype.toWellFormed arrived in Node 20; in a `u` regex a valid
// pair is one code point, so \p{Surrogate} matches only lone halves.
const toWellFormed = typeof String.prototype.toWellFormed === 'function'
  ? (text) => (text.isWellFormed() ? text : text.toWellFormed())
  : (text) => text.replace(/\p{Surrogate}/gu, '\uFFFD')

/** Bytes or text of the raw body. */
export function payload(value) {
  if (typeof value === 'string') {
    // A lone surrogate cannot come from decoding the bytes that were signed;
    // make the text exactly what its UTF-8 encoding (what is verified) holds.
    return toWellFormed(value)
  }
  if (value instanceof Uint8Array) return readable(value, value.buffer)
  if (value instanceof ArrayBuffer) return new Uint8Array(readable(value, value))
  if (Object.prototype.toString.call(value) === '[object Uint8Array]') return readable(value, value.buffer) // another realm's
  throw payvostError(
    'payload_wrong_type',
    `The payload must be the raw request body (a Buffer, Uint8Array, ArrayBuffer or string), not ${describe(value)}. ` +
      (platformFix() ?? "With Express, use express.raw({type: 'application/json'}) on the webhook route and pass req.body; " +
        'with fetch-style frameworks, pass await request.text() or use constructEventFromRequest.'),
  )
}

/** The raw body as text: a verified event's body is UTF-8 (kept by a failed record). */
export function text(value) {
  const bytes = payload(value)
  return typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes)
}

/**
 * `value`, unless its memory was detached (transferred to a worker, or an
 * ArrayBuffer's `transfer()`): its bytes are gone, and every view of it
 * throws a TypeError that would escape as not ours.
 */
function readable(value, buffer) {
  if (!isDetached(buffer)) return value
  throw payvostError(
    'payload_wrong_type',
    "The payload's ArrayBuffer is detached (transferred to a worker or by transfer()), so its bytes can no " +
      'longer be read: verify the body before transferring it, or pass a copy.',
  )
}

function isDetached(buffer) {
  if (typeof buffer.detached === 'boolean') return buffer.detached // Node 20+
  try {
    new Uint8Array(buffer, 0, 0) // throws only over a detached buffer
    return false
  } catch {
    return true
  }
}

/** The header value: req.headers may hold a string or an array of them. */
export function header(value) {
  if (typeof value === 'string') return value
  if (value === undefined || value === null) return ''
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    if (value.length === 0) return ''
    if (value.length === 1) return value[0]
    throw payvostError(
      'header_malformed',
      `The request carried ${value.length} Payvost-Signature headers; Payvost sends exactly one.`,
      { header: value.join(', ') },
    )
  }
  throw payvostError('header_malformed', `The Payvost-Signature header must be a string, not ${describe(value)}.`)
}

/** One secret or several (rotation), as a list. */
export function secrets(value) {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value
  if (value === undefined || value === null || value === false) {
    // process.env.PAYVOST_WEBHOOK_SECRET is undefined when the variable is unset.
    throw payvostError('secret_invalid', facts.messages.secret_absent.replace('{what}', String(value)))
  }
  throw payvostError(
    'secret_invalid',
    `The webhook signing secret must be a string (whsec_...) or an array of them, not ${describe(value)}.`,
  )
}

/** The fourth argument: a tolerance in seconds, or {tolerance, now}. */
export function options(value) {
  if (value === undefined || value === null) return { tolerance: facts.tolerance.default, now: undefined }
  if (typeof value === 'number') return { tolerance: value, now: undefined }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw payvostError(
      'tolerance_invalid',
      `The fourth argument must be a tolerance in seconds or {tolerance, now}, not ${describe(value)}.`,
    )
  }
  const { tolerance = facts.tolerance.default, now } = value
  if (typeof tolerance !== 'number') {
    throw payvostError('tolerance_invalid', `The tolerance must be a number of seconds, not ${describe(tolerance)}.`)
  }
  return { tolerance, now }
}

/** The `limit` in the options of a call that reads a body: whole bytes; absent or null, the core's 5 MiB. */
export function bodyLimit(value) {
  return checkedLimit(value !== null && typeof value === 'object' ? value.limit : undefined)
}

/**
 * A body limit: a positive whole number of bytes, the core's 5 MiB when
 * absent; anything else (`'1mb'`, `0`, `1.5`) is `option_invalid`, raised
 * when the adapter is built.
 */
export function checkedLimit(limit) {
  if (limit === undefined) return facts.body_limit
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw payvostError('option_invalid', facts.messages.limit_invalid.replace('{value}', literal(limit)))
  }
  return limit
}

/**
 * A verification the backend returned as one number (the core's
 * `Verified::packed`: `timestamp × packed_secrets + secretIndex`), as the
 * object the SDK returns: its timestamp a bigint when `now` was one.
 */
export function verified(packed, bigint) {
  const base = facts.packed_secrets
  const secretIndex = ((packed % base) + base) % base
  const timestamp = (packed - secretIndex) / base
  return { timestamp: bigint ? BigInt(timestamp) : timestamp, secretIndex }
}

/**
 * A verification the backend returned as two values, the timestamp as its
 * exact decimal text (beyond 2^53 a number cannot hold it): a bigint when
 * `now` was one, as a number otherwise.
 */
export function verifiedApart(answer, bigint) {
  return { timestamp: bigint ? BigInt(answer.timestamp) : Number(answer.timestamp), secretIndex: answer.secretIndex }
}

/** Unix seconds: a number, a bigint, a Date, or undefined for the core's clock. */
export function now(value) {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'number' || typeof value === 'bigint') return value
  if (value instanceof Date) return value.getTime() / 1000
  throw payvostError(
    'tolerance_invalid',
    `\`now\` must be unix seconds (a number or bigint) or a Date, not ${describe(value)}.`,
  )
}

/** The kind of a value JSON.parse built, by the core's names for kinds. */
function kind(value) {
  switch (typeof value) {
    case 'boolean': return 'bool'
    case 'number': return 'number'
    case 'string': return value.length === 0 ? 'empty_string' : 'string'
    case 'object': return value === null ? 'null' : Array.isArray(value) ? 'array' : 'object'
    default: return 'missing'
  }
}

/** Own members only: a polluted Object.prototype must not supply an `id`. */
function own(object, name) {
  return Object.prototype.hasOwnProperty.call(object, name) ? object[name] : undefined
}

// Reused by every call: the envelope as the core's kind codes, and where
// each goes in it, as the facts say (`facts.envelope`: Envelope::from_codes's
// order). Made from the facts on first use.
let envelope
let at

/**
 * Judges what JSON.parse built by the core's event rules (protocol §5.2),
 * told as the core's kind codes of the members they name, then `created`'s
 * value. The rules come with the core's facts as data (`facts.envelope`),
 * so an event they accept costs no call into the core; one they refuse goes
 * to the core's checkEnvelope, which throws the error saying why.
 */
export function checkEnvelope(backend, event) {
  if (envelope === undefined) {
    const rules = facts.envelope
    const member = Object.fromEntries(rules.members.map(({ at, name }) => [name, at]))
    envelope = new Float64Array(rules.size)
    at = { top: rules.top_level_at, id: member.id, type: member.type, data: member.data, object: member['data.object'],
      created: rules.created.at, value: rules.created.value_at }
  }
  const code = facts.kindCode
  const top = kind(event)
  const object = top === 'object' ? event : {}
  const data = own(object, 'data')
  const dataKind = kind(data)
  const created = own(object, 'created')
  envelope[at.top] = code[top]
  envelope[at.id] = code[kind(own(object, 'id'))]
  envelope[at.type] = code[kind(own(object, 'type'))]
  envelope[at.data] = code[dataKind]
  envelope[at.object] = code[dataKind === 'object' ? kind(own(data, 'object')) : 'missing']
  envelope[at.created] = code[kind(created)]
  envelope[at.value] = typeof created === 'number' ? created : 0
  if (!envelopeAccepted(envelope)) backend.checkEnvelope(envelope)
}

/**
 * Whether the core's event rules, as its facts state them, accept an
 * envelope of kind codes: each member of the kind its rule names, and
 * `created` absent or a whole number within its bound. A test holds this to
 * the core's checkEnvelope over every combination of kinds.
 */
export function envelopeAccepted(codes) {
  const rules = facts.envelope
  if (codes[rules.top_level_at] !== rules.top_level) return false
  for (const { at, kind } of rules.members) {
    if (codes[at] !== kind) return false
  }
  const created = rules.created
  const kind = codes[created.at]
  if (created.absent.includes(kind)) return true
  const value = codes[created.value_at]
  return kind === created.number && Number.isInteger(value) && Math.abs(value) <= created.whole_up_to
}
