'use strict'
// Messages that name the real cause: a mismatch names both usual causes (the
// body, then the secret) and a secret without its whsec_ prefix; an absent
// secret names what was passed and the variable the docs use.
const test = require('node:test')
const assert = require('node:assert/strict')
const payvost = require('./sdk')

const { webhooks } = payvost
const NOW = 1764000000
const BODY = '{"id":"evt_1","type":"x","data":{"object":{}}}'
const HEADER = webhooks.generateTestHeaderString({ payload: BODY, secret: 'whsec_right', timestamp: NOW })
const BOTH = 'No signature in the Payvost-Signature header matches this payload and secret. ' +
  'Either the body passed is not the raw request body, byte for byte as received (a JSON body parser ' +
  "re-serialises it), or the secret is not this endpoint's signing secret (whsec_...)"
const HINT = " With Express, mount express.raw({type: 'application/json'}) on the webhook route and pass req.body;" +
  ' a global express.json() parses the body before it reaches you.'

function message(fn) {
  try {
    fn()
  } catch (e) {
    return `${e.code}: ${e.message}`
  }
  assert.fail('nothing was thrown')
}

test('a wrong secret: both causes, body first, then the JavaScript hint', () => {
  assert.equal(
    message(() => webhooks.constructEvent(BODY, HEADER, 'whsec_wrong', { now: NOW })),
    `signature_mismatch: ${BOTH}.${HINT}`,
  )
})

test('a secret without whsec_ is named as such', () => {
  assert.equal(
    message(() => webhooks.constructEvent(BODY, HEADER, '1234567890', { now: NOW })),
    `signature_mismatch: ${BOTH}. The secret given does not start with whsec_, as every Payvost webhook ` +
      `signing secret does: it is most likely another value.${HINT}`,
  )
})

for (const [value, what] of [[undefined, 'undefined'], [null, 'null'], [false, 'false']]) {
  test(`an absent secret (${what}) names itself and PAYVOST_WEBHOOK_SECRET`, () => {
    const expected = `secret_invalid: The webhook signing secret is ${what}: is PAYVOST_WEBHOOK_SECRET set? ` +
      "Pass the endpoint's signing secret (whsec_...), as the docs read it from PAYVOST_WEBHOOK_SECRET"
    assert.equal(message(() => webhooks.constructEvent(BODY, HEADER, value, { now: NOW })), expected)
    assert.equal(message(() => webhooks.verifyHeader(BODY, HEADER, value, { now: NOW })), expected)
  })
}
