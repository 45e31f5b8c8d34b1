'use strict'
// Framework helpers: the Express middleware over real HTTP on 127.0.0.1, and
// constructEventFromRequest with WHATWG Requests.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const payvost = require('./sdk')
const { post } = require('./http')

const express = require(require.resolve('express', { paths: [path.join(__dirname, '..')] }))

const SECRET = 'whsec_middleware_secret'
const body = JSON.stringify({ id: 'evt_mw_1', type: 'refund.created', data: { object: { id: 'ref_1', payment: 'pay_1', amount: 500 } } })
const sign = (payload, secret = SECRET) => payvost.webhooks.generateTestHeaderString({ payload, secret })

async function serve(t, app) {
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  t.after(() => new Promise((done) => server.close(done)))
  return `http://127.0.0.1:${server.address().port}`
}

test('middleware verifies even with express.json() mounted globally after it', async (t) => {
  const app = express()
  app.use('/webhooks/payvost', payvost.webhooks.middleware({ secret: SECRET }))
  app.use(express.json())
  app.post('/webhooks/payvost', (req, res) => res.json({ id: req.payvostEvent.id, raw: req.rawBody.length }))
  app.post('/other', (req, res) => res.json(req.body))
  const base = await serve(t, app)

  const ok = await post(`${base}/webhooks/payvost`, body, { 'payvost-signature': sign(body) })
  assert.equal(ok.status, 200, ok.text)
  assert.deepEqual(JSON.parse(ok.text), { id: 'evt_mw_1', raw: Buffer.byteLength(body) })

  const forged = await post(`${base}/webhooks/payvost`, body, { 'payvost-signature': sign(body, 'whsec_other') })
  assert.equal(forged.status, 400)
  assert.equal(JSON.parse(forged.text).error.code, 'signature_mismatch')

  const missing = await post(`${base}/webhooks/payvost`, body)
  assert.equal(JSON.parse(missing.text).error.code, 'header_missing')

  // Other routes still get express.json()'s parsed body.
  const other = await post(`${base}/other`, '{"a":1}')
  assert.deepEqual(JSON.parse(other.text), { a: 1 })
})

test('middleware after express.json() explains the order', async (t) => {
  const app = express()
  app.use(express.json())
  app.post('/webhooks/payvost', payvost.webhooks.middleware({ secret: SECRET }), (req, res) => res.json({}))
  const base = await serve(t, app)
  const answer = await post(`${base}/webhooks/payvost`, body, { 'payvost-signature': sign(body) })
  assert.equal(answer.status, 400)
  const { error } = JSON.parse(answer.text)
  assert.equal(error.code, 'payload_wrong_type')
  assert.match(error.message, /before express\.json\(\)/)
})

test('middleware behind express.raw() uses the raw body it read', async (t) => {
  const app = express()
  app.post('/webhooks/payvost', express.raw({ type: '*/*' }), payvost.webhooks.middleware({ secret: [SECRET] }), (req, res) =>
    res.json({ type: req.payvostEvent.type }),
  )
  const base = await serve(t, app)
  const ok = await post(`${base}/webhooks/payvost`, body, { 'payvost-signature': sign(body) })
  assert.deepEqual(JSON.parse(ok.text), { type: 'refund.created' })
})

test('middleware refuses a bad configuration at start-up', () => {
  assert.throws(() => payvost.webhooks.middleware({ secret: 'sk_live_x' }), (e) => e.code === 'secret_invalid')
  assert.throws(() => payvost.webhooks.middleware({ secret: SECRET, tolerance: 0 }), (e) => e.code === 'tolerance_invalid')
  assert.throws(() => payvost.webhooks.middleware(), (e) => e instanceof payvost.PayvostConfigurationError)
})

