'use strict'
// The API surface: argument types, error classes and codes, messages, the
// test-header helper. Every case has a fixed `now`.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const payvost = require('./sdk')

const { webhooks } = payvost
const SECRET = 'whsec_test_secret_1234'
const NOW = 1764000000
const BODY = '{"id":"evt_1","type":"payment.succeeded","created":1764000000,"data":{"object":{"id":"pay_1","amount":2000,"currency":"eur"}}}'
const HEADER = webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: NOW })
const at = { now: NOW }

/** Asserts that `fn` throws the SDK's `cls` with `code`, and returns the error. */
function throwsCode(fn, cls, code) {
  let caught
  assert.throws(fn, (e) => {
    caught = e
    return true
  })
  assert.ok(caught instanceof cls, `${caught && caught.name}: ${caught && caught.message}`)
  assert.ok(caught instanceof payvost.PayvostError)
  assert.ok(caught instanceof Error)
  assert.equal(caught.code, code, caught.message)
  assert.equal(caught.name, cls.name)
  return caught
}

test('every payload type verifies the same bytes', () => {
  const bytes = Buffer.from(BODY)
  const padded = new Uint8Array(bytes.length + 10)
  padded.set(bytes, 5)
  for (const payload of [
    BODY,
    bytes,
    new Uint8Array(bytes),
    padded.subarray(5, 5 + bytes.length),
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
  ]) {
    const event = webhooks.constructEvent(payload, HEADER, SECRET, at)
    assert.equal(event.id, 'evt_1')
    assert.deepEqual(event, JSON.parse(BODY))
  }
})

test('a parsed body is payload_wrong_type and says to use express.raw', () => {
  for (const payload of [JSON.parse(BODY), null, undefined, 42, [1], new Int16Array(4), new DataView(new ArrayBuffer(2))]) {
    const e = throwsCode(
      () => webhooks.constructEvent(payload, HEADER, SECRET, at),
      payvost.PayvostInvalidPayloadError,
      'payload_wrong_type',
    )
    assert.match(e.message, /express\.raw\(\{type: 'application\/json'\}\)/)
    assert.match(e.message, /req\.body/)
  }
})

test('header: string, one-element array, absent, several', () => {
  assert.equal(webhooks.constructEvent(BODY, [HEADER], SECRET, at).id, 'evt_1')
  for (const missing of [undefined, null, '', [], '  ']) {
    throwsCode(() => webhooks.constructEvent(BODY, missing, SECRET, at), payvost.PayvostSignatureVerificationError, 'header_missing')
  }
  const several = throwsCode(
    () => webhooks.constructEvent(BODY, [HEADER, HEADER], SECRET, at),
    payvost.PayvostSignatureVerificationError,
    'header_malformed',
  )
  assert.match(several.message, /2 Payvost-Signature headers/)
  for (const odd of [42, {}, [1]]) {
    throwsCode(() => webhooks.constructEvent(BODY, odd, SECRET, at), payvost.PayvostSignatureVerificationError, 'header_malformed')
  }
})

test('secret: a string or a list; anything else is secret_invalid', () => {
  const other = 'whsec_other'
  assert.equal(webhooks.verifyHeader(BODY, HEADER, [other, SECRET], at).secretIndex, 1)
  for (const bad of [42, null, undefined, [], [SECRET, 7], {}]) {
    throwsCode(() => webhooks.constructEvent(BODY, HEADER, bad, at), payvost.PayvostConfigurationError, 'secret_invalid')
  }
  const apiKey = throwsCode(() => webhooks.constructEvent(BODY, HEADER, 'sk_live_abc', at), payvost.PayvostConfigurationError, 'secret_invalid')
  assert.match(apiKey.message, /whsec_/)
  throwsCode(() => webhooks.constructEvent(BODY, HEADER, `${SECRET}\n`, at), payvost.PayvostConfigurationError, 'secret_invalid')
})

