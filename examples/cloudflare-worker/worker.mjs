// A Payvost webhook receiver as a Cloudflare Worker (also served as is by
// Deno and Bun): one synchronous verification in WebAssembly, no Node crypto,
// no WebCrypto.
import { constructEventFromRequest, PayvostError } from '@payvost/webhooks-wasm'

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (request.method !== 'POST' || url.pathname !== '/webhooks/payvost') {
      return new Response('Not found', { status: 404 })
    }
    let event
    try {
      event = await constructEventFromRequest(request, env.PAYVOST_WEBHOOK_SECRET)
    } catch (err) {
      if (err instanceof PayvostError) {
        return Response.json({ error: { code: err.code, message: err.message } }, { status: 400 })
      }
      throw err
    }
    // Answer at once; a queue or ctx.waitUntil() does the work. Deliveries are
    // retried, so that work must be idempotent on event.id (a KV or D1 key).
    return Response.json({ received: true, id: event.id, type: event.type })
  },
}
