'use strict'
// EventRouter: handlers by type, the order they run in, errors never
// swallowed; and the middleware running a router over real HTTP.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const payvost = require('./sdk')
const { post } = require('./http')

const express = require(require.resolve('express', { paths: [path.join(__dirname, '..')] }))

const { EventRouter } = payvost
const SECRET = 'whsec_router_secret'
const event = (type, id = 'evt_r1') => ({ id, type, data: { object: { id: 'obj_1' } } })

test('dispatch runs onAny, then the type\'s handlers in order, or onUnhandled', async () => {
  const ran = []
  const router = new EventRouter()
    .onAny((e) => ran.push(`any ${e.type}`))
    .on('payment.succeeded', async (e) => {
      await new Promise((resolve) => setImmediate(resolve))
      ran.push(`paid ${e.id}`)
    })
    .on('payment.succeeded', (e) => ran.push(`paid again ${e.id}`))
    .onUnhandled((e) => ran.push(`unhandled ${e.type}`))
  await router.dispatch(event('payment.succeeded'))
  await router.dispatch(event('payout.paid', 'evt_r2'))
  assert.deepEqual(ran, ['any payment.succeeded', 'paid evt_r1', 'paid again evt_r1', 'any payout.paid', 'unhandled payout.paid'])
})

test('a handler\'s error rejects dispatch with that very error, and stops the handlers after it', async () => {
  const failure = new Error('the warehouse is down')
  const ran = []
  const router = new EventRouter()
    .on('refund.created', () => { throw failure })
    .on('refund.created', () => ran.push('after'))
  await assert.rejects(router.dispatch(event('refund.created')), (e) => e === failure)
  assert.deepEqual(ran, [])
  await router.dispatch(event('payment.failed')) // no handler, no onUnhandled: nothing runs
})

test('registering something else than a type and a function is refused at once', () => {
  assert.throws(() => new EventRouter().on('', () => {}), /takes an event type such as 'payment\.succeeded', not ""/)
  assert.throws(() => new EventRouter().on('payment.succeeded'), /EventRouter\.on takes a function \(event\) => \.\.\., not undefined/)
  assert.throws(() => new EventRouter().onAny(null), /EventRouter\.onAny takes a function/)
  assert.throws(() => payvost.webhooks.middleware({ secret: SECRET, router: {} }), /router must be an EventRouter/)
  assert.throws(() => payvost.webhooks.middleware({ secret: SECRET, router: new EventRouter(), acknowledgeFirst: true }),
    /acknowledgeFirst needs a router and an onError\(error, event\) callback/)
})

async function serve(t, app) {
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  t.after(() => new Promise((done) => server.close(done)))
  return `http://127.0.0.1:${server.address().port}`
}

const signed = (e) => {
  const body = JSON.stringify(e)
  return [body, { 'payvost-signature': payvost.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) }]
}

test('the middleware runs the router: 200 when the handlers succeed, a handler\'s error to Express (500)', async (t) => {
  const handled = []
  const errors = []
  const router = new EventRouter()
    .on('payment.succeeded', (e) => handled.push(e.data.object.id))
    .on('payment.failed', () => { throw new Error('cannot record the failure') })
  const app = express()
  app.post('/webhooks/payvost', payvost.webhooks.middleware({ secret: SECRET, router }))
  app.use((error, req, res, next) => {
    errors.push(error.message)
    res.status(500).json({ error: { message: error.message } })
  })
  const base = await serve(t, app)

  const ok = await post(`${base}/webhooks/payvost`, ...signed(event('payment.succeeded')))
  assert.equal(ok.status, 200)
  assert.deepEqual(JSON.parse(ok.text), { received: true })
  assert.deepEqual(handled, ['obj_1'])

  const failed = await post(`${base}/webhooks/payvost`, ...signed(event('payment.failed')))
  assert.equal(failed.status, 500)
  assert.deepEqual(errors, ['cannot record the failure'])

  const [body] = signed(event('payment.succeeded'))
  const forged = await post(`${base}/webhooks/payvost`, body, { 'payvost-signature': 't=1,v1=00' })
  assert.equal(forged.status, 400)
  assert.equal(JSON.parse(forged.text).error.code, 'signature_mismatch')
  assert.deepEqual(handled, ['obj_1'])
})

test('acknowledgeFirst answers 200 once verified, then runs the handlers; their errors go to onError', async (t) => {
  let release
  const gate = new Promise((resolve) => { release = resolve })
  const reported = []
  let reportedOnce
  const done = new Promise((resolve) => { reportedOnce = resolve })
  const router = new EventRouter().on('dispute.opened', async () => {
    await gate
    throw new Error('slow and failing')
  })
  const app = express()
  app.post('/webhooks/payvost', payvost.webhooks.middleware({
    secret: SECRET,
    router,
    acknowledgeFirst: true,
    onError: (error, e) => {
      reported.push([error.message, e.id])
      reportedOnce()
    },
  }))
  const base = await serve(t, app)
  const answer = await post(`${base}/webhooks/payvost`, ...signed(event('dispute.opened', 'evt_slow')))
  assert.equal(answer.status, 200)
  assert.deepEqual(JSON.parse(answer.text), { received: true })
  assert.deepEqual(reported, [], 'answered before the handler finished')
  release()
  await done
  assert.deepEqual(reported, [['slow and failing', 'evt_slow']])
})
