'use strict'
// The AWS Lambda door: every event of tests/vectors/lambda.json through
// constructEventFromLambda and through the webhooks.lambda handler, whose
// answers are checked in each front end's shape.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const payvost = require('./sdk')
const { withEnv } = require('./env')

const DOC = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/lambda.json'), 'utf8'))
const byId = Object.fromEntries(DOC.cases.map((c) => [c.id.slice('lambda/'.length), c]))
const SECRET = DOC.cases[0].secrets[0]
const NOW = DOC.cases[0].now
const FRONTS = ['rest', 'http', 'url', 'alb']

for (const c of DOC.cases) {
  test(`constructEventFromLambda: ${c.id}`, () => {
    const verify = () => payvost.webhooks.constructEventFromLambda(c.event, c.secrets[0], { now: c.now })
    if (c.expected.error) {
      assert.throws(verify, (e) => {
        assert.ok(e instanceof payvost.PayvostError, String(e))
        assert.equal(e.code, c.expected.error, e.message)
        if (c.expected.message !== undefined) assert.equal(e.message, c.expected.message)
        return true
      })
      return
    }
    const event = verify()
    assert.equal(event.id, c.expected.event_id)
    assert.equal(event.type, c.expected.event_type)
  })
}

test('constructEventFromLambda: an event of another kind, a parsed body, a body over the limit', () => {
  const sqs = { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }
  assert.throws(() => payvost.constructEventFromLambda(sqs, SECRET), {
    code: 'payload_wrong_type',
    message: 'constructEventFromLambda takes the event of an API Gateway REST or HTTP API, a Lambda function URL or an ' +
      'Application Load Balancer, as the handler receives it, not an event from aws:sqs.',
  })
  assert.throws(() => payvost.constructEventFromLambda(null, SECRET), { code: 'payload_wrong_type', message: /, not null\.$/ })
  const text = byId['http-text'].event
  const parsed = { ...text, body: JSON.parse(text.body) }
  assert.throws(() => payvost.constructEventFromLambda(parsed, SECRET, { now: NOW }), {
    code: 'payload_wrong_type',
    message: /^The payload must be the raw request body \(a Buffer, Uint8Array, ArrayBuffer or string\), not an object \(Object\)\. /,
  })
  const limit = Buffer.byteLength(text.body) - 1
  for (const id of ['http-text', 'http-base64']) {
    assert.throws(() => payvost.constructEventFromLambda(byId[id].event, SECRET, { now: NOW, limit }), (e) => {
      assert.equal(e.code, 'payload_invalid_json')
      assert.equal(e.status, 413)
      assert.equal(e.message, `The body is larger than the ${limit}-byte limit; Payvost's events are far smaller.`)
      return true
    })
  }
  assert.equal(payvost.constructEventFromLambda(byId['http-base64'].event, SECRET, { now: NOW, limit: limit + 1 }).id, 'evt_1')
})

test('on Lambda, the base64 body passed to constructEvent is named, and a parsed one gets the Lambda fix', async () => {
  const { event } = byId['rest-base64']
  const header = event.headers['Payvost-Signature']
  assert.throws(() => payvost.constructEvent(event.body, header, SECRET, { now: NOW }), {
    code: 'signature_mismatch',
    message: /, but one matches the bytes it encodes: the body is base64-encoded, as API Gateway, .* \(the SDK's Lambda helper does\)\.$/,
  })
  const parsed = JSON.parse(Buffer.from(event.body, 'base64').toString())
  await withEnv({ AWS_LAMBDA_FUNCTION_NAME: 'payvost-webhooks' }, () => {
    assert.throws(() => payvost.constructEvent(parsed, header, SECRET, { now: NOW }), {
      code: 'payload_wrong_type',
      message: 'The payload must be the raw request body (a Buffer, Uint8Array, ArrayBuffer or string), not an object (Object). ' +
        "On AWS Lambda, hand the handler's event to constructEventFromLambda(event, secret), which reads the body as the " +
        'front end delivered it (decoding it when isBase64Encoded is true).',
    })
  })
})

/** A handler over a router that records what ran. */
function handlerFor(options = {}) {
  const ran = []
  const router = new payvost.EventRouter()
    .on('payment.succeeded', (event) => {
      if (options.fail) throw new Error('the database is down')
      ran.push(event.id)
    })
  const handler = payvost.webhooks.lambda({ secret: SECRET, router, ...options.config })
  return { ran, handler }
}

/** The fixture re-signed now: a handler, as in production, reads the clock. */
function fresh(id) {
  const { event } = byId[id]
  const now = Math.floor(Date.now() / 1000)
  const payload = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body ?? '')
  const header = payvost.generateTestHeaderString({ payload, secret: SECRET, timestamp: now })
  const copy = structuredClone(event)
  for (const headers of [copy.headers, copy.multiValueHeaders]) {
    for (const name of Object.keys(headers ?? {})) {
      if (name.toLowerCase() === 'payvost-signature') headers[name] = Array.isArray(headers[name]) ? [header] : header
    }
  }
  return copy
}

