// An Express app as the docs write it, compiled by test/types.test.js:
// req.payvostEvent is typed by the package's augmentation of Request.
import express from 'express'
import { webhooks, type Event } from 'PACKAGE'

const app = express()
app.post('/webhooks/payvost', webhooks.middleware({ secret: process.env.PAYVOST_WEBHOOK_SECRET }), (req, res) => {
  const event: Event | undefined = req.payvostEvent
  // @ts-expect-error the augmentation names payvostEvent only
  void req.payvostEvnt
  res.json({ received: event?.id })
})
