'use strict'
// The Express, Fastify, Koa and Hono adapters over real HTTP on 127.0.0.1,
// with the real frameworks: valid, forged, stale, unsigned, oversized (by its
// length, or chunked and cut off past the limit), the header sent twice, a
// handler's error and an onError that throws, a bad limit, and the rest of
// the app's JSON parsing left alone.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const payvost = require('./sdk')
const { post, until } = require('./http')

const dev = (name) => require(require.resolve(name, { paths: [path.join(__dirname, '..')] }))
const SECRET = 'whsec_adapter_secret'
const LIMIT = 4096
const major = Number(process.versions.node.split('.')[0])
const { webhooks, EventRouter } = payvost

const event = (type, id) => JSON.stringify({ id, type, data: { object: { id: 'obj_1' } } })
const sign = (body, secret = SECRET, timestamp) => webhooks.generateTestHeaderString({ payload: body, secret, timestamp })

/**
 * Handlers that wait for `gate` (released by the test once it has the
 * answer), then fail: with acknowledgeFirst the answer comes first and the
 * error reaches onError, recorded in `handled`.
 */
function acknowledging(handled, gate) {
  return {
    router: new EventRouter().on('dispute.opened', async (e) => {
      await gate
      throw new Error(`slow and failing ${e.id}`)
    }),
    acknowledgeFirst: true,
    onError: (error, e) => {
      // The test that puts this last wants to see onError fail too.
      if (handled.at(-1) === 'throw in onError') throw new Error('the reporter is down')
      handled.push(`onError ${e.id}: ${error.message}`)
    },
  }
}

// Set by a test while copies sent at once are out: the payment handler holds
// its claim until the test has their answers, however slow the machine.
let holdPayments = Promise.resolve()

/** Records payments once `holdPayments` settles; fails a refund the first time it sees it, as a database down for a moment would. */
function guardedRouter(handled) {
  const failedOnce = new Set()
  return new EventRouter()
    .on('payment.succeeded', async (e) => { await holdPayments; handled.push(`guarded ${e.id}`) })
    .on('refund.created', (e) => {
      if (!failedOnce.has(e.id)) {
        failedOnce.add(e.id)
        throw new Error('the database is down for a moment')
      }
      handled.push(`guarded ${e.id}`)
    })
}

function routerRecording(handled) {
  return new EventRouter()
    .on('refund.created', (e) => { handled.push(`routed ${e.id}`) })
    .on('payment.failed', () => { throw new Error('cannot record the failure') })
}

