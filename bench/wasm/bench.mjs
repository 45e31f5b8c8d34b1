// @payvost/webhooks-wasm's constructEvent, in Node, against npm
// standardwebhooks' verify, npm stripe's constructEventAsync (its WebCrypto
// path, what edge users get today) and @payvost/node-sdk (napi), interleaved
// in one process. Run: make bench-wasm.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const require = createRequire(import.meta.url)
const { paymentEvent, SIZES } = require('../node/payloads.js')
const wasm = await import(process.env.PAYVOST_WASM || join(root, 'bindings-wasm', 'pkg', 'node.mjs'))
const napi = require(join(root, 'bindings-node'))
const fromWasmTools = (name) => require(require.resolve(name, { paths: [join(root, 'bindings-wasm')] }))
const Stripe = fromWasmTools('stripe')
const stripe = Stripe('sk_test_unused')
const webCrypto = Stripe.createSubtleCryptoProvider()
const { Webhook: StandardWebhook } = fromWasmTools('standardwebhooks')

const SECRET = 'whsec_1234567890'
const SW_SECRET = 'whsec_' + Buffer.from('bench-secret-bench-secret-0123456').toString('base64')

/** Batches of each contender in turn; async ones awaited call by call. Median ns per call. */
async function interleaved(contenders, { rounds = 15, budgetNs = 6e7 } = {}) {
  const time = async (c, n) => {
    const t0 = process.hrtime.bigint()
    if (c.async) for (let k = 0; k < n; k++) await c.fn()
    else for (let k = 0; k < n; k++) c.fn()
    return Number(process.hrtime.bigint() - t0)
  }
  const batches = []
  for (const c of contenders) {
    let n = 1
    while ((await time(c, n)) < 2e6) n *= 2
    batches.push(Math.max(1, Math.round((n * budgetNs) / 2e6 / rounds / contenders.length)))
  }
  const samples = contenders.map(() => [])
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of contenders.entries()) samples[i].push((await time(c, batches[i])) / batches[i])
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)])
}

const rows = []
for (const size of SIZES) {
  const buffer = paymentEvent(size)
  const bytes = new Uint8Array(buffer)
  const text = buffer.toString('utf8')
  const t = Math.floor(Date.now() / 1000)
  const header = wasm.generateTestHeaderString({ payload: bytes, secret: SECRET, timestamp: t })
  const sw = new StandardWebhook(SW_SECRET)
  const swHeaders = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(t), 'webhook-signature': sw.sign('msg_1', new Date(t * 1000), text) }
  const contenders = [
    { name: 'wasm', fn: () => wasm.constructEvent(bytes, header, SECRET) },
    { name: 'standardwebhooks', fn: () => sw.verify(text, swHeaders) },
    { name: 'stripe WebCrypto', async: true, fn: () => stripe.webhooks.constructEventAsync(text, header, SECRET, undefined, webCrypto) },
    { name: 'napi', fn: () => napi.webhooks.constructEvent(buffer, header, SECRET) },
  ]
  for (const c of contenders) {
    const event = await c.fn()
    if (event.id !== 'evt_1NxBench') throw new Error(`${c.name} gave a wrong event`)
  }
  const ns = await interleaved(contenders, { budgetNs: size > 20000 ? 2e8 : 6e7 })
  rows.push({ size, ...Object.fromEntries(contenders.map((c, i) => [c.name, ns[i]])) })
}

const human = (n) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`)
const us = (ns) => (ns >= 1e4 ? `${(ns / 1e3).toFixed(0)} µs` : `${(ns / 1e3).toFixed(2)} µs`)
const lines = [
  '| size | wasm | standardwebhooks | stripe `constructEventAsync` (WebCrypto) | napi | vs standardwebhooks (target ≥ 2x at 1 KiB) | vs stripe WebCrypto (target ≥ 3x at 1 KiB) | vs napi |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) =>
    `| ${human(r.size)} | ${us(r.wasm)} | ${us(r.standardwebhooks)} | ${us(r['stripe WebCrypto'])} | ${us(r.napi)} | ` +
    `**${(r.standardwebhooks / r.wasm).toFixed(2)}x** | **${(r['stripe WebCrypto'] / r.wasm).toFixed(2)}x** | ${(r.napi / r.wasm).toFixed(2)}x |`),
]
const version = (name) => JSON.parse(readFileSync(join(root, 'bindings-wasm', 'node_modules', name, 'package.json'), 'utf8')).version
const gz = (await import('node:zlib')).gzipSync(readFileSync(join(root, 'bindings-wasm', 'pkg', 'dist', 'payvost_wasm_bg.wasm')), { level: 9 }).length
const text = `Node ${process.version}, stripe ${version('stripe')}, standardwebhooks ${version('standardwebhooks')}; ` +
  `module ${(gz / 1024).toFixed(1)} KiB gzipped; median time per call over interleaved batches.\n\n${lines.join('\n')}`
console.log(text)
const readme = join(root, 'bench', 'README.md')
const [head, rest] = readFileSync(readme, 'utf8').split('<!-- wasm:begin -->')
writeFileSync(readme, `${head}<!-- wasm:begin -->\n${text}\n<!-- wasm:end -->${rest.split('<!-- wasm:end -->')[1]}`)