test('webhooks.lambda answers each front end in its shape', async () => {
  for (const front of FRONTS) {
    const { ran, handler } = handlerFor()
    const answer = await handler(fresh(`${front}-base64`), {})
    const expected = { statusCode: 200, body: '{"received":true}', isBase64Encoded: false, headers: { 'content-type': 'application/json' } }
    if (front === 'alb') expected.statusDescription = '200 OK'
    assert.deepEqual(answer, expected, front)
    assert.deepEqual(ran, ['evt_1'], front)
  }
  const { handler } = handlerFor()
  assert.deepEqual(await handler(fresh('alb-multi-value')), {
    statusCode: 200,
    body: '{"received":true}',
    isBase64Encoded: false,
    multiValueHeaders: { 'content-type': ['application/json'] },
    statusDescription: '200 OK',
  })
})

test('webhooks.lambda refuses a forged delivery, a header sent twice and another kind of event, never running a handler', async () => {
  const { ran, handler } = handlerFor()
  const refused = async (event, status, code) => {
    const answer = await handler(event)
    assert.equal(answer.statusCode, status, answer.body)
    assert.equal(JSON.parse(answer.body).error.code, code)
    return answer
  }
  await refused(byId['http-forged'].event, 400, 'signature_mismatch')
  await refused(byId['rest-header-sent-twice'].event, 400, 'header_malformed')
  const alb = await refused(byId['alb-multi-value-twice'].event, 400, 'header_malformed')
  assert.equal(alb.statusDescription, '400 Bad Request')
  assert.deepEqual(alb.multiValueHeaders, { 'content-type': ['application/json'] })
  await refused(byId['url-bad-base64'].event, 400, 'payload_wrong_type')
  await refused({ Records: [{ eventSource: 'aws:sqs' }] }, 400, 'payload_wrong_type')
  assert.deepEqual(ran, [])
})

test('webhooks.lambda with the idempotency guard: a redelivery is a duplicate, a failed handler runs again', async () => {
  const { IdempotencyGuard, MemoryStore } = payvost.idempotency
  const guard = new IdempotencyGuard({ store: new MemoryStore(), namespace: 'lambda-test' })
  const { ran, handler } = handlerFor({ config: { idempotency: guard } })
  const delivery = fresh('http-text')
  assert.equal((await handler(delivery)).statusCode, 200)
  assert.equal((await handler(fresh('http-text'))).statusCode, 200)
  assert.deepEqual(ran, ['evt_1'])

  const failing = handlerFor({ fail: true, config: { idempotency: new IdempotencyGuard({ store: new MemoryStore() }) } })
  await assert.rejects(failing.handler(fresh('rest-text')), { message: 'the database is down' })
  await assert.rejects(failing.handler(fresh('rest-text')), { message: 'the database is down' })
})