const ADAPTERS = {
  async express(t, handled, gate, guard) {
    const express = dev('express')
    const app = express()
    if (guard) {
      app.post('/guarded', webhooks.middleware({ secret: SECRET, router: guardedRouter(handled), idempotency: guard }))
      app.post('/guarded-ack', webhooks.middleware({ secret: SECRET, ...acknowledging(handled, gate), idempotency: guard }))
    }
    app.post('/webhooks/payvost', webhooks.middleware({ secret: SECRET, limit: LIMIT }), (req, res) => {
      handled.push(req.payvostEvent.id)
      res.json({ received: req.payvostEvent.id })
    })
    app.post('/routed', webhooks.middleware({ secret: SECRET, limit: LIMIT, router: routerRecording(handled) }))
    app.post('/acknowledged', webhooks.middleware({ secret: SECRET, ...acknowledging(handled, gate) }))
    app.post('/other', express.json(), (req, res) => res.json(req.body))
    const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    t.after(() => new Promise((done) => server.close(done)))
    return `http://127.0.0.1:${server.address().port}`
  },
  async fastify(t, handled, gate, guard) {
    const app = dev('fastify')()
    if (guard) {
      await app.register(webhooks.fastify, { secret: SECRET, path: '/guarded', router: guardedRouter(handled), idempotency: guard })
      await app.register(webhooks.fastify, { secret: SECRET, path: '/guarded-ack', ...acknowledging(handled, gate), idempotency: guard })
    }
    await app.register(webhooks.fastify, {
      secret: SECRET, limit: LIMIT, path: '/webhooks/payvost',
      handler: async (e) => { handled.push(e.id); return { received: e.id } },
    })
    await app.register(webhooks.fastify, { secret: SECRET, limit: LIMIT, path: '/routed', router: routerRecording(handled) })
    await app.register(webhooks.fastify, { secret: SECRET, path: '/acknowledged', ...acknowledging(handled, gate) })
    app.post('/other', async (request) => request.body)
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.after(() => app.close())
    return `http://127.0.0.1:${app.server.address().port}`
  },
  async koa(t, handled, gate, guard) {
    const Koa = dev('koa')
    const app = new Koa()
    if (guard) {
      const guarded = webhooks.koa({ secret: SECRET, path: '/guarded', router: guardedRouter(handled), idempotency: guard })
      const guardedAck = webhooks.koa({ secret: SECRET, path: '/guarded-ack', ...acknowledging(handled, gate), idempotency: guard })
      app.use((ctx, next) => (ctx.path === '/guarded' ? guarded(ctx, next) : ctx.path === '/guarded-ack' ? guardedAck(ctx, next) : next()))
    }
    const verified = webhooks.koa({ secret: SECRET, limit: LIMIT })
    const routed = webhooks.koa({ secret: SECRET, limit: LIMIT, path: '/routed', router: routerRecording(handled) })
    const acknowledged = webhooks.koa({ secret: SECRET, path: '/acknowledged', ...acknowledging(handled, gate) })
    const readFirst = webhooks.koa({ secret: SECRET, path: '/read-first' })
    app.use(async (ctx, next) => {
      if (ctx.path === '/webhooks/payvost') {
        return verified(ctx, async () => {
          handled.push(ctx.state.payvostEvent.id)
          ctx.body = { received: ctx.state.payvostEvent.id }
        })
      }
      if (ctx.path === '/routed') return routed(ctx, next)
      if (ctx.path === '/acknowledged') return acknowledged(ctx, next)
      if (ctx.path === '/read-first') {
        // As koa-bodyparser mounted before it would.
        for await (const chunk of ctx.req) void chunk
        return readFirst(ctx, next)
      }
      let text = ''
      for await (const chunk of ctx.req) text += chunk
      ctx.body = JSON.parse(text)
    })
    const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    t.after(() => new Promise((done) => server.close(done)))
    return `http://127.0.0.1:${server.address().port}`
  },
  async hono(t, handled, gate, guard) {
    const { Hono } = dev('hono')
    const { serve } = dev('@hono/node-server')
    const app = new Hono()
    if (guard) {
      app.post('/guarded', webhooks.hono({ secret: SECRET, router: guardedRouter(handled), idempotency: guard }))
      app.post('/guarded-ack', webhooks.hono({ secret: SECRET, ...acknowledging(handled, gate), idempotency: guard }))
    }
    app.post('/webhooks/payvost', webhooks.hono({ secret: SECRET, limit: LIMIT }), (c) => {
      handled.push(c.get('payvostEvent').id)
      return c.json({ received: c.get('payvostEvent').id })
    })
    app.post('/routed', webhooks.hono({ secret: SECRET, limit: LIMIT, router: routerRecording(handled) }))
    app.post('/acknowledged', webhooks.hono({ secret: SECRET, ...acknowledging(handled, gate) }))
    app.post('/read-first', async (c, next) => { await c.req.raw.text(); return next() }, webhooks.hono({ secret: SECRET }))
    app.post('/other', async (c) => c.json(await c.req.json()))
    const server = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
    })
    t.after(() => new Promise((done) => server.close(done)))
    return `http://127.0.0.1:${server.address().port}`
  },
}

// Fastify's plugin registers its own route, so no other code can read the body first.
for (const name of ['koa', 'hono']) {
  test(`${name}: a body something else read first is refused with a code that says so`, async (t) => {
    const base = await ADAPTERS[name](t, [], Promise.resolve())
    const body = event('payment.succeeded', 'evt_read')
    const refused = await post(`${base}/read-first`, body, { 'payvost-signature': sign(body) })
    assert.equal(refused.status, 400, refused.text)
    assert.equal(JSON.parse(refused.text).error.code, 'payload_wrong_type')
    assert.match(JSON.parse(refused.text).error.message, /already (read|parsed)/)
  })
}

