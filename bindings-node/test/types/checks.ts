// Compiled by tsc --strict in test/types.test.js against the installed
// package (its name is put in for PACKAGE), under moduleResolution nodenext
// and bundler. Each @ts-expect-error line must be an error: tsc fails on an
// unused one, so every promise below is held both ways.
import payvost, {
  EventRouter,
  constructEvent,
  constructEventFromLambda,
  constructEventFromRequest,
  generateTestHeaderString,
  isKnownEvent,
  PayvostError,
  PayvostSignatureVerificationError,
  verifyHeader,
  WebhookVerifier,
  webhooks,
  type Event,
  type JsonObject,
  type Payment,
  type PromClient,
  type UnknownEvent,
} from 'PACKAGE'
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult, APIGatewayProxyResultV2 } from 'aws-lambda'

const header = generateTestHeaderString({ payload: '{}', secret: 'whsec_x', timestamp: 1 })

// An unset environment variable is accepted by the types (and refused at run time).
const secret: string | undefined = process.env.PAYVOST_WEBHOOK_SECRET
const event: Event = constructEvent(new Uint8Array(2), header, secret, { tolerance: 600, now: new Date() })
new WebhookVerifier(secret, { tolerance: 300 })
webhooks.middleware({ secret })

// Narrowing by type gives each object its typed fields, `id` required.
function handle(e: Event): number | string | undefined {
  switch (e.type) {
    case 'payment.succeeded': {
      const id: string = e.data.object.id
      const payment: Payment = e.data.object
      // @ts-expect-error a misspelt field is not a field of Payment
      void e.data.object.amout
      return id + payment.currency
    }
    case 'subscription.updated':
      return e.data.object.currentPeriodEnd
    case 'customer.created':
      return e.data.object.email
    case 'dispute.opened':
      return e.data.object.reason
    case 'refund.failed':
      return e.data.object.payment
    // @ts-expect-error a misspelt event type is not a case of Event
    case 'payment.succeded':
      return undefined
    default: {
      // Types this version does not know, and the known ones not handled above.
      const name: string = e.type
      return name
    }
  }
}
handle(event)

// @ts-expect-error a misspelt type cannot equal any event's type
if (event.type === 'refund.craeted') void event

// The fields the types do not name, through JsonObject.
if (event.type === 'payment.created') {
  const fields: JsonObject = event.data.object
  const metadata: unknown = fields.metadata
  void metadata
}

// Unknown types: the type guard, both ways.
if (isKnownEvent(event)) {
  const id: string = event.data.object.id
  void id
} else {
  const unknown: UnknownEvent = event
  const type: string = unknown.type
  const amount: unknown = unknown.data.object.amount
  void type, amount
}
// @ts-expect-error an unknown event's type is not a known name
const known: 'payment.created' = ({} as UnknownEvent).type
void known

try {
  constructEvent('{}', ['t=1,v1=00'], ['whsec_a', 'whsec_b'], 300)
} catch (error) {
  if (error instanceof PayvostSignatureVerificationError) {
    const echoed: string | undefined = error.header
    // @ts-expect-error a signature error never has a payload code
    const code: 'payload_invalid_json' = error.code
    void echoed, code
  } else if (error instanceof PayvostError) {
    if (error.code === webhooks.errorCodes.SECRET_INVALID) void error
  }
}

const verified = verifyHeader(new Uint8Array(2), undefined, 'whsec_x', { now: 1764000000n })
const index: number = verified.secretIndex
// `now` as a bigint answers a bigint timestamp, as a number a number.
const exact: bigint = verified.timestamp
const seconds: number = verifyHeader(new Uint8Array(2), undefined, 'whsec_x', { now: 1764000000 }).timestamp
const clock: number = verifyHeader(new Uint8Array(2), undefined, 'whsec_x', 300).timestamp
// @ts-expect-error a bigint `now` answers no number
const rounded: number = verifyHeader(new Uint8Array(2), undefined, 'whsec_x', { now: 1764000000n }).timestamp
void [index, exact, seconds, clock, rounded]

