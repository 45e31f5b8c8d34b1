// A Next.js App Router route on the Node.js runtime: app/api/webhooks/payvost/route.js
// The native addon of @payvost/node-sdk runs here, which the edge runtime
// cannot load (next.config.mjs keeps the package out of the bundle).
import payvost from '@payvost/node-sdk'

export const runtime = 'nodejs'

const { IdempotencyGuard, MemoryStore } = payvost.idempotency
// One server: records in memory. Several: SqliteStore, RedisStore or PostgresStore.
const guard = new IdempotencyGuard({ store: new MemoryStore() })
// The answers of protocol §10 to the guard's refusals; a delivery's own fault is 400.
const STATUS = { event_in_progress: 409, event_id_reused: 422, store_unavailable: 503 }

export async function POST(request) {
  try {
    // The raw bytes, as signed: the guard also keys its record on them.
    const body = new Uint8Array(await request.arrayBuffer())
    const event = payvost.constructEvent(body, request.headers.get('payvost-signature'), process.env.PAYVOST_WEBHOOK_SECRET)
    // Deliveries are retried: the guard runs the work once per event.id.
    const { outcome } = await guard.process(event, body, async () => {
      console.log(`${event.type} ${event.id}`)
    })
    return Response.json({ received: true, id: event.id, outcome })
  } catch (err) {
    if (err instanceof payvost.PayvostError) {
      return Response.json({ error: { code: err.code, message: err.message } }, { status: STATUS[err.code] ?? 400 })
    }
    throw err
  }
}
