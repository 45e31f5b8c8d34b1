// A Payvost webhook receiver as a Netlify Function. Functions of this
// format get a Web-standard Request, whose body is still unread.
import { webhooks } from '@payvost/node-sdk'

export default async (req) => {
  let event
  try {
    event = await webhooks.constructEventFromRequest(req, process.env.PAYVOST_WEBHOOK_SECRET)
  } catch (error) {
    return Response.json({ error: { code: error.code, message: error.message } }, { status: error.status ?? 400 })
  }
  if (event.type === 'payment.succeeded') {
    // fulfil the order here, once per event id
  }
  return Response.json({ received: true })
}

export const config = { path: '/webhooks/payvost', method: 'POST' }