async function edge(request: Request): Promise<string> {
  const e = await constructEventFromRequest(request, 'whsec_x')
  await constructEventFromRequest(request, 'whsec_x', { limit: 64 * 1024, tolerance: 600 })
  // @ts-expect-error a limit is a number of bytes
  await constructEventFromRequest(request, 'whsec_x', { limit: '64k' })
  return e.id
}
void edge

// The events of every Lambda front end, as @types/aws-lambda writes them.
function lambda(rest: APIGatewayProxyEvent, http: APIGatewayProxyEventV2, alb: ALBEvent): string {
  const e = constructEventFromLambda(rest, 'whsec_x')
  constructEventFromLambda(http, 'whsec_x', { limit: 1024, tolerance: 600 })
  constructEventFromLambda(alb, ['whsec_new', 'whsec_old'])
  // @ts-expect-error the event, not its body
  constructEventFromLambda(http.body, 'whsec_x')
  return e.id
}
void lambda
const handler = webhooks.lambda({ secret: 'whsec_x', router: new EventRouter() })
async function answered(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const result: APIGatewayProxyResult = await handler(event)
  return result
}
void answered
// Every adapter hands over its delivery records, typed.
webhooks.middleware({
  secret: 'whsec_x',
  onDelivery: (record) => {
    const outcome: 'processed' | 'duplicate' | 'refused' | 'failed' | 'in_progress' | 'shed' = record.outcome
    const id: string | undefined = record.event_id
    void [outcome, id, record.status.toFixed(), record.duration_ms]
  },
})

// @ts-expect-error Lambda cannot answer first
webhooks.lambda({ secret: 'whsec_x', router: new EventRouter(), acknowledgeFirst: true })

// @ts-expect-error a parsed object is not a payload
payvost.webhooks.constructEvent({ id: 'evt_1' }, header, 'whsec_x')
// @ts-expect-error a secret is a string or strings
new WebhookVerifier(42)

// The router types each handler's event by the type it is registered for.
const router = new EventRouter()
  .on('payment.succeeded', (paid) => {
    const kind: 'payment.succeeded' = paid.type
    const amount: number | undefined = paid.data.object.amount
    void kind, amount
  })
  .on('refund.created', async (refund) => {
    // @ts-expect-error a refund has no currency field
    void refund.data.object.currency
  })
  .onUnhandled((other) => {
    const type: string = other.type
    void type
  })
// @ts-expect-error a misspelt event type has no handler type
router.on('payment.succeded', () => undefined)
void router.dispatch(event)
webhooks.middleware({ secret, router, acknowledgeFirst: true, onError: (error: unknown, failed: Event) => void [error, failed] })

// The framework adapters take the same options.
webhooks.koa({ secret, router })
webhooks.koa({ secret, router, acknowledgeFirst: true, onError: (error: unknown, failed: Event) => void [error, failed] })
webhooks.hono({ secret, limit: 1024 })
// On Workers, the secret is a binding read per request.
webhooks.hono({ secret: (c) => c.env.PAYVOST_WEBHOOK_SECRET as string | undefined })
// @ts-expect-error a secret is a string, a list of strings, or a function returning one
webhooks.hono({ secret: 42 })
void webhooks.fastify({}, { secret, path: '/hooks', handler: (e) => e.id })
// @ts-expect-error the adapters need a secret
webhooks.koa({ router })

// Deliveries: counted, shed past a limit, fed to prom-client.
const counted = webhooks.middleware({ secret, router, maxConcurrent: 64, onDelivery: (record) => void record.remote_address })
const counts: number = counted.stats().outcomes.shed + counted.stats().total
const lines: string[] = counted.anomalies()
const shared = new webhooks.DeliveryStats()
void webhooks.fastify({}, { secret, router, stats: shared, onDelivery: shared.record })
declare const promClient: PromClient
webhooks.koa({ secret, onDelivery: webhooks.prometheus(promClient, { prefix: 'shop_' }) })
// @ts-expect-error maxConcurrent is a number of deliveries
webhooks.hono({ secret, maxConcurrent: '10' })
void [counts, lines]
