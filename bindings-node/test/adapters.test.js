'use strict'
// The Fastify, Koa and Hono adapters over real HTTP on 127.0.0.1, with the
// real frameworks: valid, forged, stale, unsigned, oversized, a handler's
// error, and the rest of the app's JSON parsing left alone.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const payvost = require('./sdk')
const { post } = require('./http')

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
    onError: (error, e) => handled.push(`onError ${e.id}: ${error.message}`),
  }
}

function routerRecording(handled) {
  return new EventRouter()
    .on('refund.created', (e) => { handled.push(`routed ${e.id}`) })
    .on('payment.failed', () => { throw new Error('cannot record the failure') })
}

const ADAPTERS = {
  async fastify(t, handled, gate) {
    const app = dev('fastify')()
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
  async koa(t, handled, gate) {
    const Koa = dev('koa')
    const app = new Koa()
    const verified = webhooks.koa({ secret: SECRET, limit: LIMIT })
    const routed = webhooks.koa({ secret: SECRET, limit: LIMIT, router: routerRecording(handled) })
    const acknowledged = webhooks.koa({ secret: SECRET, ...acknowledging(handled, gate) })
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
        return verified(ctx, next)
      }
      let text = ''
      for await (const chunk of ctx.req) text += chunk
      ctx.body = JSON.parse(text)
    })
    const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    t.after(() => new Promise((done) => server.close(done)))
    return `http://127.0.0.1:${server.address().port}`
  },
  async hono(t, handled, gate) {
    const { Hono } = dev('hono')
    const { serve } = dev('@hono/node-server')
    const app = new Hono()
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
    for (let i = 0; i < 200 && handled.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.deepEqual(handled, ['onError evt_ack: slow and failing evt_ack'])
    const forged = await post(`${base}/acknowledged`, dispute, { 'payvost-signature': sign(dispute, 'whsec_forged') })
    assert.equal(forged.status, 400, 'verified before acknowledging')
    const unreported = { secret: SECRET, router: new EventRouter(), acknowledgeFirst: true }
    await assert.rejects(async () => (name === 'fastify' ? webhooks.fastify({}, unreported) : webhooks[name](unreported)),
      new TypeError(`webhooks.${name}: acknowledgeFirst needs a router and an onError(error, event) callback, ` +
        'which gets the errors of handlers that run after the answer.'))
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
