// Reading a request's raw body once, never keeping more than a limit: from a
// Node IncomingMessage (Express, Koa) or a WHATWG Request (Hono, Next.js,
// constructEventFromRequest). A body is refused as soon as it passes the
// limit (protocol §10); what the client still sends is read and dropped, up
// to the core's drain limit (64 MiB), so that it gets the answer rather than
// a reset, and past that the connection is closed.

import { payvostError } from './errors.mjs'
import { facts } from './facts.mjs'
import { platformFix } from './platform.mjs'

/** A body over the limit: `payload_invalid_json` with the core's message, and the 413 an adapter answers. */
export function tooLarge(limit) {
  return Object.assign(
    payvostError('payload_invalid_json', facts.messages.body_too_large.replace('{limit}', String(limit))),
    { status: 413 },
  )
}

/**
 * A body whose stream failed before its end (the client hung up, a proxy cut
 * it): refused unverified with the core's words, `payload_wrong_type`, 400,
 * never the stream's own error code, and never a signature_mismatch that
 * would blame the secret. The stream's error is its `cause`.
 */
export function unreadable(error) {
  return Object.assign(payvostError('payload_wrong_type', facts.messages.body_cut_off), { cause: error })
}

/**
 * A Node request's body as sent: from express.raw/text if it ran, else from
 * the stream; `fix` says how to mount the adapter when a body parser ran first.
 */
export function rawBody(req, limit, fix) {
  if (req.body instanceof Uint8Array || typeof req.body === 'string') return Promise.resolve(req.body)
  // Google Cloud Functions and Firebase parse the body, and keep its bytes here.
  if (req.rawBody instanceof Uint8Array) {
    return req.rawBody.length > limit ? Promise.reject(tooLarge(limit)) : Promise.resolve(req.rawBody)
  }
  if (req._body || req.readableEnded || req.body !== undefined) {
    const onPlatform = platformFix()
    return Promise.reject(
      payvostError(
        'payload_wrong_type',
        'The request body was already parsed before the Payvost middleware could read it' +
          (onPlatform === undefined ? `; ${fix}.` : `. ${onPlatform}`),
      ),
    )
  }
  return new Promise((resolve, rejectBody) => {
    // A declared length over the limit is refused before a byte is read.
    if (declaredLength(req.headers['content-length']) > limit) rejectBody(tooLarge(limit))
    const chunks = []
    let size = 0
    const onData = (chunk) => {
      size += chunk.length
      if (size <= limit) {
        chunks.push(chunk)
        return
      }
      // Past the limit: refused at once (a second refusal is a no-op), nothing kept.
      chunks.length = 0
      rejectBody(tooLarge(limit))
      if (size > limit + facts.drain_limit) {
        // The answer has had its chance: stop reading and end the connection.
        req.removeListener('data', onData)
        req.socket?.destroy()
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
    req.on('error', (error) => rejectBody(unreadable(error)))
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
  let reader
  try {
    reader = request.body.getReader()
  } catch (error) {
    // A stream locked by another reader (undici: "ReadableStream is locked").
    throw payvostError('payload_wrong_type', `The request body could not be read (${error && error.message}): ${fix}`)
  }
  if (declaredLength(request.headers.get('content-length')) > limit) {
    drain(reader, facts.drain_limit)
    throw tooLarge(limit)
  }
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.length
      if (size > limit) break
      chunks.push(value)
    }
  } catch (error) {
    throw unreadable(error)
  }
  if (size > limit) {
    drain(reader, facts.drain_limit)
    throw tooLarge(limit)
  }
  return concat(chunks, size)
}

/**
 * A request's declared `Content-Length`, or 0 when it has none. Node's
 * parser and the fetch platforms have already refused one that is not
 * digits (protocol §10), so anything else here reads as none.
 */
function declaredLength(value) {
  return typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : 0
}

/** Reads and drops up to `most` more bytes, behind the answer, then lets the stream go. */
function drain(reader, most) {
  const next = (left) => reader.read().then(({ done, value }) => {
    if (done) return undefined
    if (value.length >= left) return reader.cancel()
    return next(left - value.length)
  })
  next(most).catch(() => {})
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