test('constructEventFromRequest reads a WHATWG Request once', async () => {
  const request = new Request('https://example.com/webhooks/payvost', {
    method: 'POST',
    body,
    headers: { 'Payvost-Signature': sign(body) },
  })
  const event = await payvost.webhooks.constructEventFromRequest(request, SECRET)
  assert.equal(event.id, 'evt_mw_1')
  assert.equal(request.bodyUsed, true)

  const forged = new Request('https://example.com/', { method: 'POST', body, headers: { 'payvost-signature': sign(body, 'whsec_x') } })
  await assert.rejects(payvost.webhooks.constructEventFromRequest(forged, SECRET), (e) => e.code === 'signature_mismatch')
  const bare = new Request('https://example.com/', { method: 'POST', body })
  await assert.rejects(payvost.webhooks.constructEventFromRequest(bare, SECRET, { tolerance: 60 }), (e) => e.code === 'header_missing')
  await assert.rejects(payvost.webhooks.constructEventFromRequest({ body }, SECRET), (e) => e.code === 'payload_wrong_type')
})

test('constructEventFromRequest on a body already read or locked: the SDK error, never TypeError', async () => {
  const headers = { 'payvost-signature': sign(body) }
  const used = new Request('https://example.com/', { method: 'POST', body, headers })
  await used.text()
  await assert.rejects(payvost.webhooks.constructEventFromRequest(used, SECRET), (e) => {
    assert.ok(e instanceof payvost.PayvostInvalidPayloadError, `${e.name}: ${e.message}`)
    assert.equal(e.code, 'payload_wrong_type')
    assert.match(e.message, /^The request body was already read \(request\.bodyUsed is true\), so its raw bytes are gone: call constructEventFromRequest before anything reads the body/)
    return true
  })
  const locked = new Request('https://example.com/', { method: 'POST', body, headers })
  locked.body.getReader()
  await assert.rejects(payvost.webhooks.constructEventFromRequest(locked, SECRET), (e) => {
    assert.ok(e instanceof payvost.PayvostInvalidPayloadError, `${e.name}: ${e.message}`)
    assert.equal(e.code, 'payload_wrong_type')
    assert.match(e.message, /^The request body could not be read \(.+\): call constructEventFromRequest before anything reads the body/)
    return true
  })
})

test('constructEventFromRequest reads at most its limit: the core\'s 5 MiB, or the one given', async () => {
  const request = (payload) => new Request('https://example.com/', { method: 'POST', body: payload, headers: { 'payvost-signature': sign(payload) } })
  const exact = await payvost.webhooks.constructEventFromRequest(request(body), SECRET, { limit: Buffer.byteLength(body) })
  assert.equal(exact.id, 'evt_mw_1')
  assert.equal((await payvost.webhooks.constructEventFromRequest(request(body), SECRET, 600)).id, 'evt_mw_1')
  await assert.rejects(payvost.webhooks.constructEventFromRequest(request(body), SECRET, { limit: Buffer.byteLength(body) - 1 }), (e) => {
    assert.ok(e instanceof payvost.PayvostInvalidPayloadError, `${e.name}: ${e.message}`)
    assert.equal(e.code, 'payload_invalid_json')
    assert.equal(e.message, `The body is larger than the ${Buffer.byteLength(body) - 1}-byte limit; Payvost's events are far smaller.`)
    assert.equal(e.status, 413)
    return true
  })
  const huge = body.slice(0, -1) + ' '.repeat(5 * 1024 * 1024) + '}'
  await assert.rejects(payvost.webhooks.constructEventFromRequest(request(huge), SECRET), (e) => {
    assert.equal(e.code, 'payload_invalid_json')
    assert.equal(e.message, "The body is larger than the 5242880-byte limit; Payvost's events are far smaller.")
    return true
  })
  for (const [limit, written] of [[-1, '-1'], [0, '0'], [1.5, '1.5'], ['1024', "'1024'"], [Number.NaN, 'NaN']]) {
    await assert.rejects(payvost.webhooks.constructEventFromRequest(request(body), SECRET, { limit }), (e) => {
      assert.ok(e instanceof payvost.PayvostConfigurationError, `${e.name}: ${e.message}`)
      assert.equal(e.code, 'option_invalid')
      assert.equal(e.message, `The body limit must be a positive whole number of bytes (for example 1048576 for 1 MiB), not ${written}.`)
      return true
    })
  }
})

