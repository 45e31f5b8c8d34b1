// The facts every front door shares (error categories, the tolerance's
// default and bounds, the echo limit, the envelope's kind codes, messages),
// read from the core through the backend when the SDK is created: this layer
// keeps no copy of its own. The drift test (test/facts.test.js) holds it.

export const facts = {}

export function loadFacts(backend) {
  if (facts.errors === undefined) {
    const parsed = JSON.parse(backend.facts())
    Object.assign(facts, parsed, {
      categoryOf: Object.fromEntries(parsed.errors.map(({ code, category }) => [code, category])),
      statusOf: Object.fromEntries(parsed.errors.map(({ code, status }) => [code, status])),
      kindCode: Object.fromEntries(parsed.kinds.map(({ kind, code }) => [kind, code])),
    })
    Object.freeze(facts)
  }
  return facts
}