// Fastify 5 supports Node 20 and later; the suite also runs on the engines floor.
const SKIP = { fastify: major < 20 && `Fastify 5 needs Node 20 or later, this is ${process.version}` }

for (const [name, start] of Object.entries(ADAPTERS)) {
  test(`${name}: verified before the handler; forged, stale, unsigned and oversized refused`, { skip: SKIP[name] }, async (t) => {
    const handled = []
    const base = await start(t, handled)
    const url = `${base}/webhooks/payvost`
    const body = event('payment.succeeded', 'evt_ok')
    const ok = await post(url, body, { 'payvost-signature': sign(body) })
    assert.equal(ok.status, 200, ok.text)
    assert.deepEqual(JSON.parse(ok.text), { received: 'evt_ok' })
    const now = Math.floor(Date.now() / 1000)
    for (const [code, header] of [
      ['signature_mismatch', sign(body, 'whsec_forged')],
      ['timestamp_too_old', sign(body, SECRET, now - 3600)],
      ['header_missing', undefined],
    ]) {
      const refused = await post(url, body, header === undefined ? {} : { 'payvost-signature': header })
      assert.equal(refused.status, 400, `${code}: ${refused.text}`)
      assert.equal(JSON.parse(refused.text).error.code, code)
    }
    const big = JSON.stringify({ id: 'evt_big', type: 'x', data: { object: { pad: 'x'.repeat(LIMIT * 4) } } })
    const tooLarge = await post(url, big, { 'payvost-signature': sign(big) })
    assert.equal(tooLarge.status, 413, tooLarge.text)
    assert.deepEqual(JSON.parse(tooLarge.text), {
      error: { code: 'payload_invalid_json', message: `The body is larger than the ${LIMIT}-byte limit; Payvost's events are far smaller.` },
    })
    assert.deepEqual(handled, ['evt_ok'])
    const other = await post(`${base}/other`, '{"a":1}')
    assert.deepEqual(JSON.parse(other.text), { a: 1 }, 'the rest of the app parses JSON as before')
  })

  test(`${name}: with a router, 200 after the handlers, 500 for a handler's error`, { skip: SKIP[name] }, async (t) => {
    const handled = []
    const base = await start(t, handled)
    const refund = event('refund.created', 'evt_refund')
    const ok = await post(`${base}/routed`, refund, { 'payvost-signature': sign(refund) })
    assert.equal(ok.status, 200, ok.text)
    assert.deepEqual(JSON.parse(ok.text), { received: true })
    assert.deepEqual(handled, ['routed evt_refund'])
    const failing = event('payment.failed', 'evt_fail')
    const failed = await post(`${base}/routed`, failing, { 'payvost-signature': sign(failing) })
    assert.equal(failed.status, 500)
  })
}

for (const [name, start] of Object.entries(ADAPTERS)) {
  test(`${name}: acknowledgeFirst answers once verified, then runs the handlers; their errors go to onError`, { skip: SKIP[name] }, async (t) => {
    const handled = []
    let release
    const gate = new Promise((resolve) => { release = resolve })
    const base = await start(t, handled, gate)
    const dispute = event('dispute.opened', 'evt_ack')
    const answer = await post(`${base}/acknowledged`, dispute, { 'payvost-signature': sign(dispute) })
    assert.equal(answer.status, 200, answer.text)
    assert.deepEqual(JSON.parse(answer.text), { received: true })
    assert.deepEqual(handled, [], 'answered while the handler waits')
    release()
    await until(() => handled.length > 0, 'the handler after the answer')
    assert.deepEqual(handled, ['onError evt_ack: slow and failing evt_ack'])
    const forged = await post(`${base}/acknowledged`, dispute, { 'payvost-signature': sign(dispute, 'whsec_forged') })
    assert.equal(forged.status, 400, 'verified before acknowledging')
    const unreported = { secret: SECRET, router: new EventRouter(), acknowledgeFirst: true }
    await assert.rejects(async () => build(name, unreported),
      new TypeError(`${name === 'express' ? 'middleware' : `webhooks.${name}`}: acknowledgeFirst needs a router and an ` +
        'onError(error, event) callback, which gets the errors of handlers that run after the answer.'))
  })
}

