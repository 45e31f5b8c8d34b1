'use strict'
// The function-platform examples, each given the request or event its
// platform documents, and the usual wrong shape (a parsed body) with the
// platform's variables set: refused, with the fix for that platform.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const payvost = require('./sdk')
const { withEnv } = require('./env')

const SECRET = 'whsec_platform_secret'
const EXAMPLES = path.join(__dirname, '../../examples')
const LAMBDA = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/lambda.json'), 'utf8'))
process.env.PAYVOST_WEBHOOK_SECRET = SECRET

/**
 * A copy of examples/NAME under this package's node_modules, where its
 * imports resolve: `@payvost/node-sdk` to the package under test, the rest
 * to this package's dev dependencies.
 */
function example(name) {
  const dir = path.join(__dirname, '../node_modules/.payvost-examples', name)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.cpSync(path.join(EXAMPLES, name), dir, { recursive: true })
  fs.mkdirSync(path.join(dir, 'node_modules/@payvost'), { recursive: true })
  fs.symlinkSync(path.resolve(payvost.__target), path.join(dir, 'node_modules/@payvost/node-sdk'))
  return dir
}

function delivery(id = 'evt_platform_1') {
  const body = JSON.stringify({ id, type: 'payment.succeeded', created: Math.floor(Date.now() / 1000),
    data: { object: { id: 'pay_1', amount: 2000, currency: 'eur' } } })
  return { body, header: payvost.generateTestHeaderString({ payload: body, secret: SECRET }) }
}