test('the verifier kept for a secret is not reused for another', () => {
  assert.equal(webhooks.constructEvent(BODY, HEADER, SECRET, at).id, 'evt_1')
  throwsCode(() => webhooks.constructEvent(BODY, HEADER, 'whsec_someone_else', at), payvost.PayvostSignatureVerificationError, 'signature_mismatch')
  throwsCode(() => webhooks.constructEvent(BODY, HEADER, [SECRET + 'x'], at), payvost.PayvostSignatureVerificationError, 'signature_mismatch')
  assert.equal(webhooks.constructEvent(BODY, HEADER, [SECRET], at).id, 'evt_1')
  // Same secret, other tolerance: the window must change.
  const old = { now: NOW + 400 }
  throwsCode(() => webhooks.constructEvent(BODY, HEADER, SECRET, old), payvost.PayvostSignatureVerificationError, 'timestamp_too_old')
  assert.equal(webhooks.constructEvent(BODY, HEADER, SECRET, { ...old, tolerance: 600 }).id, 'evt_1')
})

test('tolerance and now: number, options object, Date, bigint', () => {
  const date = new Date((NOW + 250) * 1000)
  assert.equal(webhooks.constructEvent(BODY, HEADER, SECRET, { now: date }).id, 'evt_1')
  assert.equal(webhooks.constructEvent(BODY, HEADER, SECRET, { now: BigInt(NOW) }).id, 'evt_1')
  const e = throwsCode(
    () => webhooks.constructEvent(BODY, HEADER, SECRET, { now: NOW + 301 }),
    payvost.PayvostSignatureVerificationError,
    'timestamp_too_old',
  )
  assert.match(e.message, /301 seconds old/)
  assert.match(e.message, /tolerance of 300 seconds/)
  throwsCode(() => webhooks.constructEvent(BODY, HEADER, SECRET, { now: NOW - 301 }), payvost.PayvostSignatureVerificationError, 'timestamp_too_new')
  // A plain number is the tolerance, as in stripe-node; the clock is then the system's.
  throwsCode(() => webhooks.constructEvent(BODY, HEADER, SECRET, 600), payvost.PayvostSignatureVerificationError, 'timestamp_too_old')
  for (const bad of [0, -1, 1.5, 2592001, NaN, Infinity, '300', { tolerance: '300' }, { tolerance: null }, [300]]) {
    throwsCode(() => webhooks.constructEvent(BODY, HEADER, SECRET, bad), payvost.PayvostConfigurationError, 'tolerance_invalid')
  }
  for (const now of [NaN, Infinity, '1764000000', new Date('nonsense'), {}]) {
    throwsCode(() => webhooks.constructEvent(BODY, HEADER, SECRET, { now }), payvost.PayvostConfigurationError, 'tolerance_invalid')
  }
})

test('errors carry at most 100 bytes of the header and payload, never the secret', () => {
  const long = 'x'.repeat(5000)
  const e = throwsCode(
    () => webhooks.constructEvent(long, `t=${NOW},v1=${'0'.repeat(64)},x=${'y'.repeat(500)}`, SECRET, at),
    payvost.PayvostSignatureVerificationError,
    'signature_mismatch',
  )
  assert.equal(e.payload, 'x'.repeat(100))
  assert.ok(Buffer.byteLength(e.header) <= 100)
  const shown = [util.inspect(e), JSON.stringify(e), e.message, e.stack].join(' ')
  assert.ok(!shown.includes(SECRET), shown)
  const wrong = throwsCode(() => webhooks.constructEvent(BODY, HEADER, 'sk_' + SECRET, at), payvost.PayvostConfigurationError, 'secret_invalid')
  assert.ok(![util.inspect(wrong), wrong.message].join(' ').includes(SECRET))
})

test('signature_mismatch names the JSON body parser', () => {
  const e = throwsCode(() => webhooks.constructEvent(BODY + ' ', HEADER, SECRET, at), payvost.PayvostSignatureVerificationError, 'signature_mismatch')
  assert.match(e.message, /raw request body/)
  assert.match(e.message, /express\.json\(\)/)
})

test('authentic but not an event', () => {
  const sign = (body) => webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: NOW })
  for (const [body, code] of [
    ['[1,2]', 'payload_invalid_json'],
    ['{"id":"evt_1"', 'payload_invalid_json'],
    ['{"id":"evt_1","type":"x"}', 'payload_invalid_event'],
    ['{"id":"","type":"x","data":{"object":{}}}', 'payload_invalid_event'],
  ]) {
    throwsCode(() => webhooks.constructEvent(body, sign(body), SECRET, at), payvost.PayvostInvalidPayloadError, code)
  }
})

test('a string with a lone surrogate is verified as the bytes it encodes to', () => {
  const body = '{"id":"evt_1","type":"x","data":{"object":{"n":"\ud800"}}}'
  const header = webhooks.generateTestHeaderString({ payload: Buffer.from(body, 'utf8'), secret: SECRET, timestamp: NOW })
  const event = webhooks.constructEvent(body, header, SECRET, at)
  assert.equal(event.data.object.n, '\ufffd')
})