/** Builds adapter `name` with `options`, as an app would when it starts. */
async function build(name, options) {
  if (name === 'fastify') return webhooks.fastify({ addHook() {}, hasRequestDecorator() {}, decorateRequest() {}, removeAllContentTypeParsers() {}, addContentTypeParser() {}, setErrorHandler() {}, post() {} }, options)
  return name === 'express' ? webhooks.middleware(options) : webhooks[name](options)
}

/**
 * One request written by hand on a new connection: the head's `lines`, then
 * `pieces` as HTTP chunks when `chunked`, the last chunk only when `end`;
 * resolves to the answer's status and JSON without waiting for the rest.
 */
function exchange(url, lines, pieces, { chunked = true, end = true } = {}) {
  const net = require('node:net')
  const { hostname, port, pathname } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname)
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer from ${url}`)) }, 10000)
    let received = Buffer.alloc(0)
    socket.on('data', (data) => {
      received = Buffer.concat([received, data])
      const text = received.toString('latin1')
      const at = text.indexOf('\r\n\r\n')
      if (at < 0) return
      const head = text.slice(0, at)
      let rest = text.slice(at + 4)
      if (/^transfer-encoding: *chunked/im.test(head)) {
        const done = rest.indexOf('\r\n0\r\n')
        if (done < 0) return
        rest = rest.slice(rest.indexOf('\r\n') + 2, done)
      } else {
        const length = Number(/^content-length: *(\d+)/im.exec(head)?.[1] ?? NaN)
        if (!(Buffer.byteLength(rest, 'latin1') >= length)) return
      }
      clearTimeout(timer)
      socket.destroy()
      resolve({ status: Number(head.split(' ')[1]), json: JSON.parse(Buffer.from(rest, 'latin1').toString()) })
    })
    socket.on('error', (error) => { clearTimeout(timer); reject(error) })
    const head = [`POST ${pathname} HTTP/1.1`, 'host: 127.0.0.1', ...lines, ...(chunked ? ['transfer-encoding: chunked'] : [])]
    socket.write(head.join('\r\n') + '\r\n\r\n')
    for (const piece of pieces) socket.write(chunked ? `${piece.length.toString(16)}\r\n${piece}\r\n` : piece)
    if (chunked && end) socket.write('0\r\n\r\n')
  })
}

const pieces = (text, size = 1024) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size))
const TOO_LARGE = { error: { code: 'payload_invalid_json', message: `The body is larger than the ${LIMIT}-byte limit; Payvost's events are far smaller.` } }