test('webhooks.lambda refuses what Lambda cannot keep, and a misconfiguration, when it is made', () => {
  const router = new payvost.EventRouter()
  assert.throws(() => payvost.webhooks.lambda({ secret: SECRET, router, acknowledgeFirst: true, onError: () => {} }), {
    code: 'option_invalid',
    message: 'webhooks.lambda: acknowledgeFirst cannot be kept on AWS Lambda, which freezes the function once the handler ' +
      'returns, so handlers run after the answer may never finish; leave it off (Payvost waits up to its timeout for the ' +
      'answer), or put the event on a queue and answer at once.',
  })
  assert.throws(() => payvost.webhooks.lambda({ secret: SECRET }), {
    code: 'option_invalid',
    message: 'webhooks.lambda needs a router: new EventRouter().on(type, handler).',
  })
  assert.throws(() => payvost.webhooks.lambda({ secret: undefined, router }), { code: 'secret_invalid' })
  assert.throws(() => payvost.webhooks.lambda({ secret: SECRET, router, limit: '1mb' }), { code: 'option_invalid' })
  assert.throws(() => payvost.webhooks.lambda({ secret: SECRET, router, idempotency: {} }), { code: 'option_invalid' })
  assert.throws(() => payvost.webhooks.lambda('whsec_x'), { code: 'option_invalid' })
  // Each refusal word for word.
  assert.throws(() => payvost.webhooks.lambda(null), {
    code: 'option_invalid', message: 'webhooks.lambda takes {secret, router, tolerance?, limit?, idempotency?}, not null.' })
  assert.throws(() => payvost.webhooks.lambda({ secret: SECRET, router: {} }), {
    code: 'option_invalid', message: 'webhooks.lambda needs a router: new EventRouter().on(type, handler).' })
  assert.throws(() => payvost.webhooks.lambda({ secret: SECRET, router, idempotency: null }), {
    code: 'option_invalid',
    message: 'webhooks.lambda: idempotency takes an IdempotencyGuard (new payvost.idempotency.IdempotencyGuard({store})).' })
})

test('constructEventFromLambda: the body at its limit exactly, as text and as base64, and the header lines it keeps', () => {
  const body = JSON.stringify({ id: 'evt_edge', type: 'payment.succeeded', data: { object: { id: 'pay_1', note: 'é' } } })
  const limit = Buffer.byteLength(body) // counted in bytes: é is two
  const header = payvost.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: NOW })
  const http = (extra) => ({ version: '2.0', headers: { 'payvost-signature': header }, requestContext: {}, ...extra })
  assert.equal(payvost.constructEventFromLambda(http({ body }), SECRET, { now: NOW, limit }).id, 'evt_edge')
  const base64 = Buffer.from(body).toString('base64')
  assert.equal(payvost.constructEventFromLambda(http({ body: base64, isBase64Encoded: true }), SECRET, { now: NOW, limit }).id, 'evt_edge')
  for (const event of [http({ body }), http({ body: base64, isBase64Encoded: true })]) {
    assert.throws(() => payvost.constructEventFromLambda(event, SECRET, { now: NOW, limit: limit - 1 }), { code: 'payload_invalid_json', status: 413 })
  }
  // Base64 text longer than any body within the limit could encode to is refused before it is decoded.
  const padded = http({ body: base64 + '    ', isBase64Encoded: true })
  assert.throws(() => payvost.constructEventFromLambda(padded, SECRET, { now: NOW, limit: limit + 1 }), { code: 'payload_invalid_json', status: 413 })
  // Only the header's text lines are kept, from multiValueHeaders in any case.
  const alb = { requestContext: { elb: {} }, body, multiValueHeaders: { 'Payvost-Signature': [7, header, null] } }
  assert.equal(payvost.constructEventFromLambda(alb, SECRET, { now: NOW }).id, 'evt_edge')
  const none = { version: '2.0', body, headers: { 'payvost-signature': 7 } }
  assert.throws(() => payvost.constructEventFromLambda(none, SECRET, { now: NOW }), { code: 'header_missing' })
  // What another kind of event is, by each name its source goes by.
  for (const [event, said] of [[{ Records: [{ EventSource: 'aws:sns' }] }, 'an event from aws:sns'], [{ source: 'aws.events' }, 'an event from aws.events'],
    [{ Records: [] }, 'an object (Object)'], ['text', 'a string']]) {
    assert.throws(() => payvost.constructEventFromLambda(event, SECRET), { code: 'payload_wrong_type', message: new RegExp(`, not ${said.replace(/[()]/g, '\\$&')}\\.$`) })
  }
})
