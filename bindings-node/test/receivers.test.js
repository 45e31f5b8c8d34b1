'use strict'
// Protocol §10's table, as tests/vectors/receivers.json holds it: every case
// sent over HTTP to each JS adapter (Express, Fastify, Koa, Hono), which
// answers it with the table's status and body.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const payvost = require('./sdk')
const { post } = require('./http')

const DOC = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/receivers.json'), 'utf8'))
const CASES = new Map(DOC.cases.map((c) => [c.id, c]))
const SECRET = DOC.secret
const LIMIT = 4096
const dev = (name) => require(require.resolve(name, { paths: [path.join(__dirname, '..')] }))

const listening = (t, server) => {
  t.after(() => new Promise((done) => server.close(done)))
  return `http://127.0.0.1:${server.address().port}`
}
const listen = (app) => new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })

/** Each adapter on /plain (a router) and /guarded (a router inside a guard), at LIMIT bytes. */
const ADAPTERS = {
  async express(t, options) {
    const app = dev('express')()
    app.post('/plain', payvost.webhooks.middleware(options.plain))
    app.post('/guarded', payvost.webhooks.middleware(options.guarded))
    return listening(t, await listen(app))
  },
  async fastify(t, options) {
    const app = dev('fastify')()
    await app.register(payvost.webhooks.fastify, { ...options.plain, path: '/plain' })
    await app.register(payvost.webhooks.fastify, { ...options.guarded, path: '/guarded' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.after(() => app.close())
    return `http://127.0.0.1:${app.server.address().port}`
  },
  async koa(t, options) {
    const app = new (dev('koa'))()
    app.use(payvost.webhooks.koa({ ...options.plain, path: '/plain' }))
    app.use(payvost.webhooks.koa({ ...options.guarded, path: '/guarded' }))
    return listening(t, await listen(app))
  },
  async hono(t, options) {
    const { Hono } = dev('hono')
    const { serve } = dev('@hono/node-server')
    const app = new Hono()
    app.post('/plain', payvost.webhooks.hono(options.plain))
    app.post('/guarded', payvost.webhooks.hono(options.guarded))
    return listening(t, await new Promise((resolve) => { const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s)) }))
  },
}

async function deliver(base, c) {
  const body = c.over_limit !== undefined ? ' '.repeat(LIMIT + c.over_limit) : Buffer.from(c.body_b64, 'base64')
  const headers = c.sign_with === null ? {} : { 'payvost-signature': payvost.webhooks.generateTestHeaderString({ payload: body, secret: c.sign_with }) }
  const { status, text } = await post(`${base}/${c.guard ? 'guarded' : 'plain'}`, body, headers)
  const answer = JSON.parse(text)
  // The table's "...": any non-empty string.
  if (typeof answer.error?.message === 'string' && answer.error.message !== '') answer.error.message = '...'
  return { status, body: answer }
}

const major = Number(process.versions.node.split('.')[0])

for (const [name, start] of Object.entries(ADAPTERS)) {
  test(`${name} answers every case as protocol §10's table says`, { skip: name === 'fastify' && major < 20 && 'Fastify 5 needs Node 20' }, async (t) => {
    const handled = []
    const router = () => new payvost.EventRouter().onAny((event) => { handled.push(event.id) })
    const options = {
      plain: { secret: SECRET, limit: LIMIT, router: router() },
      guarded: { secret: SECRET, limit: LIMIT, router: router(), idempotency: new payvost.idempotency.IdempotencyGuard({ store: new payvost.idempotency.MemoryStore() }) },
    }
    const base = await start(t, options)
    for (const c of DOC.cases) {
      if (c.after !== undefined) await deliver(base, { ...CASES.get(`receivers/${c.after}`), guard: c.guard })
      assert.deepEqual(await deliver(base, c), c.expected, c.id)
    }
    // The handlers ran for the deliveries the table calls processed: once plain, once guarded.
    assert.deepEqual(handled, ['evt_receivers', 'evt_receivers'])
  })
}