for (const [name, start] of Object.entries(ADAPTERS)) {
  test(`${name}: a body is refused as soon as it passes the limit, whatever its framing, and never verified`, { skip: SKIP[name] }, async (t) => {
    const handled = []
    const base = await start(t, handled)
    const url = `${base}/webhooks/payvost`
    const small = event('payment.succeeded', 'evt_chunked')
    // Chunked under the limit, no length: read whole and verified.
    assert.deepEqual(await exchange(url, [`payvost-signature: ${sign(small)}`], pieces(small, 40)), { status: 200, json: { received: 'evt_chunked' } })
    // Past the limit, and the rest never sent: the answer cannot wait for the end of the body.
    const big = JSON.stringify({ id: 'evt_big', type: 'x', data: { object: { pad: 'x'.repeat(LIMIT * 64) } } })
    const header = `payvost-signature: ${sign(big)}`
    assert.deepEqual(await exchange(url, [header], pieces(big).slice(0, 6), { end: false }), { status: 413, json: TOO_LARGE })
    // A declared length over the limit, and not a byte of the body sent.
    assert.deepEqual(await exchange(url, [header, `content-length: ${big.length}`], [], { chunked: false }), { status: 413, json: TOO_LARGE })
    assert.deepEqual(handled, ['evt_chunked'])
  })

  test(`${name}: the header sent twice is refused (protocol §2)`, { skip: SKIP[name] }, async (t) => {
    const handled = []
    const base = await start(t, handled)
    const body = event('payment.succeeded', 'evt_twice')
    const line = `payvost-signature: ${sign(body)}`
    const twice = await exchange(`${base}/webhooks/payvost`, [line, line], [body])
    assert.equal(twice.status, 400)
    assert.equal(twice.json.error.code, 'header_malformed')
    assert.deepEqual(await exchange(`${base}/webhooks/payvost`, [line], [body]), { status: 200, json: { received: 'evt_twice' } })
  })

  test(`${name}: a limit that is not a positive whole number of bytes is option_invalid when the app starts`, async () => {
    for (const [limit, written] of [['1mb', "'1mb'"], [0, '0'], [-1, '-1'], [1.5, '1.5'], [Number.NaN, 'NaN'], [null, 'null']]) {
      await assert.rejects(async () => build(name, { secret: SECRET, limit }), (e) => {
        assert.ok(e instanceof payvost.PayvostConfigurationError, `${e.name}: ${e.message}`)
        assert.equal(e.code, 'option_invalid')
        assert.equal(e.message, `The body limit must be a positive whole number of bytes (for example 1048576 for 1 MiB), not ${written}.`)
        return true
      })
    }
    await build(name, { secret: SECRET, limit: 1, ...(name === 'fastify' && { handler() {} }) })
  })

  test(`${name}: an onError that throws is a process warning, and the server goes on`, { skip: SKIP[name] }, async (t) => {
    const handled = []
    const base = await start(t, handled, Promise.resolve())
    const warnings = []
    const onWarning = (warning) => { if (warning.code === 'PAYVOST_ON_ERROR_THREW') warnings.push(warning) }
    process.on('warning', onWarning)
    t.after(() => process.removeListener('warning', onWarning))
    const dispute = event('dispute.opened', 'evt_hook')
    handled.push('throw in onError')
    assert.equal((await post(`${base}/acknowledged`, dispute, { 'payvost-signature': sign(dispute) })).status, 200)
    await until(() => warnings.length > 0, 'a warning')
    assert.equal(warnings.length, 1)
    assert.equal(warnings[0].name, 'PayvostWarning')
    assert.equal(warnings[0].message, 'payvost: onError threw (the reporter is down) while reporting the error of a handler ' +
      'of event evt_hook: slow and failing evt_hook')
    const after = event('payment.succeeded', 'evt_after_hook')
    assert.equal((await post(`${base}/webhooks/payvost`, after, { 'payvost-signature': sign(after) })).status, 200)
  })
}

test('hono: a secret read from each request, as Workers bindings are; a missing one is a 500, not a refusal', async (t) => {
  const { Hono } = dev('hono')
  const { serve } = dev('@hono/node-server')
  const secrets = { a: SECRET, b: 'whsec_tenant_b' }
  const app = new Hono()
  app.post('/:tenant', webhooks.hono({ secret: (c) => secrets[c.req.param('tenant')] }), (c) => c.json({ received: c.get('payvostEvent').id }))
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  t.after(() => new Promise((done) => server.close(done)))
  const base = `http://127.0.0.1:${server.address().port}`
  const body = event('payment.succeeded', 'evt_tenant')
  assert.deepEqual(JSON.parse((await post(`${base}/b`, body, { 'payvost-signature': sign(body, 'whsec_tenant_b') })).text), { received: 'evt_tenant' })
  const crossed = await post(`${base}/a`, body, { 'payvost-signature': sign(body, 'whsec_tenant_b') })
  assert.equal(JSON.parse(crossed.text).error.code, 'signature_mismatch')
  const unconfigured = await post(`${base}/c`, body, { 'payvost-signature': sign(body) })
  assert.equal(unconfigured.status, 500, unconfigured.text)
})

