'use strict'
// The reusable verifier, and the one-line calls' cache of the last 16.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const payvost = require('./sdk')

const { webhooks, WebhookVerifier } = payvost
const NOW = 1764000000
const BODY = '{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}'
const sign = (secret, timestamp = NOW) => webhooks.generateTestHeaderString({ payload: BODY, secret, timestamp })

test('a verifier built once checks many deliveries', () => {
  const verifier = new WebhookVerifier('whsec_endpoint_a', { tolerance: 600 })
  for (let i = 0; i < 3; i++) {
    assert.equal(verifier.constructEvent(BODY, sign('whsec_endpoint_a'), { now: NOW + 500 }).id, 'evt_1')
  }
  assert.deepEqual(verifier.verifyHeader(BODY, sign('whsec_endpoint_a'), { now: NOW }), { timestamp: NOW, secretIndex: 0 })
  assert.throws(() => verifier.constructEvent(BODY, sign('whsec_endpoint_b'), { now: NOW }), { code: 'signature_mismatch' })
  assert.throws(() => verifier.constructEvent(BODY, sign('whsec_endpoint_a'), { now: NOW + 601 }), { code: 'timestamp_too_old' })
  verifier.free()
})

test('a rotating verifier reports which secret matched', () => {
  const verifier = new WebhookVerifier(['whsec_old', 'whsec_new'])
  assert.equal(verifier.verifyHeader(BODY, sign('whsec_new'), { now: NOW }).secretIndex, 1)
})

test('a bad secret or tolerance fails when the verifier is built', () => {
  assert.throws(() => new WebhookVerifier('sk_live_1'), { code: 'secret_invalid' })
  assert.throws(() => new WebhookVerifier(undefined), { code: 'secret_invalid', message: /is undefined: is PAYVOST_WEBHOOK_SECRET set\?/ })
  assert.throws(() => new WebhookVerifier('whsec_a', { tolerance: 0 }), { code: 'tolerance_invalid' })
})

test('util.inspect of a verifier shows no secret', () => {
  const shown = util.inspect(new WebhookVerifier('whsec_supersecret_1'), { showHidden: true, depth: 5 })
  assert.equal(shown, 'WebhookVerifier { tolerance: 300 }')
})

test('the one-line calls serve 8 endpoints in turn, each from its own verifier', () => {
  const secrets = Array.from({ length: 8 }, (_, i) => `whsec_endpoint_${i}`)
  for (let round = 0; round < 3; round++) {
    for (const secret of secrets) {
      assert.equal(webhooks.constructEvent(BODY, sign(secret), secret, { now: NOW }).id, 'evt_1')
      assert.throws(() => webhooks.constructEvent(BODY, sign(secret), secrets[(secrets.indexOf(secret) + 1) % 8], { now: NOW }), {
        code: 'signature_mismatch',
      })
    }
  }
})

test('more endpoints than the cache keeps still verify, as evicted verifiers are rebuilt', () => {
  const secrets = Array.from({ length: 20 }, (_, i) => `whsec_many_${i}`)
  for (let round = 0; round < 2; round++) {
    for (const secret of secrets) {
      assert.equal(webhooks.verifyHeader(BODY, sign(secret), secret, { now: NOW }).timestamp, NOW)
    }
  }
})
