'use strict'
// `constructEvent` of @payvost/node-sdk against stripe-node (same scheme under
// its own header name), a hand-written node:crypto baseline and
// standardwebhooks, interleaved in one process. Run: make bench-node.
const crypto = require('node:crypto')
const path = require('node:path')
const { paymentEvent, SIZES, interleaved } = require('./payloads')

const sdkDir = process.env.PAYVOST_NODE_SDK || path.join(__dirname, '../../bindings-node')
const payvost = require(sdkDir)
const nm = (name) => require(require.resolve(name, { paths: [sdkDir] }))
const stripe = nm('stripe')('sk_test_unused')
const { Webhook: StandardWebhook } = nm('standardwebhooks')

const SECRET = 'whsec_1234567890'
const SW_SECRET = 'whsec_' + Buffer.from('bench-secret-bench-secret-0123456').toString('base64')

function handWritten(payload, header, secret, tolerance = 300) {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=')))
  const t = Number(parts.t)
  if (Math.abs(Date.now() / 1000 - t) > tolerance) throw new Error('stale')
  const expected = crypto.createHmac('sha256', secret).update(`${parts.t}.`).update(payload).digest()
  const given = Buffer.from(parts.v1, 'hex')
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw new Error('mismatch')
  return JSON.parse(payload.toString('utf8'))
}

const rows = []
for (const size of SIZES) {
  const payload = paymentEvent(size)
  const t = Math.floor(Date.now() / 1000)
  const header = payvost.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: t })
  const sw = new StandardWebhook(SW_SECRET)
  const swHeaders = {
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(t),
    'webhook-signature': sw.sign('msg_1', new Date(t * 1000), payload.toString('utf8')),
  }
  // Eight endpoints served in turn by the one-line call: its cache keeps a
  // verifier per secret, so this must stay within 10% of the one-secret row.
  const endpoints = Array.from({ length: 8 }, (_, i) => `whsec_endpoint_${i}`)
  const endpointHeaders = endpoints.map((secret) =>
    payvost.webhooks.generateTestHeaderString({ payload, secret, timestamp: t }))
  let turn = 0
  const contenders = [
    { name: 'payvost', fn: () => payvost.webhooks.constructEvent(payload, header, SECRET) },
    {
      name: 'payvost, 8 secrets',
      fn: () => {
        turn = (turn + 1) % 8
        return payvost.webhooks.constructEvent(payload, endpointHeaders[turn], endpoints[turn])
      },
    },
    { name: 'stripe', fn: () => stripe.webhooks.constructEvent(payload, header, SECRET) },
    { name: 'hand-written', fn: () => handWritten(payload, header, SECRET) },
    { name: 'standardwebhooks', fn: () => sw.verify(payload.toString('utf8'), swHeaders) },
  ]
  // Each contender must accept its input before it is timed.
  for (const c of contenders) if (c.fn().id !== 'evt_1NxBench') throw new Error(`${c.name} gave a wrong event`)
  const ns = interleaved(contenders, { budgetNs: size > 20000 ? 2e8 : 6e7 })
  rows.push({ size, ...Object.fromEntries(contenders.map((c, i) => [c.name, ns[i]])) })
}

const human = (n) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`)
const us = (ns) => (ns >= 1e4 ? `${(ns / 1e3).toFixed(0)} µs` : `${(ns / 1e3).toFixed(2)} µs`)
const lines = [
  '| size | payvost | payvost, 8 secrets in turn | stripe-node | hand-written `node:crypto` | standardwebhooks | 8 secrets / 1 (target ≤ 1.10x) | vs stripe (target ≥ 2x small, ≥ 1.2x large) | vs hand-written (target ≥ 0.9x) | vs standardwebhooks |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) =>
    `| ${human(r.size)} | ${us(r.payvost)} | ${us(r['payvost, 8 secrets'])} | ${us(r.stripe)} | ${us(r['hand-written'])} | ${us(r.standardwebhooks)} | ` +
    `**${(r['payvost, 8 secrets'] / r.payvost).toFixed(2)}x** | ` +
    `**${(r.stripe / r.payvost).toFixed(2)}x** | **${(r['hand-written'] / r.payvost).toFixed(2)}x** | ${(r.standardwebhooks / r.payvost).toFixed(2)}x |`),
]
const version = (name) => require(path.join(sdkDir, 'node_modules', name, 'package.json')).version
const text = `Node ${process.version}, stripe ${version('stripe')}, standardwebhooks ${version('standardwebhooks')}; ` +
  `median time per call over interleaved batches.\n\n${lines.join('\n')}`
console.log(text)

// Write the table between the markers of bench/README.md.
const fs = require('node:fs')
const readme = path.join(__dirname, '../README.md')
const [head, rest] = fs.readFileSync(readme, 'utf8').split('<!-- node:begin -->')
const tail = rest.split('<!-- node:end -->')[1]
fs.writeFileSync(readme, `${head}<!-- node:begin -->\n${text}\n<!-- node:end -->${tail}`)
