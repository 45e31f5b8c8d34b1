// The vectors of tests/vectors/, run in the page against the browser build;
// the result lands in window.report for the test driving the browser.
import { webhooks, PayvostError } from '/node_modules/@payvost/webhooks-wasm/browser.mjs'

const FILES = ['secret', 'header', 'signature', 'tolerance', 'payload', 'events', 'large']
const decode = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
const seconds = (v) => (typeof v === 'string' ? BigInt(v) : v)

let passed = 0
const failures = []
for (const name of FILES) {
  const doc = await (await fetch(`/vectors/${name}.json`)).json()
  for (const c of doc.cases) {
    const options = { now: seconds(c.now) }
    if (c.tolerance !== undefined) options.tolerance = c.tolerance
    const secret = c.secrets.length === 1 ? c.secrets[0] : c.secrets
    let outcome
    try {
      const event = webhooks.constructEvent(decode(c.payload_b64), c.header ?? undefined, secret, options)
      const verified = webhooks.verifyHeader(decode(c.payload_b64), c.header ?? undefined, secret, options)
      outcome = `${event.id} ${event.type} ${verified.secretIndex}`
    } catch (e) {
      outcome = e instanceof PayvostError ? `error ${e.code}` : `foreign ${e}`
      if (c.expected.message !== undefined && e instanceof PayvostError) outcome += `: ${e.message}`
    }
    const e = c.expected
    const wanted = e.error
      ? `error ${e.error}${e.message === undefined ? '' : `: ${e.message}`}`
      : `${e.event_id} ${e.event_type} ${e.secret_index}`
    // verifyHeader refuses as constructEvent does, unless only the body was refused.
    let header = wanted
    if (e.error && !e.error.startsWith('payload_')) {
      try {
        webhooks.verifyHeader(decode(c.payload_b64), c.header ?? undefined, secret, options)
        header = 'verifyHeader accepted it'
      } catch (error) {
        header = error instanceof PayvostError ? `error ${error.code}` : `foreign ${error}`
        if (e.message !== undefined && error instanceof PayvostError) header += `: ${error.message}`
      }
    }
    if (outcome === wanted && header === wanted) passed++
    else failures.push(`${c.id}: ${outcome}, verifyHeader ${header} (wanted ${wanted})`)
  }
}
window.report = { passed, failures, userAgent: navigator.userAgent }