test('middleware reads a body of exactly its limit, declared or chunked, and refuses one byte more', async (t) => {
  const size = Buffer.byteLength(body)
  const app = express()
  app.use('/exact', payvost.webhooks.middleware({ secret: SECRET, limit: size }))
  app.use('/under', payvost.webhooks.middleware({ secret: SECRET, limit: size - 1 }))
  // Google Cloud Functions and Firebase hand the body parsed, its bytes in req.rawBody.
  const parsedFirst = (req, res, next) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c)).on('end', () => {
      req.rawBody = Buffer.concat(chunks)
      req.body = JSON.parse(req.rawBody)
      next()
    })
  }
  app.use('/gcf-exact', parsedFirst, payvost.webhooks.middleware({ secret: SECRET, limit: size }))
  app.use('/gcf-under', parsedFirst, payvost.webhooks.middleware({ secret: SECRET, limit: size - 1 }))
  app.post(/.*/, (req, res) => res.json({ id: req.payvostEvent.id }))
  const base = await serve(t, app)
  const headers = { 'payvost-signature': sign(body) }
  for (const route of ['exact', 'gcf-exact']) {
    const ok = await post(`${base}/${route}`, body, headers)
    assert.deepEqual([route, ok.status, ok.text], [route, 200, '{"id":"evt_mw_1"}'])
  }
  // Chunked, with no Content-Length: the same bound on what arrives.
  const chunked = await fetch(`${base}/exact`, { method: 'POST', headers, duplex: 'half',
    body: new ReadableStream({ start(c) { c.enqueue(Buffer.from(body.slice(0, 10))); c.enqueue(Buffer.from(body.slice(10))); c.close() } }) })
  assert.deepEqual([chunked.status, await chunked.text()], [200, '{"id":"evt_mw_1"}'])
  for (const route of ['under', 'gcf-under']) {
    const refused = await post(`${base}/${route}`, body, headers)
    assert.deepEqual([route, refused.status, JSON.parse(refused.text).error.code], [route, 413, 'payload_invalid_json'])
  }
})

test('constructEventFromRequest: a declared Content-Length at the limit is read, past it refused unread; one not all digits reads as none', async () => {
  const size = Buffer.byteLength(body)
  // Undici's Request drops a Content-Length it is given: a Request-like object carries one, as other runtimes' do.
  const declaring = (length) => {
    const request = new Request('https://example.com/', { method: 'POST', body, headers: { 'payvost-signature': sign(body) } })
    const headers = new Headers(request.headers)
    headers.set('content-length', length)
    return { method: 'POST', url: request.url, headers, bodyUsed: false, body: request.body, arrayBuffer: () => request.arrayBuffer() }
  }
  assert.equal((await payvost.webhooks.constructEventFromRequest(declaring(String(size)), SECRET, { limit: size })).id, 'evt_mw_1')
  const over = declaring(String(size + 1))
  await assert.rejects(payvost.webhooks.constructEventFromRequest(over, SECRET, { limit: size }), { code: 'payload_invalid_json', status: 413 })
  // Each reads as a number to Number(), not as ASCII digits to the core.
  for (const odd of [`+${size + 1}`, `${size + 1}.0`, `${(size + 1) / 100}e2`]) {
    assert.equal((await payvost.webhooks.constructEventFromRequest(declaring(odd), SECRET, { limit: size })).id, 'evt_mw_1', odd)
  }
  // A stream whose reader cannot be had says why, whatever the runtime threw.
  const unreadable = { ...declaring(String(size)), body: { getReader() { throw null } } }
  await assert.rejects(payvost.webhooks.constructEventFromRequest(unreadable, SECRET), (e) => {
    assert.equal(e.code, 'payload_wrong_type')
    assert.match(e.message, /^The request body could not be read \(null\): /)
    return true
  })
})

/** A request whose body is an endless stream of 1 MiB chunks, counting what was pulled and whether it was cancelled. */
function endless(headers = {}) {
  const seen = { pulled: 0, cancelled: false }
  const chunk = new Uint8Array(1024 * 1024).fill(0x20)
  const stream = new ReadableStream({
    pull(controller) { seen.pulled += chunk.length; controller.enqueue(chunk) },
    cancel() { seen.cancelled = true },
  }, { highWaterMark: 0 })
  const request = new Request('https://example.com/', { method: 'POST', body: stream, duplex: 'half', headers: { 'payvost-signature': sign(body), ...headers } })
  return { request, seen }
}