async function serve(t, listener) {
  const server = http.createServer(listener)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${server.address().port}`
}

async function post(url, body, header) {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'payvost-signature': header } })
  return { status: response.status, json: await response.json() }
}

test('AWS Lambda: the example answers every front end, from base64 bodies and text', async () => {
  const { handler, fulfilled } = await import(pathToFileURL(path.join(example('aws-lambda-node'), 'handler.mjs')))
  const now = Math.floor(Date.now() / 1000)
  for (const c of LAMBDA.cases.filter((c) => /^lambda\/(rest|http|url|alb)-(text|base64)$/.test(c.id))) {
    const event = structuredClone(c.event)
    const payload = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body)
    const header = payvost.generateTestHeaderString({ payload, secret: SECRET, timestamp: now })
    for (const name of Object.keys(event.headers)) if (name.toLowerCase() === 'payvost-signature') event.headers[name] = header
    if (event.multiValueHeaders) event.multiValueHeaders['Payvost-Signature'] = [header]
    const answer = await handler(event, {})
    assert.equal(answer.statusCode, 200, `${c.id}: ${answer.body}`)
  }
  assert.deepEqual(fulfilled, Array(8).fill('pay_1'))
  const forged = await handler(LAMBDA.cases.find((c) => c.id === 'lambda/url-forged').event, {})
  assert.equal(forged.statusCode, 400)
  assert.equal(JSON.parse(forged.body).error.code, 'signature_mismatch')
})

test('Netlify Functions: the example verifies the Request; a parsed body gets the Netlify fix', async () => {
  const { default: handler, config } = await import(pathToFileURL(path.join(example('netlify-functions'), 'netlify/functions/payvost-webhook.mjs')))
  assert.deepEqual(config, { path: '/webhooks/payvost', method: 'POST' })
  const request = (body, header) => new Request('https://shop.netlify.app/webhooks/payvost', {
    method: 'POST', body, headers: { 'content-type': 'application/json', 'payvost-signature': header },
  })
  const { body, header } = delivery()
  const ok = await handler(request(body, header), {})
  assert.equal(ok.status, 200)
  assert.deepEqual(await ok.json(), { received: true })
  const forged = await handler(request(body.replace('2000', '1'), header), {})
  assert.equal(forged.status, 400)
  assert.equal((await forged.json()).error.code, 'signature_mismatch')

  await withEnv({ SITE_ID: '1d01c0c0-4554-4747-93b8-34ce3448ab95', SITE_NAME: 'shop' }, async () => {
    const parsed = await request(body, header).json()
    assert.throws(() => payvost.constructEvent(parsed, header, SECRET), {
      code: 'payload_wrong_type',
      message: 'The payload must be the raw request body (a Buffer, Uint8Array, ArrayBuffer or string), not an object (Object). ' +
        'On Netlify, pass await req.text() in a function of the current format (export default async (req) => ...), ' +
        "or hand a handler(event) function's event to constructEventFromLambda.",
    })
  })
})

test("Vercel Functions: the example reads the stream with the parser off; with it on, the refusal names Vercel's fix", async (t) => {
  const dir = example('vercel-functions')
  const handler = require(path.join(dir, 'api/payvost-webhook.js'))
  assert.deepEqual(handler.config, { api: { bodyParser: false } })
  let parser = false
  // Vercel's Node.js runtime: Node's request and response, with `req.body`
  // parsed from JSON unless the function's config turns the parser off.
  const url = await serve(t, async (req, res) => {
    if (parser) {
      const chunks = []
      for await (const chunk of req) chunks.push(chunk)
      req.body = JSON.parse(Buffer.concat(chunks))
    }
    handler(req, res)
  })
  const { body, header } = delivery()
  assert.deepEqual(await post(url, body, header), { status: 200, json: { received: true } })
  assert.equal((await post(url, body, 'v1=forged')).status, 400)

  parser = true
  await withEnv({ VERCEL: '1' }, async () => {
    const refused = await post(url, body, header)
    assert.equal(refused.status, 400)
    assert.deepEqual(refused.json.error, {
      code: 'payload_wrong_type',
      message: 'The request body was already parsed before the Payvost middleware could read it. ' +
        "On Vercel's Node runtime, a handler(req, res) gets req.body parsed: export a Web-standard POST(request) and use " +
        'constructEventFromRequest, or turn the parser off (export const config = { api: { bodyParser: false } }) and ' +
        'pass the bytes read from req.',
    })
  })
})

test('Google Cloud Functions: the example verifies req.rawBody under the Functions Framework; req.body gets the fix', async (t) => {
  require(path.join(example('gcp-functions'), 'index.js'))
  const functions = require('@google-cloud/functions-framework')
  const { getTestServer } = require('@google-cloud/functions-framework/testing')
  functions.http('payvostParsedBody', (req, res) => {
    try {
      payvost.constructEvent(req.body, req.get('payvost-signature'), SECRET)
      res.json({ received: true })
    } catch (error) {
      res.status(400).json({ error: { code: error.code, message: error.message } })
    }
  })
  // The middleware reads req.rawBody, so it can be the function itself.
  const router = new payvost.EventRouter().onUnhandled(() => {})
  functions.http('payvostMiddleware', payvost.webhooks.middleware({ secret: SECRET, router }))

  const urls = {}
  for (const name of ['payvostWebhook', 'payvostParsedBody', 'payvostMiddleware']) {
    const server = getTestServer(name)
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise((resolve) => server.close(resolve)))
    urls[name] = `http://127.0.0.1:${server.address().port}/`
  }
  const { body, header } = delivery()
  assert.deepEqual(await post(urls.payvostWebhook, body, header), { status: 200, json: { received: true } })
  const forged = await post(urls.payvostWebhook, body.replace('2000', '1'), header)
  assert.equal(forged.json.error.code, 'signature_mismatch')
  assert.deepEqual(await post(urls.payvostMiddleware, body, header), { status: 200, json: { received: true } })

  await withEnv({ FUNCTION_TARGET: 'payvostParsedBody', K_SERVICE: 'payvost-parsed-body' }, async () => {
    const refused = await post(urls.payvostParsedBody, body, header)
    assert.deepEqual(refused, {
      status: 400,
      json: {
        error: {
          code: 'payload_wrong_type',
          message: 'The payload must be the raw request body (a Buffer, Uint8Array, ArrayBuffer or string), not an object (Object). ' +
            'On Google Cloud Functions and Firebase, pass req.rawBody, the bytes as received (req.body is parsed).',
        },
      },
    })
  })
})
