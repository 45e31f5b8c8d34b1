'use strict'
// Resident memory stays flat over many mixed valid and invalid calls, and a
// 100 MiB payload verifies with memory close to its own size. Scaled to
// seconds here; `make soak` runs 1,000,000 calls (PAYVOST_SOAK_CALLS).
const test = require('node:test')
const assert = require('node:assert/strict')
const v8 = require('node:v8')
const vm = require('node:vm')
const payvost = require('./sdk')

// A full collection on demand, so that what is measured is what is retained,
// not garbage V8 has not come back for yet.
v8.setFlagsFromString('--expose-gc')
const collect = vm.runInNewContext('gc')

const CALLS = Number(process.env.PAYVOST_SOAK_CALLS || 200_000)
const MB = 1024 * 1024

test(`resident memory stays within 10 MB over ${CALLS} mixed calls after warm-up`, async () => {
  const secret = 'whsec_memory'
  const now = 1764000000
  const body = Buffer.from('{"id":"evt_m","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":1}}}')
  const header = payvost.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: now })
  const calls = [
    () => payvost.webhooks.constructEvent(body, header, secret, { now }),
    () => payvost.webhooks.constructEvent(body.toString() + ' ', header, secret, { now }),
    () => payvost.webhooks.constructEvent(body, 't=1,v1=zz', secret, { now }),
    () => payvost.webhooks.constructEvent(body, header, 'sk_wrong', { now }),
    () => payvost.webhooks.constructEvent({ parsed: true }, header, secret, { now }),
    () => payvost.webhooks.verifyHeader(body, header, [secret, 'whsec_b'], { now: now + 999 }),
  ]
  // As in a server, the event loop turns between requests: native verifiers
  // dropped by the SDK's one-entry cache are freed by finalizers that only
  // run then (napi's deferred finalizers, wasm-bindgen's FinalizationRegistry).
  const settle = async () => {
    collect()
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setTimeout(resolve, 10))
    collect()
  }
  const run = async (n) => {
    for (let i = 0; i < n; i++) {
      try {
        calls[i % calls.length]()
      } catch (error) {
        if (!(error instanceof payvost.PayvostError)) throw error
      }
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve))
    }
  }
  await run(CALLS / 4) // warm-up: the JIT, the module and the heap reach their sizes
  await settle()
  const before = process.memoryUsage().rss
  await run(CALLS)
  await settle()
  const growth = process.memoryUsage().rss - before
  console.log(`# rss growth over ${CALLS} calls: ${(growth / MB).toFixed(1)} MB`)
  assert.ok(growth < 10 * MB, `${(growth / MB).toFixed(1)} MB`)
})

test('a 100 MiB payload verifies with memory close to its own size', () => {
  const secret = 'whsec_big'
  const payload = Buffer.alloc(100 * MB, 0x20)
  const header = payvost.webhooks.generateTestHeaderString({ payload, secret, timestamp: 1764000000 })
  const before = process.memoryUsage().rss
  const verified = payvost.webhooks.verifyHeader(payload, header, secret, { now: 1764000000 })
  assert.equal(verified.secretIndex, 0)
  const extra = process.memoryUsage().rss - before
  console.log(`# rss beyond the payload while verifying 100 MiB: ${(extra / MB).toFixed(1)} MB`)
  // The napi addon reads the buffer in place; the WebAssembly module copies it into its memory once.
  assert.ok(extra < 110 * MB, `${(extra / MB).toFixed(1)} MB`)
})