test('past the limit the rest is read and dropped up to 64 MiB behind the 413, then the stream is cancelled', async () => {
  const { until } = require('./http')
  for (const headers of [{}, { 'content-length': String(1024 * 1024 * 1024) }]) {
    const { request, seen } = endless(headers)
    await assert.rejects(payvost.webhooks.constructEventFromRequest(request, SECRET, { limit: 10 }), (e) => e.code === 'payload_invalid_json' && e.status === 413)
    await until(() => seen.cancelled, 'the stream cancelled after the drain')
    const mib = seen.pulled / (1024 * 1024)
    assert.ok(mib >= 64 && mib <= 67, `${mib} MiB pulled (${JSON.stringify(headers)})`)
  }
})

test('a body whose stream fails mid-way is refused as cut off, never verified', async () => {
  let sent = false
  const stream = new ReadableStream({
    pull(controller) {
      if (sent) return controller.error(new Error('the client went away'))
      sent = true
      controller.enqueue(new TextEncoder().encode(body.slice(0, 10)))
    },
  })
  const request = new Request('https://example.com/', { method: 'POST', body: stream, duplex: 'half', headers: { 'payvost-signature': sign(body) } })
  await assert.rejects(payvost.webhooks.constructEventFromRequest(request, SECRET), (e) => {
    assert.ok(e instanceof payvost.PayvostInvalidPayloadError, `${e.name}: ${e.message}`)
    assert.deepEqual([e.code, e.message, e.cause?.message], ['payload_wrong_type',
      'The request body ended before it was whole: the client closed the connection or a proxy cut it, and Payvost delivers it again.',
      'the client went away'])
    return true
  })
})

test('a body over the limit gets its 413 JSON, not a reset, and the server goes on', async (t) => {
  const app = express()
  app.post('/webhooks/payvost', payvost.webhooks.middleware({ secret: SECRET, limit: 1024 }), (req, res) => res.json({ id: req.payvostEvent.id }))
  const base = await serve(t, app)
  const big = JSON.stringify({ id: 'evt_big', type: 'payment.succeeded', data: { object: { pad: 'x'.repeat(256 * 1024) } } })
  const refused = await post(`${base}/webhooks/payvost`, big, { 'payvost-signature': sign(big) })
  assert.equal(refused.status, 413)
  assert.deepEqual(JSON.parse(refused.text), {
    error: { code: 'payload_invalid_json', message: "The body is larger than the 1024-byte limit; Payvost's events are far smaller." },
  })
  const ok = await post(`${base}/webhooks/payvost`, body, { 'payvost-signature': sign(body) })
  assert.equal(ok.status, 200, ok.text)
  assert.deepEqual(JSON.parse(ok.text), { id: 'evt_mw_1' })
})

test('koa middleware mounted app-wide acts on POSTs to its path only: GET /health and other routes are untouched', async (t) => {
  const Koa = require(require.resolve('koa', { paths: [path.join(__dirname, '..')] }))
  const handled = []
  const app = new Koa()
  const router = new payvost.EventRouter().onAny((event) => { handled.push(event.id) })
  app.use(payvost.webhooks.koa({ secret: SECRET, router }))
  app.use(async (ctx) => { ctx.body = { app: `${ctx.method} ${ctx.path}` } })
  const base = await serve(t, app)

  const health = await fetch(`${base}/health`)
  assert.deepEqual([health.status, await health.json()], [200, { app: 'GET /health' }])
  const other = await post(`${base}/health`, 'not signed')
  assert.deepEqual([other.status, JSON.parse(other.text)], [200, { app: 'POST /health' }])
  const get = await fetch(`${base}/webhooks/payvost`)
  assert.deepEqual([get.status, await get.json()], [200, { app: 'GET /webhooks/payvost' }])
  const ok = await post(`${base}/webhooks/payvost`, body, { 'payvost-signature': sign(body) })
  assert.deepEqual([ok.status, ok.text], [200, '{"received":true}'])
  const forged = await post(`${base}/webhooks/payvost`, body, { 'payvost-signature': sign(body, 'whsec_other') })
  assert.deepEqual([forged.status, JSON.parse(forged.text).error.code], [400, 'signature_mismatch'])
  assert.deepEqual(handled, ['evt_mw_1'])
})

