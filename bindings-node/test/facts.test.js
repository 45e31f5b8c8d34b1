'use strict'
// The drift test: every fact this package states (its exports, the class of
// each error code, the literals of index.d.ts) is the core's, as the core
// writes them to tests/vectors/facts.json. The package itself reads them from
// the core when it loads (js/facts.mjs); this holds the copies that cannot.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const payvost = require('./sdk')

const ROOT = path.join(__dirname, '..', '..')
const facts = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/vectors/facts.json'), 'utf8'))
const { webhooks } = payvost
const SECRET = 'whsec_drift'
const NOW = 1764000000
const BODY = '{"id":"evt_1","type":"x","data":{"object":{}}}'
const sign = (body, timestamp = NOW) => webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp })

test('DEFAULT_TOLERANCE and errorCodes are the core\'s', () => {
  assert.equal(payvost.DEFAULT_TOLERANCE, facts.tolerance.default)
  assert.equal(webhooks.DEFAULT_TOLERANCE, facts.tolerance.default)
  assert.deepEqual(Object.values(payvost.errorCodes), facts.errors.map((e) => e.code))
})

/**
 * A store answering as told, to reach each of the guard's codes here
 * (test/idempotency.test.js reaches them on the real stores).
 */
function guarded(answer) {
  const { IdempotencyGuard, RedisStore } = payvost.idempotency
  const scripted = {
    claim: async () => (answer === 'lost' ? ['claimed', 1] : [answer, 1]),
    renew: async () => true,
    release: async () => true,
    complete: async () => false,
  }
  const failing = new RedisStore({ evalsha: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:6379') } })
  const event = webhooks.constructEvent(BODY, sign(BODY), SECRET, { now: NOW })
  return new IdempotencyGuard({ store: answer === 'down' ? failing : scripted }).process(event, BODY, () => {})
}

test('every code gets the class of its category in the core', async () => {
  const classOf = {
    signature: payvost.PayvostSignatureVerificationError,
    payload: payvost.PayvostInvalidPayloadError,
    configuration: payvost.PayvostConfigurationError,
    processing: payvost.PayvostIdempotencyError,
  }
  const at = (extra) => ({ now: NOW, ...extra })
  const calls = {
    secret_invalid: () => webhooks.constructEvent(BODY, sign(BODY), 'sk_live_1', at()),
    tolerance_invalid: () => webhooks.constructEvent(BODY, sign(BODY), SECRET, at({ tolerance: 0 })),
    header_missing: () => webhooks.constructEvent(BODY, '', SECRET, at()),
    header_malformed: () => webhooks.constructEvent(BODY, 'v1', SECRET, at()),
    no_signatures: () => webhooks.constructEvent(BODY, `t=${NOW}`, SECRET, at()),
    signature_mismatch: () => webhooks.constructEvent(BODY, sign('{}'), SECRET, at()),
    timestamp_too_old: () => webhooks.constructEvent(BODY, sign(BODY, NOW - 301), SECRET, at()),
    timestamp_too_new: () => webhooks.constructEvent(BODY, sign(BODY, NOW + 301), SECRET, at()),
    payload_invalid_json: () => webhooks.constructEvent('{', sign('{'), SECRET, at()),
    payload_invalid_event: () => webhooks.constructEvent('{}', sign('{}'), SECRET, at()),
    payload_wrong_type: () => webhooks.constructEvent({}, sign(BODY), SECRET, at()),
    option_invalid: () => webhooks.middleware({ secret: SECRET, limit: '1mb' }),
    event_in_progress: () => guarded('in_progress'),
    store_unavailable: () => guarded('down'),
    event_id_reused: () => guarded('reused'),
    lease_lost: () => guarded('lost'),
  }
  // receiver_busy is only ever answered (503, by an adapter past its
  // maxConcurrent: test/delivery.test.js), never thrown to the application.
  const thrown = facts.errors.filter((e) => e.code !== 'receiver_busy')
  assert.deepEqual(Object.keys(calls).sort(), thrown.map((e) => e.code).sort())
  for (const { code, category } of thrown) {
    await assert.rejects(async () => calls[code](), (e) => e.code === code && e instanceof classOf[category], code)
  }
})

test('an echoed payload is cut at the core\'s echo limit, in bytes', () => {
  const body = `{"id":"evt_1","type":"x","data":{"object":{}},"pad":"${'é'.repeat(200)}"}`
  assert.throws(() => webhooks.constructEvent(body, sign('{}'), SECRET, { now: NOW }), (e) => {
    return Buffer.byteLength(e.payload) <= facts.echo_limit && e.payload.startsWith('{"id":"evt_1"')
  })
})

test('index.d.ts states the core\'s codes and default tolerance', () => {
  const types = fs.readFileSync(path.join(ROOT, 'js/index.d.ts'), 'utf8')
  const union = types.match(/export type ErrorCode =([^]*?)\n\n/)[1]
  assert.deepEqual([...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]), facts.errors.map((e) => e.code))
  const tolerances = [...types.matchAll(/DEFAULT_TOLERANCE: (\d+)/g)].map((m) => Number(m[1]))
  assert.ok(tolerances.length >= 3)
  for (const value of tolerances) assert.equal(value, facts.tolerance.default)
})

test("isKnownEvent and index.d.ts's event types are the core's", () => {
  const types = fs.readFileSync(path.join(ROOT, 'js/index.d.ts'), 'utf8')
  // PaymentEventType lists the types whose object is a payment, and so on.
  const declared = [...types.matchAll(/export type (Payment|Subscription|Refund|Customer|Dispute)EventType =([^]*?)\n(?=\S)/g)]
    .flatMap((m) => [...m[2].matchAll(/'([a-z_.]+)'/g)].map((n) => ({ name: n[1], object: m[1].toLowerCase() })))
  const byName = (a, b) => a.name.localeCompare(b.name)
  assert.deepEqual(declared.sort(byName), [...facts.event_types].sort(byName))
  for (const { name } of facts.event_types) {
    assert.equal(webhooks.isKnownEvent({ id: 'evt_1', type: name, data: { object: {} } }), true, name)
  }
  for (const other of ['payment.succeded', 'Payment.succeeded', '', undefined]) {
    assert.equal(webhooks.isKnownEvent({ id: 'evt_1', type: other, data: { object: {} } }), false, String(other))
  }
  assert.equal(webhooks.isKnownEvent(null), false)
  assert.equal(webhooks.isKnownEvent('payment.succeeded'), false)
})

test('the calls are named exports too, the very functions of webhooks', () => {
  for (const name of ['constructEvent', 'verifyHeader', 'generateTestHeaderString', 'constructEventFromRequest', 'isKnownEvent']) {
    assert.equal(typeof payvost[name], 'function', name)
    assert.equal(payvost[name], webhooks[name], name)
  }
})

test("index.d.ts's DeliveryRecord has the core's fields and outcomes", () => {
  const types = fs.readFileSync(path.join(ROOT, 'js/index.d.ts'), 'utf8')
  const record = types.match(/export interface DeliveryRecord \{([^]*?)\n\}/)[1]
  assert.deepEqual([...record.matchAll(/^ {2}([a-z_]+)\??:/gm)].map((m) => m[1]), facts.delivery.fields)
  const outcomes = record.match(/outcome: ([^\n]*)/)[1]
  assert.deepEqual([...outcomes.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]), facts.delivery.outcomes)
})
