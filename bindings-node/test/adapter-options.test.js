'use strict'
// What each adapter takes, and what it does with it: every option checked
// when the adapter is built, each refusal's exact words naming the adapter;
// the tolerance given is the one applied; the record of a delivery the
// application answered, or failed, itself; where a Hono request came from.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const payvost = require('./sdk')
const { post } = require('./http')

const dev = (name) => require(require.resolve(name, { paths: [path.join(__dirname, '..')] }))
const SECRET = 'whsec_adapter_options'
const { webhooks, EventRouter } = payvost
const body = JSON.stringify({ id: 'evt_options', type: 'payment.succeeded', data: { object: { id: 'pay_1' } } })
const signed = (timestamp, payload = body) => ({ 'payvost-signature': webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp }) })
const major = Number(process.versions.node.split('.')[0])
const fakeFastify = { addHook() {}, hasRequestDecorator() {}, decorateRequest() {}, removeAllContentTypeParsers() {}, addContentTypeParser() {}, setErrorHandler() {}, post() {} }

/** Builds adapter `name` (its name in messages is `label`) with `options`, as an app would when it starts. */
const ADAPTERS = {
  middleware: { label: 'middleware', build: (options) => webhooks.middleware(options) },
  fastify: { label: 'webhooks.fastify', build: (options) => webhooks.fastify(fakeFastify, { handler() {}, ...options }) },
  koa: { label: 'webhooks.koa', build: (options) => webhooks.koa(options) },
  hono: { label: 'webhooks.hono', build: (options) => webhooks.hono(options) },
}

for (const [name, { label, build }] of Object.entries(ADAPTERS)) {
  test(`${name}: every option is checked when the adapter is built, in words that name it`, async () => {
    const router = new EventRouter()
    const refused = async (options, code, message) => {
      await assert.rejects(async () => build({ secret: SECRET, ...options }), (e) => {
        assert.deepEqual([e.code, e.message], [code, message])
        return true
      })
    }
    await refused({ maxConcurrent: 0 }, 'option_invalid', `${label}: maxConcurrent takes a whole number of deliveries at once, 1 or more, not a number.`)
    await refused({ onDelivery: 'log' }, 'option_invalid', `${label}: onDelivery takes a function(record), not a string.`)
    await refused({ idempotency: new payvost.idempotency.IdempotencyGuard({ store: new payvost.idempotency.MemoryStore() }), router: undefined,
      ...(name === 'fastify' && { handler() {} }) }, 'option_invalid',
    `${label}: idempotency takes an IdempotencyGuard, and a router whose handlers it runs (new payvost.idempotency.IdempotencyGuard({store})).`)
    await refused({ idempotency: {}, router }, 'option_invalid',
      `${label}: idempotency takes an IdempotencyGuard, and a router whose handlers it runs (new payvost.idempotency.IdempotencyGuard({store})).`)
    for (const options of [{ acknowledgeFirst: true, router }, { acknowledgeFirst: true, onError() {}, ...(name === 'fastify' && { handler() {} }) }]) {
      await refused(options, undefined, `${label}: acknowledgeFirst needs a router and an onError(error, event) callback, ` +
        'which gets the errors of handlers that run after the answer.')
    }
    // A secret given as a value is checked at once, in every adapter (Hono's may also be a function of the request).
    await refused({ secret: '' }, 'secret_invalid', 'The webhook signing secret is empty')
    await build({ secret: SECRET, maxConcurrent: 1, onDelivery() {}, ...(name !== 'fastify' && { router }) })
  })
}

test('the middleware and Fastify refuse a configuration that is not one, saying what they take', async () => {
  for (const config of [undefined, null, 'whsec_a_string']) {
    assert.throws(() => webhooks.middleware(config), { code: 'secret_invalid', message: 'middleware takes {secret, tolerance?, limit?, router?}.' })
  }
  for (const options of [{ secret: SECRET }, { secret: SECRET, handler() {}, router: new EventRouter() }]) {
    await assert.rejects(webhooks.fastify(fakeFastify, options), {
      name: 'TypeError',
      message: 'webhooks.fastify takes {secret, path?, router} or {secret, path?, handler(event, request, reply)}.',
    })
  }
})

/** Each adapter, answering a verified delivery 202 itself, at `/`. */
const APPS = {
  async middleware(t, options) {
    const app = dev('express')()
    app.post('/', webhooks.middleware(options), (req, res) => res.status(options.status ?? 202).json({ id: req.payvostEvent.id }))
    return serve(t, app)
  },
  async fastify(t, options) {
    const app = dev('fastify')()
    await app.register(webhooks.fastify, { ...options, path: '/', handler: (event, request, reply) => reply.code(options.status ?? 202).send({ id: event.id }) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.after(() => app.close())
    return `http://127.0.0.1:${app.server.address().port}`
  },
  async koa(t, options) {
    const app = new (dev('koa'))()
    app.use(webhooks.koa({ ...options, path: '/' }))
    app.use((ctx) => { ctx.status = options.status ?? 202; ctx.body = { id: ctx.state.payvostEvent.id } })
    return serve(t, app)
  },
  async hono(t, options) {
    const { Hono } = dev('hono')
    const app = new Hono()
    app.post('/', webhooks.hono(options), (c) => c.json({ id: c.get('payvostEvent').id }, options.status ?? 202))
    const server = await new Promise((resolve) => { const s = dev('@hono/node-server').serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s)) })
    t.after(() => new Promise((done) => server.close(done)))
    return `http://127.0.0.1:${server.address().port}`
  },
}

