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

  // The first delivery's work runs after its answer; until it completes, a
  // copy finds the event held (409, and Payvost would deliver it again).
  const copies = []
  await until(async () => {
    copies.push(await post(url, body, { 'payvost-signature': sign(body, now + 1) }))
    return copies.at(-1).status !== 409
  }, "the first delivery's work to complete")
  const duplicate = copies.at(-1)
  assert.equal(duplicate.status, 200)
  assert.deepEqual(JSON.parse(duplicate.text), { received: true, duplicate: true })
  for (const held of copies.slice(0, -1)) assert.equal(JSON.parse(held.text).error.code, 'event_in_progress')

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

test('the Next.js route on the Node.js runtime verifies, processes each event once, and refuses the rest', async (t) => {
  const fs = require('node:fs')
  const os = require('node:os')
  const { pathToFileURL } = require('node:url')
  const example = path.join(__dirname, '../../examples/nextjs-node')
  const config = (await import(pathToFileURL(path.join(example, 'next.config.mjs')))).default
  assert.deepEqual(config.serverExternalPackages, ['@payvost/node-sdk'])
  // The route as a project has it: beside a node_modules holding the package under test.
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'payvost-next-'))
  t.after(() => fs.rmSync(project, { recursive: true, force: true }))
  fs.mkdirSync(path.join(project, 'node_modules', '@payvost'), { recursive: true })
  fs.symlinkSync(path.resolve(payvost.__target), path.join(project, 'node_modules', '@payvost', 'node-sdk'))
  fs.copyFileSync(path.join(example, 'app/api/webhooks/payvost/route.js'), path.join(project, 'route.mjs'))
  process.env.PAYVOST_WEBHOOK_SECRET = SECRET
  const { POST, runtime } = await import(pathToFileURL(path.join(project, 'route.mjs')))
  assert.equal(runtime, 'nodejs')

  const body = JSON.stringify({ id: 'evt_next_node', type: 'payment.succeeded', data: { object: { id: 'pay_1' } } })
  const deliver = async (payload, secret = SECRET) => {
    const answer = await POST(new Request('https://example.com/api/webhooks/payvost', {
      method: 'POST',
      body: payload,
      headers: { 'payvost-signature': payvost.webhooks.generateTestHeaderString({ payload, secret }) },
    }))
    return [answer.status, await answer.json()]
  }
  assert.deepEqual(await deliver(body), [200, { received: true, id: 'evt_next_node', outcome: 'processed' }])
  assert.deepEqual(await deliver(body), [200, { received: true, id: 'evt_next_node', outcome: 'duplicate' }])
  const [forgedStatus, forged] = await deliver(body, 'whsec_attacker')
  assert.deepEqual([forgedStatus, forged.error.code], [400, 'signature_mismatch'])
  const [reusedStatus, reused] = await deliver(body.replace('pay_1', 'pay_2'))
  assert.deepEqual([reusedStatus, reused.error.code], [422, 'event_id_reused'])
})
