'use strict'
// The event rules as the core's facts state them (js/convert.mjs judges a
// parsed event by them, calling the core only to say why it refuses) accept
// exactly what the core's own checkEnvelope does: every combination of kinds
// of the six members, and `created` at the edges of its bound.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { pathToFileURL } = require('node:url')

const JS = path.join(__dirname, '../../js')
const native = require('../native.js')

test("the facts' event rules accept exactly what the core's checkEnvelope does", async () => {
  const { loadFacts } = await import(pathToFileURL(path.join(JS, 'facts.mjs')))
  const { envelopeAccepted } = await import(pathToFileURL(path.join(JS, 'convert.mjs')))
  loadFacts({ facts: native.facts })
  const core = (codes) => {
    try {
      native.checkEnvelope(codes)
      return true
    } catch (error) {
      assert.match(error.code, /^payload_invalid_(json|event)$/)
      return false
    }
  }
  const codes = new Float64Array(7)
  let accepted = 0
  for (let combination = 0; combination < 8 ** 6; combination++) {
    for (let slot = 0, rest = combination; slot < 6; slot++, rest = Math.floor(rest / 8)) codes[slot] = rest % 8
    codes[6] = 1764000000
    const ours = envelopeAccepted(codes)
    if (ours !== core(codes)) assert.fail(`the facts and the core disagree on kinds ${codes.slice(0, 6).join(',')}`)
    if (ours) accepted++
  }
  assert.equal(accepted, 3, 'created missing, null, or a number; every other member of its one kind')
  const edges = [0, -0, 1, -1, 1.5, 2 ** 53 - 1, 2 ** 53, -(2 ** 53 - 1), -(2 ** 53), NaN, Infinity, -Infinity, 1e300, 5e-324]
  for (const value of edges) {
    codes.set([7, 4, 4, 7, 7, 3, value])
    assert.equal(envelopeAccepted(codes), core(codes), `created = ${value}`)
  }
})