async function serve(t, app) {
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  t.after(() => new Promise((done) => server.close(done)))
  return `http://127.0.0.1:${server.address().port}`
}

for (const [name, start] of Object.entries(APPS)) {
  test(`${name}: the tolerance given is the one applied, and the answers are JSON`, { skip: name === 'fastify' && major < 20 && 'Fastify 5 needs Node 20' }, async (t) => {
    const base = await start(t, { secret: SECRET, tolerance: 10 })
    const now = Math.floor(Date.now() / 1000)
    const fresh = await fetch(base + '/', { method: 'POST', body, headers: signed(now - 5) })
    assert.deepEqual([fresh.status, fresh.headers.get('content-type').split(';')[0], await fresh.json()], [202, 'application/json', { id: 'evt_options' }])
    // Within the default 300 s, past the 10 given.
    const stale = await fetch(base + '/', { method: 'POST', body, headers: signed(now - 60) })
    assert.deepEqual([stale.status, stale.headers.get('content-type').split(';')[0], (await stale.json()).error.code],
      [400, 'application/json', 'timestamp_too_old'])
  })

  test(`${name}: a delivery the application answers 400 itself is on record as failed, with the time it took`, { skip: name === 'fastify' && major < 20 && 'Fastify 5 needs Node 20' }, async (t) => {
    const records = []
    const base = await start(t, { secret: SECRET, status: 400, onDelivery: (record) => records.push(record) })
    const before = performance.now()
    assert.equal((await post(base + '/', body, signed(Math.floor(Date.now() / 1000)))).status, 400)
    const took = performance.now() - before
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(records.length, 1)
    const [{ duration_ms: duration, ...record }] = records
    assert.ok(duration >= 0 && duration <= took, `${duration} ms, within the ${took} ms the request took`)
    assert.deepEqual([record.event_id, record.outcome, record.status], ['evt_options', 'failed', 400])
  })
}

test('koa and hono: a delivery whose application throws is on record as failed, 500', async (t) => {
  for (const name of ['koa', 'hono']) {
    const records = []
    const options = { secret: SECRET, onDelivery: (record) => records.push(record) }
    let base
    if (name === 'koa') {
      const app = new (dev('koa'))()
      app.silent = true
      app.use(webhooks.koa({ ...options, path: '/' }))
      app.use(() => { throw new Error('the app failed') })
      base = await serve(t, app)
    } else {
      const { Hono } = dev('hono')
      const app = new Hono()
      app.post('/', webhooks.hono(options), () => { throw new Error('the app failed') })
      app.onError((error, c) => c.text(error.message, 500))
      const server = await new Promise((resolve) => { const s = dev('@hono/node-server').serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s)) })
      t.after(() => new Promise((done) => server.close(done)))
      base = `http://127.0.0.1:${server.address().port}`
    }
    assert.equal((await post(base + '/', body, signed(Math.floor(Date.now() / 1000)))).status, 500, name)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(records.map(({ event_id: id, outcome, status }) => [id, outcome, status]), [['evt_options', 'failed', 500]], name)
  }
})

test('hono: a secret its function finds missing is the app\'s 500, on record as failed with its code', async () => {
  const { Hono } = dev('hono')
  const records = []
  const app = new Hono()
  app.post('/', webhooks.hono({ secret: (c) => c.env?.PAYVOST_WEBHOOK_SECRET, onDelivery: (record) => records.push(record) }), (c) => c.text('ran'))
  app.onError((error, c) => c.text(error.code, 500))
  const answer = await app.request('/', { method: 'POST', body, headers: signed(Math.floor(Date.now() / 1000)) }, {})
  assert.deepEqual([answer.status, await answer.text()], [500, 'secret_invalid'])
  assert.deepEqual(records.map(({ outcome, code, status }) => ({ outcome, code, status })), [{ outcome: 'failed', code: 'secret_invalid', status: 500 }])
})

test('hono: where a request came from, off Node (no env, or bindings without a socket) is Cloudflare\'s header', async () => {
  const { Hono } = dev('hono')
  for (const env of [undefined, { PAYVOST_WEBHOOK_SECRET: SECRET }]) {
    const records = []
    const app = new Hono()
    app.post('/', webhooks.hono({ secret: SECRET, onDelivery: (record) => records.push(record) }), (c) => c.json({ id: c.get('payvostEvent').id }))
    const headers = { ...signed(Math.floor(Date.now() / 1000)), 'cf-connecting-ip': '203.0.113.9' }
    const answer = await app.request('/', { method: 'POST', body, headers }, env)
    assert.deepEqual([answer.status, await answer.json()], [200, { id: 'evt_options' }])
    assert.equal(records[0].remote_address, '203.0.113.9', JSON.stringify(env))
  }
})
