'use strict'
// What a call says when it is handed something it does not take, word for
// word, and what an error echoes of the header and payload it was given
// (protocol §6): the cases StrykerJS found no test would notice changing.
const test = require('node:test')
const assert = require('node:assert/strict')
const payvost = require('./sdk')

const { webhooks, EventRouter } = payvost
const SECRET = 'whsec_arguments'
const body = '{"id":"evt_1","type":"payment.succeeded","data":{"object":{}}}'
const header = webhooks.generateTestHeaderString({ payload: body, secret: SECRET })

/** The class name, code and message `call` throws or rejects with. */
async function refusal(call) {
  try {
    await call()
  } catch (error) {
    return [error.name, error.code, error.message]
  }
  assert.fail('it did not refuse')
}

test('constructEventFromRequest names what it was given when that is not a Request', async () => {
  const takes = 'constructEventFromRequest takes a WHATWG Request (as in Next.js, Hono, Remix), not'
  const cases = [
    [null, 'null'],
    [{}, 'an object (Object)'],
    [{ arrayBuffer() {}, headers: null }, 'an object (Object)'],
    [{ arrayBuffer() {}, headers: {} }, 'an object (Object)'],
    [{ arrayBuffer: 1, headers: new Headers() }, 'an object (Object)'],
    ['https://example.com/', 'a string'],
    [[1], 'an array'],
  ]
  for (const [given, named] of cases) {
    assert.deepEqual(await refusal(() => webhooks.constructEventFromRequest(given, SECRET)),
      ['PayvostInvalidPayloadError', 'payload_wrong_type', `${takes} ${named}.`], named)
  }
})

test('the one-line calls and the test helper name each argument they refuse', async () => {
  assert.deepEqual(await refusal(() => webhooks.generateTestHeaderString(null)),
    ['PayvostInvalidPayloadError', 'payload_wrong_type', 'generateTestHeaderString takes {payload, secret, timestamp?}, not null.'])
  assert.deepEqual(await refusal(() => webhooks.generateTestHeaderString({ payload: body, secret: 3 })),
    ['PayvostConfigurationError', 'secret_invalid', 'The secret must be a string, not a number.'])
  assert.deepEqual(await refusal(() => webhooks.constructEvent(body, header, [1])), ['PayvostConfigurationError', 'secret_invalid',
    'The webhook signing secret must be a string (whsec_...) or an array of them, not an array.'])
  assert.deepEqual(await refusal(() => webhooks.constructEvent(body, header, SECRET, '300')), ['PayvostConfigurationError',
    'tolerance_invalid', 'The fourth argument must be a tolerance in seconds or {tolerance, now}, not a string.'])
  assert.deepEqual(await refusal(() => webhooks.constructEvent(body, header, SECRET, { now: 'x' })), ['PayvostConfigurationError',
    'tolerance_invalid', '`now` must be unix seconds (a number or bigint) or a Date, not a string.'])
  assert.deepEqual(await refusal(() => webhooks.constructEvent(body, 3, SECRET)),
    ['PayvostSignatureVerificationError', 'header_malformed', 'The Payvost-Signature header must be a string, not a number.'])
  const [name, code, message] = await refusal(() => webhooks.constructEvent(new Map(), header, SECRET))
  assert.deepEqual([name, code], ['PayvostInvalidPayloadError', 'payload_wrong_type'])
  assert.ok(message.startsWith('The payload must be the raw request body (a Buffer, Uint8Array, ArrayBuffer or string), ' +
    'not an object (Map). With Express, ') && message.endsWith('with fetch-style frameworks, pass await request.text() or use ' +
    'constructEventFromRequest.'), message)
})

test('an error echoes at most 100 bytes of the header and payload, never half a character', () => {
  const caught = (payload, sigHeader) => {
    try {
      webhooks.constructEvent(payload, sigHeader, SECRET)
    } catch (error) {
      return error
    }
    assert.fail('it verified')
  }
  // 't=1,v1=' and 46 é are 99 bytes: the 47th é would straddle the cut.
  const long = caught(body, `t=1,v1=${'é'.repeat(80)}`)
  assert.equal(long.header, `t=1,v1=${'é'.repeat(46)}`)
  // A byte order mark is kept as sent, and a byte that is not UTF-8 shows as U+FFFD.
  assert.equal(caught(body, '\uFEFFt=1,v1=ab').header, '\uFEFFt=1,v1=ab')
  assert.equal(caught(Buffer.from([0x7b, 0xff, 0x7d]), header).payload, '{\uFFFD}')
  assert.equal(caught(body, undefined).header, '')
})

test('isKnownEvent tells the event types this SDK knows from the rest', () => {
  assert.deepEqual([{ type: 'payment.succeeded' }, { type: 'payment.unheard_of' }, null, 'payment.succeeded', { type: 7 }]
    .map(webhooks.isKnownEvent), [true, false, false, false, false])
})

test('a WebhookVerifier takes its call options absent, null, or with now', () => {
  const verifier = new webhooks.WebhookVerifier(SECRET)
  const now = Math.floor(Date.now() / 1000)
  for (const options of [undefined, null, { now }, { now: BigInt(now) }]) {
    assert.equal(verifier.verifyHeader(body, header, options).secretIndex, 0, String(options))
  }
  assert.equal(typeof verifier.verifyHeader(body, header, { now: BigInt(now) }).timestamp, 'bigint')
})

test('the router names the method and what it was given', () => {
  const router = new EventRouter()
  const thrown = (call) => {
    try {
      call()
    } catch (error) {
      assert.ok(error instanceof TypeError)
      return error.message
    }
    return 'no error'
  }
  assert.deepEqual([
    thrown(() => router.onUnhandled(3)),
    thrown(() => router.on(null, () => {})),
    thrown(() => router.on('payment.succeeded', 'x')),
    thrown(() => router.on(5, () => {})),
  ], [
    'EventRouter.onUnhandled takes a function (event) => ..., not number.',
    "EventRouter.on takes an event type such as 'payment.succeeded', not null.",
    'EventRouter.on takes a function (event) => ..., not "x".',
    "EventRouter.on takes an event type such as 'payment.succeeded', not number.",
  ])
})
