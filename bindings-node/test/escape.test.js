'use strict'
// Seeded random and mutated inputs, 100,000 calls: only the SDK's error
// classes, with codes of protocol §6, ever come out (napi addon and WASM build alike).
const test = require('node:test')
const assert = require('node:assert/strict')
const payvost = require('./sdk')

const CALLS = Number(process.env.PAYVOST_ESCAPE_CALLS || 100_000)
const SECRET = 'whsec_escape'
const BODY = Buffer.from('{"id":"evt_1","type":"payment.succeeded","created":1764000000,"data":{"object":{"id":"pay_1","amount":2000}}}')

/** mulberry32: a small seeded generator, so a failure replays. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test(`${CALLS} random and mutated calls raise only SDK errors with codes of protocol §6`, () => {
  const random = rng(20261128)
  const int = (n) => Math.floor(random() * n)
  const pick = (items) => items[int(items.length)]
  const bytes = (n) => Uint8Array.from({ length: n }, () => int(256))
  const now = 1764000000
  const header = payvost.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: now })
  const mutate = (buffer) => {
    const copy = Uint8Array.from(buffer)
    for (let k = 1 + int(4); k > 0; k--) copy[int(copy.length)] = int(256)
    return random() < 0.3 ? copy.subarray(0, int(copy.length)) : copy
  }
  const odd = () => pick([undefined, null, 0, -1, NaN, Infinity, 1.5, 2 ** 60, 10n, true, '', 'x', {}, [], [1], new Int16Array(2),
    new DataView(new ArrayBuffer(4)), () => 1, Symbol('s'), new Date(NaN), { tolerance: 'x' }, { now: {} }])
  const codes = new Set(Object.values(payvost.errorCodes))
  let errors = 0
  let events = 0
  for (let i = 0; i < CALLS; i++) {
    const payload = pick([BODY, mutate(BODY), bytes(int(64)), mutate(BODY).buffer, BODY.toString(), String.fromCharCode(...bytes(20)), odd()])
    const sig = pick([header, header.slice(0, int(header.length)), header.replace(/\d/, String(int(10))), [header], [header, header],
      String.fromCharCode(...bytes(int(40))), odd()])
    const secret = pick([SECRET, [SECRET, 'whsec_b'], 'sk_live', ` ${SECRET}`, String.fromCharCode(...bytes(8)), odd()])
    const options = pick([undefined, 300, { now }, { now, tolerance: int(1000) }, { now: BigInt(now) }, { now: new Date(now * 1000) }, odd()])
    try {
      const outcome = i % 2
        ? payvost.webhooks.constructEvent(payload, sig, secret, options)
        : payvost.webhooks.verifyHeader(payload, sig, secret, options)
      assert.equal(typeof outcome, 'object')
      events++
    } catch (error) {
      if (!(error instanceof payvost.PayvostError) || !codes.has(error.code)) {
        assert.fail(`call ${i} threw ${error && error.name}: ${error && error.message} (${error && error.code})`)
      }
      errors++
    }
  }
  assert.equal(errors + events, CALLS)
  assert.ok(events > 0 && errors > 0, `${events} events, ${errors} errors`)
})

test('a detached ArrayBuffer, or a view over one, is the SDK error payload_wrong_type, never TypeError', () => {
  const header = payvost.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: 1764000000 })
  const detach = (buffer) => structuredClone(buffer, { transfer: [buffer] })
  const buffer = new Uint8Array(BODY).buffer
  const view = new Uint8Array(buffer)
  detach(buffer)
  for (const [what, payload] of [['ArrayBuffer', buffer], ['Uint8Array', view]]) {
    for (const call of [
      () => payvost.webhooks.constructEvent(payload, header, SECRET, { now: 1764000000 }),
      () => payvost.webhooks.verifyHeader(payload, header, SECRET, { now: 1764000000 }),
      () => payvost.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: 1764000000 }),
    ]) {
      assert.throws(call, (e) => {
        assert.ok(e instanceof payvost.PayvostInvalidPayloadError, `${what}: ${e.name}: ${e.message}`)
        assert.equal(e.code, 'payload_wrong_type')
        assert.equal(e.message, "The payload's ArrayBuffer is detached (transferred to a worker or by transfer()), " +
          'so its bytes can no longer be read: verify the body before transferring it, or pass a copy.')
        return true
      })
    }
  }
})

test('lone surrogates in every string argument become U+FFFD, as in Python; never a foreign exception', () => {
  const crypto = require('node:crypto')
  const NOW = 1764000000
  const header = payvost.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: NOW })
  const code = (fn) => {
    try {
      fn()
    } catch (e) {
      assert.ok(e instanceof payvost.PayvostError, `${e.name}: ${e.message}`)
      return e.code
    }
    return 'ok'
  }
  // In the header: a v1 that can never match; in t=, a malformed header.
  assert.equal(code(() => payvost.webhooks.constructEvent(BODY, header + '\ud800', SECRET, { now: NOW })), 'signature_mismatch')
  const broken = `t=17640\udc0000000,${header.split(',')[1]}`
  assert.equal(code(() => payvost.webhooks.constructEvent(BODY, broken, SECRET, { now: NOW })), 'header_malformed')
  // In a secret, alone or in a list: the key is the secret's text with U+FFFD.
  const signed = payvost.webhooks.generateTestHeaderString({ payload: BODY, secret: 'whsec_\ud800x', timestamp: NOW })
  const expected = crypto.createHmac('sha256', Buffer.from('whsec_\ufffdx')).update(`${NOW}.`).update(BODY).digest('hex')
  assert.equal(signed, `t=${NOW},v1=${expected}`)
  for (const secret of ['whsec_\ud800x', ['whsec_other', 'whsec_\ud800x']]) {
    assert.equal(payvost.webhooks.constructEvent(BODY, signed, secret, { now: NOW }).id, 'evt_1')
  }
  // In a string payload: verified as the bytes it encodes to.
  const body = '{"id":"evt_\ud800","type":"x","data":{"object":{}}}'
  const bodySigned = payvost.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: NOW })
  assert.equal(payvost.webhooks.constructEvent(Buffer.from(body), bodySigned, SECRET, { now: NOW }).id, 'evt_\ufffd')
})