test('a polluted Object.prototype supplies no envelope member', () => {
  const body = '{"type":"x","data":{"object":{}}}'
  const header = webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: NOW })
  Object.prototype.id = 'evt_polluted'
  try {
    throwsCode(() => webhooks.constructEvent(body, header, SECRET, at), payvost.PayvostInvalidPayloadError, 'payload_invalid_event')
  } finally {
    delete Object.prototype.id
  }
})

test('generateTestHeaderString', () => {
  assert.match(webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET }), /^t=\d{10},v1=[0-9a-f]{64}$/)
  assert.equal(
    webhooks.generateTestHeaderString({ payload: Buffer.from(BODY), secret: SECRET, timestamp: new Date(NOW * 1000) }),
    HEADER,
  )
  throwsCode(() => webhooks.generateTestHeaderString({ payload: BODY, secret: 7 }), payvost.PayvostConfigurationError, 'secret_invalid')
  throwsCode(() => webhooks.generateTestHeaderString({ payload: {}, secret: SECRET }), payvost.PayvostInvalidPayloadError, 'payload_wrong_type')
  throwsCode(() => webhooks.generateTestHeaderString(undefined), payvost.PayvostInvalidPayloadError, 'payload_wrong_type')
})

test('generateTestHeaderString refuses what no verifier would accept', () => {
  const sign = (secret, timestamp) => () => webhooks.generateTestHeaderString({ payload: BODY, secret, timestamp })
  for (const [secret, message] of [
    ['', 'The webhook signing secret is empty'],
    ['sk_live_1', 'The webhook signing secret starts with sk_ and looks like an API key; the webhook signing secret starts with whsec_'],
    [' whsec_x', 'The webhook signing secret starts or ends with whitespace, often a newline copied from a .env file; remove it, the secret is used exactly as given'],
  ]) {
    assert.equal(throwsCode(sign(secret, NOW), payvost.PayvostConfigurationError, 'secret_invalid').message, message)
  }
  assert.equal(
    throwsCode(sign(SECRET, -1), payvost.PayvostConfigurationError, 'tolerance_invalid').message,
    "Cannot sign at timestamp -1: a Payvost-Signature's t is whole unix seconds from 0, and every verifier refuses a negative one as header_malformed",
  )
  assert.match(sign(SECRET, 0)(), /^t=0,v1=[0-9a-f]{64}$/)
})

test('error codes: exported, complete, the same as the core', () => {
  const spec = [
    'secret_invalid', 'tolerance_invalid', 'header_missing', 'header_malformed', 'no_signatures',
    'signature_mismatch', 'timestamp_too_old', 'timestamp_too_new', 'payload_invalid_json',
    'payload_invalid_event', 'payload_wrong_type', 'option_invalid',
    'event_in_progress', 'store_unavailable', 'event_id_reused', 'lease_lost', 'receiver_busy',
  ]
  assert.deepEqual(Object.values(payvost.errorCodes), spec)
  assert.equal(payvost.errorCodes.SIGNATURE_MISMATCH, 'signature_mismatch')
  assert.equal(webhooks.errorCodes, payvost.errorCodes)
  assert.ok(Object.isFrozen(payvost.errorCodes))
  assert.equal(payvost.DEFAULT_TOLERANCE, 300)
  assert.equal(webhooks.DEFAULT_TOLERANCE, 300)
})

test("the docs' snippet, as written", () => {
  // From the Payvost webhook docs, with a stand-in for Express's req and res.
  const req = { body: Buffer.from(BODY), headers: { 'payvost-signature': webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET }) } }
  const sent = []
  const res = { status: (code) => ({ send: (text) => sent.push([code, text]) }), json: (value) => sent.push([200, value]) }
  process.env.PAYVOST_WEBHOOK_SECRET = SECRET
  ;((req, res) => {
    let event
    try {
      event = payvost.webhooks.constructEvent(req.body, req.headers['payvost-signature'], process.env.PAYVOST_WEBHOOK_SECRET)
    } catch (err) {
      return res.status(400).send(`Webhook Error: ${err.message}`)
    }
    res.json({ received: true })
  })(req, res)
  assert.deepEqual(sent, [[200, { received: true }]])
})
