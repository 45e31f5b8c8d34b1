'use strict'
// Every conformance vector in tests/vectors/ (schema in its README), with
// its exact outcome: the event id and type, or the error code.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const payvost = require('./sdk')

const DIR = path.join(__dirname, '../../tests/vectors')
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()

/** Integers beyond 2^53 are written as strings: they become bigints here. */
const seconds = (v) => (typeof v === 'string' ? BigInt(v) : v)

function at(object, dotted) {
  return dotted.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), object)
}

let total = 0
for (const file of files) {
  const doc = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'))
  if (doc.schema !== 'verify/1') continue // rfc4231.json: the MAC itself, run by the core
  test.describe(file, () => {
    for (const c of doc.cases) {
      total++
      test(c.id, () => {
        const payload = Buffer.from(c.payload_b64, 'base64')
        const options = { now: seconds(c.now) }
        if (c.tolerance !== undefined) options.tolerance = c.tolerance
        const header = c.header === null ? undefined : c.header
        const secret = c.secrets.length === 1 ? c.secrets[0] : c.secrets
        const expected = c.expected
        if (expected.error) {
          const refused = (e) => e instanceof payvost.PayvostError && e.code === expected.error &&
            (expected.message === undefined || e.message === expected.message)
          const said = `${c.id}: expected ${expected.error}${expected.message === undefined ? '' : `: ${expected.message}`}`
          assert.throws(() => payvost.webhooks.constructEvent(payload, header, secret, options), refused, said)
          // verifyHeader refuses the same way, unless only the body was refused (it does not judge the body).
          if (expected.error.startsWith('payload_')) {
            assert.equal(typeof payvost.webhooks.verifyHeader(payload, header, secret, options).secretIndex, 'number', c.id)
          } else {
            assert.throws(() => payvost.webhooks.verifyHeader(payload, header, secret, options), refused, `verifyHeader, ${said}`)
          }
          return
        }
        const event = payvost.webhooks.constructEvent(payload, header, secret, options)
        assert.equal(event.id, expected.event_id)
        assert.equal(event.type, expected.event_type)
        const verified = payvost.webhooks.verifyHeader(payload, header, secret, options)
        assert.equal(verified.secretIndex, expected.secret_index)
        // A bigint `now` (the vectors' i64 extremes) answers a bigint timestamp.
        const bigint = typeof options.now === 'bigint'
        assert.equal(verified.timestamp, bigint ? BigInt(expected.timestamp) : Number(expected.timestamp))
        // Exactly, to the last second of i64, with `now` a bigint.
        const exact = payvost.webhooks.verifyHeader(payload, header, secret, { ...options, now: BigInt(c.now) })
        assert.equal(exact.timestamp, BigInt(expected.timestamp), c.id)
        if ('created' in expected) assert.equal(event.created ?? null, expected.created)
        for (const [p, value] of Object.entries(expected.fields || {})) assert.deepEqual(at(event, p), value, p)
        // JSON.parse cannot hold these exactly (see the vectors' README): each is the
        // double the text rounds to, as Number() rounds it, and the event still parses.
        for (const [p, text] of Object.entries(expected.numbers || {})) assert.equal(at(event, p), Number(text), p)
        if ('previous_attributes' in expected) {
          assert.deepEqual(event.data.previous_attributes ?? null, expected.previous_attributes)
        }
        if (expected.object) {
          // JavaScript has no typed views: a typed field the core reads as
          // absent (null here) may be on the object with another type.
          for (const [field, value] of Object.entries(expected.object.typed)) {
            if (value !== null) assert.deepEqual(event.data.object[field], value, field)
          }
        }
        // The event is exactly what JSON.parse makes of the body.
        assert.deepEqual(event, JSON.parse(payload.toString('utf8')))
      })
    }
  })
}

test('the vector files hold at least 150 cases', () => assert.ok(total >= 150, `${total}`))