const major = Number(process.versions.node.split('.')[0])

test('koa middleware on a route of @koa/router acts on what the route matched, at any path', { skip: major < 20 && '@koa/router 15 needs Node 20' }, async (t) => {
  const Koa = require(require.resolve('koa', { paths: [path.join(__dirname, '..')] }))
  const { Router } = require(require.resolve('@koa/router', { paths: [path.join(__dirname, '..')] }))
  const app = new Koa()
  const routes = new Router()
  routes.get('/health', (ctx) => { ctx.body = 'ok' })
  routes.post('/hooks/payvost', payvost.webhooks.koa({ secret: SECRET }), (ctx) => {
    ctx.body = { id: ctx.state.payvostEvent.id }
  })
  app.use(routes.routes()).use(routes.allowedMethods())
  const base = await serve(t, app)

  const ok = await post(`${base}/hooks/payvost`, body, { 'payvost-signature': sign(body) })
  assert.deepEqual([ok.status, JSON.parse(ok.text)], [200, { id: 'evt_mw_1' }])
  const missing = await post(`${base}/hooks/payvost`, body)
  assert.deepEqual([missing.status, JSON.parse(missing.text).error.code], [400, 'header_missing'])
  const health = await fetch(`${base}/health`)
  assert.deepEqual([health.status, await health.text()], [200, 'ok'])
  const wrongMethod = await fetch(`${base}/hooks/payvost`)
  assert.equal(wrongMethod.status, 405)
})

test('the koa and fastify adapters refuse a path that is not one', async () => {
  for (const [path, shown] of [['webhooks', "'webhooks'"], ['', "''"], [42, '42'], [null, 'null']]) {
    const message = (name) => `${name}: path takes a path that starts with "/", not ${shown}.`
    assert.throws(() => payvost.webhooks.koa({ secret: SECRET, path }), { code: 'option_invalid', message: message('webhooks.koa') })
    await assert.rejects(payvost.webhooks.fastify({}, { secret: SECRET, path, handler: () => {} }),
      { code: 'option_invalid', message: message('webhooks.fastify') })
  }
})

test('the ./fastify and ./hono entries are the adapters themselves, and Fastify\'s request carries the verified event', async (t) => {
  const manifest = require(path.join(payvost.__target, 'package.json'))
  const entry = (name) => require(path.join(payvost.__target, manifest.exports[name].default))
  assert.equal(entry('./hono').payvostWebhook, payvost.webhooks.hono)
  if (manifest.exports['./fastify'] === undefined) {
    assert.equal(manifest.name, '@payvost/webhooks-wasm', 'only the WASM package, made for edge runtimes, has no Fastify entry')
    return
  }
  const { payvostWebhooks } = entry('./fastify')
  assert.equal(payvostWebhooks, payvost.webhooks.fastify)
  if (major < 20) return // Fastify 5 needs Node 20: the entry is checked, not served
  const Fastify = require(require.resolve('fastify', { paths: [path.join(__dirname, '..')] }))
  const app = Fastify()
  await app.register(payvostWebhooks, {
    secret: SECRET,
    handler: async (event, request) => ({ id: event.id, same: request.payvostEvent === event }),
  })
  app.get('/health', async (request) => ({ payvostEvent: request.payvostEvent }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  const base = `http://127.0.0.1:${app.server.address().port}`
  const ok = await post(`${base}/webhooks/payvost`, body, { 'payvost-signature': sign(body) })
  assert.deepEqual([ok.status, JSON.parse(ok.text)], [200, { id: 'evt_mw_1', same: true }])
  // The plugin is encapsulated: the app's own routes see no decorator of it.
  const health = await fetch(`${base}/health`)
  assert.deepEqual([health.status, await health.json()], [200, {}])
})
