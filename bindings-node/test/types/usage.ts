// Compiled by `tsc --strict --noEmit` in the tests: the shipped types must
// describe real usage, narrowing included.
import payvost, { webhooks, PayvostError, PayvostSignatureVerificationError, type Event } from '@payvost/node-sdk'

const header = webhooks.generateTestHeaderString({ payload: '{}', secret: 'whsec_x', timestamp: 1 })
const event = payvost.webhooks.constructEvent(Buffer.from('{}'), header, 'whsec_x', { tolerance: 600, now: new Date() })

function handle(e: Event): number | string | undefined {
  switch (e.type) {
    case 'payment.succeeded':
      return e.data.object.amount
    case 'subscription.updated':
      return e.data.object.currentPeriodEnd
    case 'customer.created':
      return e.data.object.email
    case 'dispute.opened':
      return e.data.object.reason
    case 'refund.failed':
      return e.data.object.payment
    default: {
      // Unknown and remaining types: handled generically.
      const name: string = e.type
      return name
    }
  }
}

if (event.type === 'refund.created') {
  const payment: string | undefined = event.data.object.payment
  void payment
}
handle(event)

try {
  webhooks.constructEvent('{}', ['t=1,v1=00'], ['whsec_a', 'whsec_b'], 300)
} catch (error) {
  if (error instanceof PayvostSignatureVerificationError) {
    const code: 'signature_mismatch' | 'header_missing' | string = error.code
    const echoed: string | undefined = error.header
    void code, echoed
  } else if (error instanceof PayvostError) {
    const code = error.code
    if (code === webhooks.errorCodes.SECRET_INVALID) void code
  }
}

const verified = webhooks.verifyHeader(new Uint8Array(2), undefined, 'whsec_x', { now: 1764000000n })
const index: number = verified.secretIndex
void index

async function edge(request: Request) {
  const e = await webhooks.constructEventFromRequest(request, 'whsec_x')
  return e.id
}
void edge

// @ts-expect-error a parsed object is not a payload
webhooks.constructEvent({ id: 'evt_1' }, header, 'whsec_x')
