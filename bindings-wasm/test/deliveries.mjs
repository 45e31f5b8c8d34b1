// Signed and forged deliveries sent to a receiver over HTTP, with the
// outcomes every receiver must give. Used against each runtime.
import assert from 'node:assert/strict'

export const SECRET = 'whsec_runtime_secret'

export async function sendDeliveries(url, { webhooks }) {
  const now = Math.floor(Date.now() / 1000)
  const body = JSON.stringify({ id: 'evt_rt_1', type: 'payment.succeeded', created: now, data: { object: { id: 'pay_1', amount: 2000 } } })
  const sign = (payload, secret = SECRET, timestamp = now) => webhooks.generateTestHeaderString({ payload, secret, timestamp })
  const post = async (payload, header) => {
    const headers = { 'content-type': 'application/json' }
    if (header) headers['payvost-signature'] = header
    const response = await fetch(url, { method: 'POST', body: payload, headers })
    return { status: response.status, body: await response.json() }
  }
  const ok = await post(body, sign(body))
  assert.deepEqual(ok, { status: 200, body: { received: true, id: 'evt_rt_1', type: 'payment.succeeded' } })
  const forged = await post(body, sign(body, 'whsec_attacker'))
  assert.equal(forged.status, 400)
  assert.equal(forged.body.error.code, 'signature_mismatch')
  const stale = await post(body, sign(body, SECRET, now - 3600))
  assert.equal(stale.body.error.code, 'timestamp_too_old')
  const missing = await post(body)
  assert.equal(missing.body.error.code, 'header_missing')
  const tampered = await post(body.replace('2000', '1'), sign(body))
  assert.equal(tampered.body.error.code, 'signature_mismatch')
}
