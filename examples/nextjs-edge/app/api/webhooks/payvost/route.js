// A Next.js App Router route on the edge runtime: app/api/webhooks/payvost/route.js
import { constructEventFromRequest, PayvostError } from '@payvost/webhooks-wasm'

export const runtime = 'edge'

export async function POST(request) {
  try {
    const event = await constructEventFromRequest(request, process.env.PAYVOST_WEBHOOK_SECRET)
    // Deliveries are retried: process each event.id once.
    return Response.json({ received: true, id: event.id })
  } catch (err) {
    if (err instanceof PayvostError) {
      return Response.json({ error: { code: err.code, message: err.message } }, { status: 400 })
    }
    throw err
  }
}
