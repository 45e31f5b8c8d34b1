'use strict'
// The delivery record (protocol §10.2) each adapter hands `onDelivery`, over
// real HTTP with the real frameworks: a processed delivery, a duplicate, a
// forged one, one over the limit, a handler's error, one the application
// answered itself, and one another worker holds; an onDelivery that throws
// changes nothing.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const payvost = require('./sdk')
const { post, until } = require('./http')

const dev = (name) => require(require.resolve(name, { paths: [path.join(__dirname, '..')] }))
const FACTS = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/facts.json'), 'utf8'))
const SECRET = 'whsec_delivery_secret'
const LIMIT = 2048
const major = Number(process.versions.node.split('.')[0])
const { webhooks, EventRouter } = payvost

const event = (type, id) => JSON.stringify({ id, type, data: { object: { id: 'obj_1' } } })

/** Records payments; fails every refund. */
function router() {
  return new EventRouter()
    .on('payment.succeeded', () => {})
    .on('refund.created', () => { throw new Error('the database is down') })
}

/** An app with `/guarded` (a router, and the guard `idempotency` when given) and `/plain` (the application answers 202). */
const APPS = {
  async express(t, options, idempotency) {
    const express = dev('express')
    const app = express()
    app.post('/guarded', webhooks.middleware({ ...options, router: options.router ?? router(), idempotency }), (error, req, res, next) => res.status(500).end())
    app.post('/plain', webhooks.middleware({ ...options, router: undefined }), (req, res) => res.status(202).json({ id: req.payvostEvent.id }))
    const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    t.after(() => new Promise((done) => server.close(done)))
    return `http://127.0.0.1:${server.address().port}`
  },
  async fastify(t, options, idempotency) {
    const app = dev('fastify')({ logger: false })
    await app.register(webhooks.fastify, { ...options, path: '/guarded', router: options.router ?? router(), idempotency })
    await app.register(webhooks.fastify, { ...options, router: undefined, path: '/plain', handler: (e, request, reply) => reply.code(202).send({ id: e.id }) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.after(() => app.close())
    return `http://127.0.0.1:${app.server.address().port}`
  },
  async koa(t, options, idempotency) {
    const Koa = dev('koa')
    const app = new Koa()
    const guarded = webhooks.koa({ ...options, path: '/guarded', router: options.router ?? router(), idempotency })
    const plain = webhooks.koa({ ...options, path: '/plain', router: undefined })
    app.silent = true
    app.use(async (ctx, next) => {
      if (ctx.path === '/guarded') return guarded(ctx, next)
      return plain(ctx, async () => { ctx.status = 202; ctx.body = { id: ctx.state.payvostEvent.id } })
    })
    const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    t.after(() => new Promise((done) => server.close(done)))
    return `http://127.0.0.1:${server.address().port}`
  },
  async hono(t, options, idempotency) {
    const { Hono } = dev('hono')
    const { serve } = dev('@hono/node-server')
    const app = new Hono()
    app.post('/guarded', webhooks.hono({ ...options, router: options.router ?? router(), idempotency }))
    app.post('/plain', webhooks.hono({ ...options, router: undefined }), (c) => c.json({ id: c.get('payvostEvent').id }, 202))
    app.onError((error, c) => c.text('failed', 500))
    const server = await new Promise((resolve) => { const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s)) })
    t.after(() => new Promise((done) => server.close(done)))
    return `http://127.0.0.1:${server.address().port}`
  },
}
const SKIP = { fastify: major < 20 && 'Fastify 5 needs Node 20' }

