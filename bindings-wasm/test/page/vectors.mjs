// Every conformance vector file of tests/vectors/ (the folder as the test's
// server lists it), run in the page against the browser build with each
// expectation the Node runner asserts; the result lands in window.report for
// the test driving the browser.
import { webhooks, PayvostError } from '/node_modules/@payvost/webhooks-wasm/browser.mjs'

const decode = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
const seconds = (v) => (typeof v === 'string' ? BigInt(v) : v)
const at = (object, dotted) => dotted.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), object)
/** JSON with its keys sorted, so that two values compare by content; bigints as their digits. */
const canonical = (value) => JSON.stringify(value, (_, v) => {
  if (typeof v === 'bigint') return `${v}n`
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
})
const refusal = (e) => (e instanceof PayvostError ? `error ${e.code}: ${e.message}` : `foreign ${e}`)

/** The differences between what the SDK made of one case and what the vector expects. */
function check(c) {
  const e = c.expected
  const payload = decode(c.payload_b64)
  const header = c.header ?? undefined
  const secret = c.secrets.length === 1 ? c.secrets[0] : c.secrets
  const options = { now: seconds(c.now) }
  if (c.tolerance !== undefined) options.tolerance = c.tolerance
  const wrong = []
  const same = (what, got, wanted) => { if (canonical(got) !== canonical(wanted)) wrong.push(`${what}: ${canonical(got)}, wanted ${canonical(wanted)}`) }
  if (e.error) {
    const wanted = `error ${e.error}: ${e.message ?? ''}`
    const refused = (call) => {
      try { call(); return 'accepted' } catch (error) {
        const got = refusal(error)
        return e.message === undefined ? got.slice(0, got.indexOf(':') + 2) : got
      }
    }
    same('constructEvent', refused(() => webhooks.constructEvent(payload, header, secret, options)), wanted)
    // verifyHeader refuses as constructEvent does, unless only the body was refused.
    if (!e.error.startsWith('payload_')) same('verifyHeader', refused(() => webhooks.verifyHeader(payload, header, secret, options)), wanted)
    return wrong
  }
  let event, verified, exact
  try {
    event = webhooks.constructEvent(payload, header, secret, options)
    verified = webhooks.verifyHeader(payload, header, secret, options)
    exact = webhooks.verifyHeader(payload, header, secret, { ...options, now: BigInt(c.now) })
  } catch (error) {
    return [refusal(error)]
  }
  same('id', event.id, e.event_id)
  same('type', event.type, e.event_type)
  same('secretIndex', verified.secretIndex, e.secret_index)
  same('timestamp', verified.timestamp, typeof options.now === 'bigint' ? BigInt(e.timestamp) : Number(e.timestamp))
  same('exact timestamp', exact.timestamp, BigInt(e.timestamp))
  if ('created' in e) same('created', event.created ?? null, e.created)
  for (const [p, value] of Object.entries(e.fields || {})) same(p, at(event, p), value)
  for (const [p, text] of Object.entries(e.numbers || {})) same(p, at(event, p), Number(text))
  if ('previous_attributes' in e) same('previous_attributes', event.data.previous_attributes ?? null, e.previous_attributes)
  for (const [field, value] of Object.entries(e.object?.typed || {})) {
    if (value !== null) same(`object.${field}`, event.data.object[field], value)
  }
  same('event', event, JSON.parse(new TextDecoder().decode(payload)))
  return wrong
}

let passed = 0
const failures = []
const files = []
for (const name of await (await fetch('/vectors/')).json()) {
  if (!name.endsWith('.json')) continue
  const doc = await (await fetch(`/vectors/${name}`)).json()
  if (doc.schema !== 'verify/1') continue // rfc4231.json: the MAC itself, run by the core
  files.push(name)
  for (const c of doc.cases) {
    const wrong = check(c)
    if (wrong.length === 0) passed++
    else failures.push(`${name} ${c.id}: ${wrong.join('; ')}`)
  }
}
window.report = { passed, failures, files, userAgent: navigator.userAgent }
