// A Payvost webhook receiver on Google Cloud Functions (and Cloud Functions
// for Firebase, whose onRequest gets the same request). The platform parses
// the body into req.body and keeps the bytes as received in req.rawBody:
// those are what Payvost signed.
const functions = require('@google-cloud/functions-framework')
const { webhooks } = require('@payvost/node-sdk')

functions.http('payvostWebhook', async (req, res) => {
  let event
  try {
    event = webhooks.constructEvent(req.rawBody, req.get('payvost-signature'), process.env.PAYVOST_WEBHOOK_SECRET)
  } catch (error) {
    return res.status(400).json({ error: { code: error.code, message: error.message } })
  }
  if (event.type === 'payment.succeeded') {
    // fulfil the order here, once per event id
  }
  res.json({ received: true })
})
