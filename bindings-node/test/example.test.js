'use strict'
// examples/node-express served on 127.0.0.1 and sent real deliveries.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { start, post, modulePath, until } = require('./http')
const payvost = require('./sdk')

const SECRET = 'whsec_example_secret'
const EXAMPLE = path.join(__dirname, '../../examples/node-express')

test('the Express example accepts signed deliveries once and rejects the rest', async (t) => {
  const server = await start(process.execPath, ['server.js'], {
    cwd: EXAMPLE,
    env: { PAYVOST_WEBHOOK_SECRET: SECRET, NODE_PATH: modulePath(payvost.__target) },
  })
  t.after(server.stop)
  const url = `${server.url}/webhooks/payvost`
  const now = Math.floor(Date.now() / 1000)
  const body = JSON.stringify({ id: 'evt_example_1', type: 'payment.succeeded', created: now,
    data: { object: { id: 'pay_1', amount: 2000, currency: 'eur' } } })
  const sign = (payload, timestamp = now, secret = SECRET) =>
    payvost.webhooks.generateTestHeaderString({ payload, secret, timestamp })

  const ok = await post(url, body, { 'payvost-signature': sign(body) })
  assert.equal(ok.status, 200, ok.text)
  assert.deepEqual(JSON.parse(ok.text), { received: true })

  const duplicate = await post(url, body, { 'payvost-signature': sign(body, now + 1) })
  assert.equal(duplicate.status, 200)
  assert.deepEqual(JSON.parse(duplicate.text), { received: true, duplicate: true })

  const forged = await post(url, body, { 'payvost-signature': sign(body, now, 'whsec_attacker') })
  assert.equal(forged.status, 400)
  assert.match(forged.text, /No signature in the Payvost-Signature header matches/)

  const tampered = await post(url, body.replace('2000', '1'), { 'payvost-signature': sign(body) })
  assert.equal(tampered.status, 400)

  const stale = await post(url, body, { 'payvost-signature': sign(body, now - 3600) })
  assert.equal(stale.status, 400)
  assert.match(stale.text, /seconds old/)

  const missing = await post(url, body)
  assert.equal(missing.status, 400)
  assert.match(missing.text, /missing/)

  // Processing runs after the answer: wait for it, then check it ran once.
  const processed = async () => (await fetch(`${server.url}/processed`)).json()
  await until(async () => (await processed()).length > 0, 'the example to process its event')
  assert.deepEqual(await processed(), ['evt_example_1'])
})