for (const [name, start] of Object.entries(APPS)) {
  test(`${name}: a client that hangs up mid-body is on record, runs no handler, and the next delivery is served`, { skip: SKIP[name] }, async (t) => {
    const records = []
    const ran = []
    const routed = new EventRouter().on('payment.succeeded', (e) => { ran.push(e.id) })
    const base = await start(t, { secret: SECRET, limit: LIMIT, router: routed, onDelivery: (record) => records.push(record) })
    const body = event('payment.succeeded', 'evt_cut_off')
    const header = webhooks.generateTestHeaderString({ payload: body, secret: SECRET })
    const { port } = new URL(base)
    await new Promise((resolve, reject) => {
      const socket = require('node:net').connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /guarded HTTP/1.1\r\nhost: 127.0.0.1\r\npayvost-signature: ${header}\r\n` +
          `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`, () => {
          socket.destroy()
          resolve()
        })
      })
      socket.on('error', reject)
    })
    await until(() => records.length >= 1, 'the record of the delivery cut off')
    const [cut] = records
    // The stream's own error code (ECONNRESET) never stands for a Payvost one.
    assert.deepEqual([cut.outcome, cut.code, cut.status, cut.event_id], ['refused', 'payload_wrong_type', 400, undefined])
    assert.deepEqual(ran, [])
    assert.equal((await post(`${base}/guarded`, body, { 'payvost-signature': header })).status, 200)
    assert.deepEqual(ran, ['evt_cut_off'])
  })

  test(`${name}: onDelivery gets the record of every delivery`, { skip: SKIP[name] }, async (t) => {
    const { IdempotencyGuard, MemoryStore } = payvost.idempotency
    const records = []
    const store = new MemoryStore()
    const idempotency = new IdempotencyGuard({ store, namespace: `delivery-${name}` })
    const now = Math.floor(Date.now() / 1000)
    const base = await start(t, { secret: SECRET, limit: LIMIT, onDelivery: (record) => records.push(record) }, idempotency)
    const send = (route, body, timestamp = now - 5, secret = SECRET) =>
      post(`${base}/${route}`, body, { 'payvost-signature': webhooks.generateTestHeaderString({ payload: body, secret, timestamp }) })
    const paid = event('payment.succeeded', 'evt_paid')
    assert.equal((await send('guarded', paid)).status, 200)
    assert.equal((await send('guarded', paid)).status, 200)
    assert.equal((await send('guarded', paid, now, 'whsec_forger')).status, 400)
    assert.equal((await send('guarded', 'x'.repeat(LIMIT + 1))).status, 413)
    assert.equal((await send('guarded', event('refund.created', 'evt_refund'))).status, 500)
    assert.equal((await send('plain', event('customer.created', 'evt_plain'))).status, 202)
    // Another worker holds this event's claim (its lease a minute long).
    const held = event('payment.succeeded', 'evt_held')
    const fingerprint = require('node:crypto').createHash('sha256').update(held).digest('hex')
    await store.claim(`delivery-${name}:evt_held`, fingerprint, 'another-worker', 60000, 60000)
    assert.equal((await send('guarded', held)).status, 409)
    // A record is handed over as its answer goes out: wait for the last.
    await until(() => records.length >= 7, 'seven delivery records')

    assert.equal(records.length, 7, JSON.stringify(records))
    for (const record of records) {
      assert.deepEqual(Object.keys(record), FACTS.delivery.fields.filter((field) => field in record), 'the core\'s field order')
      assert.ok(record.duration_ms >= 0 && record.duration_ms < 10000, String(record.duration_ms))
      assert.ok(record.received_at >= now && record.received_at < now + 60, String(record.received_at))
      assert.equal(record.remote_address, '127.0.0.1')
      delete record.remote_address
      if ('signature_age' in record) {
        // Signed five seconds before `now`, verified within the next few.
        assert.ok(record.signature_age >= 5 && record.signature_age < 15, String(record.signature_age))
        delete record.signature_age
      }
      delete record.duration_ms
      delete record.received_at
    }
    const paidRecord = (outcome, attempt) =>
      ({ event_id: 'evt_paid', event_type: 'payment.succeeded', outcome, status: 200, secret_index: 0, attempt })
    assert.deepEqual(records, [
      paidRecord('processed', 1),
      paidRecord('duplicate', 1),
      { outcome: 'refused', code: 'signature_mismatch', status: 400 },
      { outcome: 'refused', code: 'payload_invalid_json', status: 413 },
      { event_id: 'evt_refund', event_type: 'refund.created', outcome: 'failed', status: 500, secret_index: 0, attempt: 1 },
      { event_id: 'evt_plain', event_type: 'customer.created', outcome: 'processed', status: 202, secret_index: 0 },
      { event_id: 'evt_held', event_type: 'payment.succeeded', outcome: 'in_progress', code: 'event_in_progress', status: 409, secret_index: 0 },
    ])
    assert.ok(!JSON.stringify(records).includes(SECRET))
  })

  test(`${name}: an onDelivery whose promise rejects is a process warning; one that returns a value or a thenable-less object is fine`, { skip: SKIP[name] }, async (t) => {
    const warnings = []
    const onWarning = (warning) => { if (warning.code === 'PAYVOST_ON_DELIVERY_THREW') warnings.push(warning) }
    process.on('warning', onWarning)
    t.after(() => process.removeListener('warning', onWarning))
    const returned = [Promise.reject(new Error('the log is down')), null, 7, { then: 'not a function' }, 'text']
    returned[0].catch(() => {}) // handled by the adapter once returned; not before
    let calls = 0
    const base = await start(t, { secret: SECRET, onDelivery: () => returned[calls++] })
    for (let i = 0; i < returned.length; i++) {
      const body = event('payment.succeeded', `evt_returned_${i}`)
      const answer = await post(`${base}/guarded`, body, { 'payvost-signature': webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) })
      assert.deepEqual(answer, { status: 200, text: '{"received":true}' })
    }
    await until(() => calls === returned.length && warnings.length > 0, 'every record, and the rejection\'s warning')
    assert.deepEqual(warnings.map((w) => [w.name, w.message]), [['PayvostWarning', 'payvost: onDelivery threw (the log is down) for a delivery answered 200']])
  })

  test(`${name}: an onDelivery that throws is a process warning, and the answer stands`, { skip: SKIP[name] }, async (t) => {
    const warnings = []
    const onWarning = (warning) => { if (warning.code === 'PAYVOST_ON_DELIVERY_THREW') warnings.push(warning) }
    process.on('warning', onWarning)
    t.after(() => process.removeListener('warning', onWarning))
    const base = await start(t, { secret: SECRET, onDelivery: () => { throw new Error('the log is full') } })
    const body = event('payment.succeeded', 'evt_hooked')
    const answer = await post(`${base}/guarded`, body, { 'payvost-signature': webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) })
    assert.deepEqual(answer, { status: 200, text: '{"received":true}' })
    await until(() => warnings.length > 0, 'a warning')
    assert.deepEqual(warnings.map((w) => w.message), ['payvost: onDelivery threw (the log is full) for a delivery answered 200'])
  })
}

for (const [name, start] of Object.entries(APPS)) {
  test(`${name}: past maxConcurrent a delivery is shed with 503 and Retry-After, recorded and counted`, { skip: SKIP[name] }, async (t) => {
    const records = []
    const stats = new webhooks.DeliveryStats()
    let entered
    const running = new Promise((resolve) => { entered = resolve })
    let release
    const released = new Promise((resolve) => { release = resolve })
    const slow = new EventRouter().on('payment.succeeded', async () => { entered(); await released })
    const base = await start(t, { secret: SECRET, maxConcurrent: 1, stats, router: slow, onDelivery: (record) => records.push(record) })
    const signed = (body) => ({ 'content-type': 'application/json', 'payvost-signature': webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) })
    const first = event('payment.succeeded', 'evt_first')
    const answered = fetch(`${base}/guarded`, { method: 'POST', body: first, headers: signed(first) })
    await running
    const second = event('payment.succeeded', 'evt_second')
    const shed = await fetch(`${base}/guarded`, { method: 'POST', body: second, headers: signed(second) })
    release()
    assert.equal((await answered).status, 200)
    assert.equal(shed.status, 503)
    assert.equal(shed.headers.get('retry-after'), String(FACTS.delivery.retry_after))
    const refusal = JSON.parse(await shed.text())
    assert.deepEqual(refusal.error ?? refusal.detail, {
      code: 'receiver_busy',
      message: 'This receiver was already handling its limit of deliveries at once (1), so it answered 503 without reading this one; Payvost delivers it again later.',
    })
    // Once the first is answered there is room again.
    assert.equal((await post(`${base}/guarded`, second, signed(second))).status, 200)
    await until(() => records.length >= 3, 'three delivery records')
    assert.deepEqual(records.map((r) => [r.outcome, r.status, r.code, r.event_id]), [
      ['shed', 503, 'receiver_busy', undefined],
      ['processed', 200, undefined, 'evt_first'],
      ['processed', 200, undefined, 'evt_second'],
    ])
    assert.deepEqual(stats.snapshot(), {
      total: 3,
      outcomes: { processed: 2, duplicate: 0, refused: 0, failed: 0, in_progress: 0, shed: 1 },
      codes: { receiver_busy: 1 },
    })
    assert.deepEqual(stats.anomalies(), [], 'a shed delivery is no refusal')
  })
}

test('stats() counts by outcome and code, and anomalies() names the likely cause in the core\'s words', async (t) => {
  const middleware = webhooks.middleware({ secret: SECRET })
  const express = dev('express')
  const app = express()
  app.post('/', middleware, (req, res) => res.json({}))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  t.after(() => new Promise((done) => server.close(done)))
  const body = event('payment.succeeded', 'evt_probe')
  const url = `http://127.0.0.1:${server.address().port}/`
  for (let i = 0; i < 3; i++) {
    await post(url, body, { 'payvost-signature': webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_forger' }) })
  }
  await post(url, body)
  assert.deepEqual(middleware.stats(), {
    total: 4,
    outcomes: { processed: 0, duplicate: 0, refused: 4, failed: 0, in_progress: 0, shed: 0 },
    codes: { header_missing: 1, signature_mismatch: 3 },
  })
  assert.deepEqual(middleware.anomalies(), [
    '1 refused with header_missing since the last summary, from 1 address; likely cause: a probe: one address sending requests that are not Payvost deliveries',
    '3 refused with signature_mismatch since the last summary, from 1 address; likely cause: a probe, if that address is neither Payvost\'s nor your proxy\'s; otherwise the secret',
  ])
  assert.deepEqual(middleware.anomalies(), [], 'a summary starts the next window')
  // From many addresses, and from none known, the cause is the other one.
  const stats = new webhooks.DeliveryStats()
  for (const address of ['198.51.100.1', '198.51.100.2', undefined]) {
    stats.record({ outcome: 'refused', code: 'signature_mismatch', status: 400, remote_address: address })
  }
  stats.record({ outcome: 'refused', code: 'timestamp_too_old', status: 400 })
  assert.deepEqual(stats.anomalies(), [
    '3 refused with signature_mismatch since the last summary, from 2 addresses; likely cause: the secret: it was rotated, or is another endpoint\'s; compare it with the endpoint\'s signing secret in the Payvost dashboard',
    '1 refused with timestamp_too_old since the last summary, from addresses not known; likely cause: this server\'s clock (is NTP running?), or a queue that holds deliveries back before they reach the receiver',
  ])
})

test('maxConcurrent and stats are checked when the adapter is built', () => {
  for (const value of [0, -1, 1.5, '10', null]) {
    assert.throws(() => webhooks.middleware({ secret: SECRET, maxConcurrent: value }),
      { code: 'option_invalid', message: /^middleware: maxConcurrent takes a whole number of deliveries at once, 1 or more, not / })
  }
  assert.throws(() => webhooks.koa({ secret: SECRET, stats: {} }),
    { code: 'option_invalid', message: 'webhooks.koa: stats takes a webhooks.DeliveryStats, not an object (Object).' })
})

test('prometheus() counts records by outcome and code, and times them, in a real prom-client registry', async () => {
  const client = dev('prom-client')
  const registry = new client.Registry()
  const hook = webhooks.prometheus(client, { registers: [registry] })
  hook({ outcome: 'processed', status: 200, duration_ms: 12 })
  hook({ outcome: 'refused', code: 'signature_mismatch', status: 400, duration_ms: 0.5 })
  hook({ outcome: 'refused', code: 'signature_mismatch', status: 400, duration_ms: 0.5 })
  const text = await registry.metrics()
  assert.match(text, /^payvost_webhook_deliveries_total\{outcome="processed",code=""\} 1$/m)
  assert.match(text, /^payvost_webhook_deliveries_total\{outcome="refused",code="signature_mismatch"\} 2$/m)
  assert.match(text, /^payvost_webhook_delivery_duration_seconds_count\{outcome="refused"\} 2$/m)
  assert.match(text, /^payvost_webhook_delivery_duration_seconds_sum\{outcome="processed"\} 0\.012$/m)
  assert.throws(() => webhooks.prometheus({}), { code: 'option_invalid', message: "prometheus takes the prom-client module (require('prom-client')), not an object (Object)." })
  // Each part of the check on its own: null, a function, a Counter without a Histogram, and the other way round.
  const Counter = client.Counter
  const Histogram = client.Histogram
  for (const [given, what] of [[null, 'null'], [() => {}, 'a function'], [{ Counter }, 'an object (Object)'], [{ Histogram }, 'an object (Object)']]) {
    assert.throws(() => webhooks.prometheus(given), { code: 'option_invalid', message: `prometheus takes the prom-client module (require('prom-client')), not ${what}.` })
  }
})

test('onDelivery must be a function, said when the adapter is built', () => {
  for (const build of [
    () => webhooks.middleware({ secret: SECRET, onDelivery: 'log' }),
    () => webhooks.koa({ secret: SECRET, onDelivery: 'log' }),
    () => webhooks.hono({ secret: SECRET, onDelivery: 'log' }),
  ]) {
    assert.throws(build, { code: 'option_invalid', message: /: onDelivery takes a function\(record\), not a string\.$/ })
  }
})
