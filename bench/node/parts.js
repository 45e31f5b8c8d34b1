'use strict'
// Where a Node call's time goes: the docs' call, the prebuilt verifier's two
// calls, JSON.parse of the same body, and stripe-node's constructEvent, on
// the same payloads, interleaved batch by batch in one process. Run:
// `make bench-node-parts`; it writes its table into bench/README.md between
// the markers named by PAYVOST_BENCH_MARK (default `node-parts`).
const path = require('node:path')
const { paymentEvent, interleaved } = require('./payloads')

const sdkDir = process.env.PAYVOST_NODE_SDK || path.join(__dirname, '../../bindings-node')
const payvost = require(sdkDir)
// stripe-node from this repository's dev dependencies, whichever SDK is measured.
const stripe = require(require.resolve('stripe', { paths: [path.join(__dirname, '../../bindings-node')] }))('sk_test_unused')

const SECRET = 'whsec_1234567890'

/** A payment event whose size is one long description: what JSON.parse reads fastest. */
function describedEvent(size) {
  const head = '{"id":"evt_1NxBench","type":"payment.succeeded","created":1764000000,"data":{"object":' +
    '{"id":"pay_test_1234567890","amount":2000,"currency":"eur","description":"'
  const tail = '"}}}'
  return Buffer.from(head + 'x'.repeat(size - head.length - tail.length) + tail)
}

const SHAPES = { 'line items': paymentEvent, 'one long string': describedEvent }
const rows = []
for (const [shape, make] of Object.entries(SHAPES)) for (const size of [256, 1024, 16 * 1024]) {
  const payload = make(size)
  const text = payload.toString('utf8')
  const header = payvost.webhooks.generateTestHeaderString({ payload, secret: SECRET })
  const verifier = new payvost.WebhookVerifier(SECRET)
  const contenders = [
    { name: 'webhooks.constructEvent', fn: () => payvost.webhooks.constructEvent(payload, header, SECRET) },
    { name: 'WebhookVerifier.constructEvent', fn: () => verifier.constructEvent(payload, header) },
    { name: 'WebhookVerifier.verifyHeader', fn: () => verifier.verifyHeader(payload, header) },
    { name: 'JSON.parse', fn: () => JSON.parse(text) },
    { name: 'stripe', fn: () => stripe.webhooks.constructEvent(payload, header, SECRET) },
  ]
  const ns = interleaved(contenders, { rounds: 31, budgetNs: 1.5e8 })
  rows.push({ shape, size, ...Object.fromEntries(contenders.map((c, i) => [c.name, ns[i]])) })
}

const human = (n) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`)
const us = (ns) => `${(ns / 1e3).toFixed(2)} µs`
const lines = [
  '| payload | size | `webhooks.constructEvent` | `WebhookVerifier.constructEvent` | `WebhookVerifier.verifyHeader` | `JSON.parse` of the body | stripe-node `constructEvent` | docs\' call vs stripe-node |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.shape} | ${human(r.size)} | ${us(r['webhooks.constructEvent'])} | ${us(r['WebhookVerifier.constructEvent'])} | ` +
    `${us(r['WebhookVerifier.verifyHeader'])} | ${us(r['JSON.parse'])} | ${us(r.stripe)} | ` +
    `**${(r.stripe / r['webhooks.constructEvent']).toFixed(2)}x** |`),
]
const text = `Node ${process.version}, ${payvost.webhooks.backend} backend; median time per call over interleaved batches.\n\n${lines.join('\n')}`
console.log(text)

const mark = process.env.PAYVOST_BENCH_MARK || 'node-parts'
const fs = require('node:fs')
const readme = path.join(__dirname, '../README.md')
const [head, rest] = fs.readFileSync(readme, 'utf8').split(`<!-- ${mark}:begin -->`)
if (rest === undefined) {
  console.error(`bench/README.md has no <!-- ${mark}:begin --> marker: the table was not written.`)
} else {
  const tail = rest.split(`<!-- ${mark}:end -->`)[1]
  fs.writeFileSync(readme, `${head}<!-- ${mark}:begin -->\n${text}\n<!-- ${mark}:end -->${tail}`)
}