for (const [name, start] of Object.entries(ADAPTERS)) {
  test(`${name}: with idempotency, each event's handlers run once; the guard's refusals are answered 409, 422, 503`, { skip: SKIP[name] }, async (t) => {
    const { IdempotencyGuard, MemoryStore, RedisStore } = payvost.idempotency
    const store = new MemoryStore()
    const namespace = `adapter-${name}`
    const handled = []
    const base = await start(t, handled, Promise.resolve(), new IdempotencyGuard({ store, namespace }))
    const url = `${base}/guarded`
    const body = event('payment.succeeded', 'evt_guarded')
    let release
    holdPayments = new Promise((resolve) => { release = resolve })
    let answered = 0
    const answers = await Promise.all([1, 2, 3].map(() => post(url, body, { 'payvost-signature': sign(body) }).then((answer) => {
      answered += 1
      if (answered === 2) release()
      return answer
    })))
    holdPayments = Promise.resolve()
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409, 409], JSON.stringify(answers))
    const busy = answers.find((a) => a.status === 409)
    assert.equal(JSON.parse(busy.text).error.code, 'event_in_progress')
    assert.deepEqual(await post(url, body, { 'payvost-signature': sign(body) }), { status: 200, text: '{"received":true}' })
    assert.deepEqual(handled, ['guarded evt_guarded'])

    const reused = event('payment.succeeded', 'evt_guarded').replace('obj_1', 'obj_2')
    const refused = await post(url, reused, { 'payvost-signature': sign(reused) })
    assert.equal(refused.status, 422)
    assert.equal(JSON.parse(refused.text).error.code, 'event_id_reused')

    const refund = event('refund.created', 'evt_guarded_refund')
    assert.equal((await post(url, refund, { 'payvost-signature': sign(refund) })).status, 500, 'the handler failed: the claim is released')
    assert.deepEqual(await post(url, refund, { 'payvost-signature': sign(refund) }), { status: 200, text: '{"received":true}' })
    assert.deepEqual(handled, ['guarded evt_guarded', 'guarded evt_guarded_refund'])

    const Redis = dev('ioredis')
    const down = new Redis('redis://127.0.0.1:9/0', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    const unreachable = await start(t, handled, Promise.resolve(), new IdempotencyGuard({ store: new RedisStore(down) }))
    const unavailable = await post(`${unreachable}/guarded`, body, { 'payvost-signature': sign(body) })
    assert.equal(unavailable.status, 503)
    assert.equal(JSON.parse(unavailable.text).error.code, 'store_unavailable')
    down.disconnect()
  })

  test(`${name}: with idempotency and acknowledgeFirst, the 200 goes out once the claim is held`, { skip: SKIP[name] }, async (t) => {
    const { IdempotencyGuard, MemoryStore } = payvost.idempotency
    const store = new MemoryStore()
    const handled = []
    let release
    const gate = new Promise((resolve) => { release = resolve })
    const base = await start(t, handled, gate, new IdempotencyGuard({ store, namespace: 'ack' }))
    const dispute = event('dispute.opened', 'evt_guarded_ack')
    assert.deepEqual(await post(`${base}/guarded-ack`, dispute, { 'payvost-signature': sign(dispute) }), { status: 200, text: '{"received":true}' })
    // The handler waits on the gate, holding the claim: another delivery is not acknowledged.
    const busy = await post(`${base}/guarded-ack`, dispute, { 'payvost-signature': sign(dispute) })
    assert.equal(busy.status, 409, busy.text)
    release()
    await until(() => handled.length > 0, 'the handler after the answer')
    assert.deepEqual(handled, ['onError evt_guarded_ack: slow and failing evt_guarded_ack'])
  })
}

test('idempotency without a router is refused when the adapter is built', async () => {
  const guard = new payvost.idempotency.IdempotencyGuard({ store: new payvost.idempotency.MemoryStore() })
  for (const name of ['express', 'koa', 'hono']) {
    await assert.rejects(async () => build(name, { secret: SECRET, idempotency: guard }), (error) => {
      assert.equal(error.code, 'option_invalid')
      assert.match(error.message, /idempotency takes an IdempotencyGuard, and a router whose handlers it runs/)
      return true
    })
  }
})
