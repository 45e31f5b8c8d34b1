// Reading a request's raw body once, never keeping more than a limit: from a
// Node IncomingMessage (Express, Koa) or a WHATWG Request (Hono, Next.js,
// constructEventFromRequest). Past the limit the rest is read and dropped,
// up to DRAIN_LIMIT, so that a client still sending gets the answer rather
// than a reset (protocol §10).

import { payvostError } from './errors.mjs'
import { facts } from './facts.mjs'

/** How much of a body over the limit is read and dropped before the 413, so the client gets it whole. */
const DRAIN_LIMIT = 64 * 1024 * 1024

/** A body over the limit: `payload_invalid_json` with the core's message, and the 413 an adapter answers. */
export function tooLarge(limit) {
  return Object.assign(
    payvostError('payload_invalid_json', facts.messages.body_too_large.replace('{limit}', String(limit))),
    { status: 413 },
  )
}

/**
 * A Node request's body as sent: from express.raw/text if it ran, else from
 * the stream; `fix` says how to mount the adapter when a body parser ran first.
 */
export function rawBody(req, limit, fix) {
  if (req.body instanceof Uint8Array || typeof req.body === 'string') return Promise.resolve(req.body)
  if (req._body || req.readableEnded || req.body !== undefined) {
    return Promise.reject(
      payvostError(
        'payload_wrong_type',
        `The request body was already parsed before the Payvost middleware could read it; ${fix}.`,
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
      // Over the limit: drop what was kept; past the drain limit, answer at
      // once and close the connection.
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

/**
 * A WHATWG Request's body, read as a stream up to `limit` bytes; `fix` says
 * what to do when something else read it first.
 */
export async function requestBody(request, limit, fix) {
  if (request.bodyUsed) {
    throw payvostError(
      'payload_wrong_type',
      `The request body was already read (request.bodyUsed is true), so its raw bytes are gone: ${fix}`,
    )
  }
  if (request.body === null) return new Uint8Array(0)
  const chunks = []
  let size = 0
  try {
    const reader = request.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.length
      if (size <= limit) chunks.push(value)
      else if (size > limit + DRAIN_LIMIT) {
        await reader.cancel()
        break
      }
    }
  } catch (error) {
    // A stream locked by another reader (undici: "ReadableStream is locked"), or one that failed.
    throw payvostError('payload_wrong_type', `The request body could not be read (${error && error.message}): ${fix}`)
  }
  if (size > limit) throw tooLarge(limit)
  return concat(chunks, size)
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
