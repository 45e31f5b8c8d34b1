// A Payvost webhook receiver as a Vercel Function on the Node.js runtime.
// Vercel parses req.body by default; the config below turns that off, so
// the middleware reads the raw bytes from the request stream.
const { webhooks, EventRouter } = require('@payvost/node-sdk')

const router = new EventRouter()
  .on('payment.succeeded', async (event) => {
    // fulfil the order here, once per event id
  })
  .onUnhandled(() => {})

const receive = webhooks.middleware({ secret: process.env.PAYVOST_WEBHOOK_SECRET, router })

module.exports = function handler(req, res) {
  receive(req, res, (error) => {
    res.statusCode = 500
    res.end(JSON.stringify({ error: { message: String(error && error.message) } }))
  })
}

module.exports.config = { api: { bodyParser: false } }
