// The AWS Lambda door: the HTTP event of API Gateway (REST APIs, payload
// 1.0; HTTP APIs, payload 2.0), Lambda function URLs and Application Load
// Balancers, read exactly as each front end delivers it, and answered in
// the shape each expects (protocol §10, "Serverless events").

import { claimed, isRefusal, refusalBody } from './adapters.mjs'
import { checkedLimit, describe } from './convert.mjs'
import { payvostError } from './errors.mjs'
import { facts } from './facts.mjs'
import { tooLarge } from './body.mjs'

/**
 * @param calls {constructEvent, checkConfig} of webhooks.mjs, and the
 *   backend's base64Body (the core's strict decoding)
 */
export function createLambda({ constructEvent, checkConfig, base64Body }) {
  const wanted = facts.signature_header.toLowerCase()

  /**
   * The raw body and signature header of a Lambda HTTP event. Header names are matched in any case; every line of
   * the header is kept (a load balancer's or REST API's `multiValueHeaders`,
   * a name sent in two cases) and joined by `, ` as protocol §2 reads
   * repeated lines, so a header sent twice is refused as a server would.
   */
  function requestOf(lambdaEvent, limit) {
    if (lambdaEvent === null || typeof lambdaEvent !== 'object' || !isHttpEvent(lambdaEvent)) {
      throw payvostError(
        'payload_wrong_type',
        'constructEventFromLambda takes the event of an API Gateway REST or HTTP API, a Lambda function URL or an ' +
          `Application Load Balancer, as the handler receives it, not ${describeEvent(lambdaEvent)}.`,
      )
    }
    const multi = isObject(lambdaEvent.multiValueHeaders)
    const lines = []
    for (const [name, value] of Object.entries(multi ? lambdaEvent.multiValueHeaders : lambdaEvent.headers)) {
      if (name.toLowerCase() !== wanted) continue
      if (Array.isArray(value)) lines.push(...value.filter((line) => typeof line === 'string'))
      else if (typeof value === 'string') lines.push(value)
    }
    let body = lambdaEvent.body ?? ''
    if (lambdaEvent.isBase64Encoded === true && typeof body === 'string') {
      // The decoded size is at most three quarters of the text's.
      if (body.length > Math.ceil(limit / 3) * 4) throw tooLarge(limit)
      try {
        body = base64Body(body)
      } catch (error) {
        throw payvostError(error.code, error.message)
      }
    }
    if (typeof body === 'string' ? byteLength(body) > limit : body.length > limit) throw tooLarge(limit)
    return { body, header: lines.length === 0 ? undefined : lines.join(', ') }
  }

  /**
   * `constructEvent` on a Lambda HTTP event: its body decoded when
   * `isBase64Encoded` is true, its `Payvost-Signature` header found in any
   * case. `opts` takes `tolerance`, `now` and `limit` (bytes, the core's
   * 5 MiB by default).
   */
  function constructEventFromLambda(lambdaEvent, secret, opts) {
    const { body, header } = requestOf(lambdaEvent, checkedLimit(opts?.limit))
    return constructEvent(body, header, secret, opts)
  }

  /**
   * A Lambda handler for the webhook route: verifies each delivery, runs the
   * router's handlers (inside the idempotency guard's claim when given one),
   * and answers in the front end's shape: 200 `{received: true}`, or the
   * refusal's status with `{error: {code, message}}`. A handler's error is
   * thrown to the runtime, which logs it; the front end answers 502 and
   * Payvost delivers again.
   */
  function lambda(config) {
    if (config === null || typeof config !== 'object') {
      throw payvostError('option_invalid', `webhooks.lambda takes {secret, router, tolerance?, limit?, idempotency?}, not ${describe(config)}.`)
    }
    const { secret, tolerance, router, idempotency, acknowledgeFirst } = config
    if (acknowledgeFirst) {
      throw payvostError('option_invalid', 'webhooks.lambda: acknowledgeFirst cannot be kept on AWS Lambda, which freezes ' +
        'the function once the handler returns, so handlers run after the answer may never finish; leave it off ' +
        '(Payvost waits up to its timeout for the answer), or put the event on a queue and answer at once.')
    }
    checkConfig(secret, tolerance)
    const limit = checkedLimit(config.limit)
    if (router === undefined || typeof router.dispatch !== 'function') {
      throw payvostError('option_invalid', 'webhooks.lambda needs a router: new EventRouter().on(type, handler).')
    }
    if (idempotency !== undefined && typeof idempotency?.claim !== 'function') {
      throw payvostError('option_invalid', 'webhooks.lambda: idempotency takes an IdempotencyGuard ' +
        '(new payvost.idempotency.IdempotencyGuard({store})).')
    }
    return async function payvostWebhook(lambdaEvent) {
      // Every answer, refusals included, goes back in the shape of the front end that asked.
      const shape = shapeOf(lambdaEvent)
      let request
      let event
      try {
        request = requestOf(lambdaEvent, limit)
        event = constructEvent(request.body, request.header, secret, { tolerance })
      } catch (error) {
        return answer(shape, error.status || facts.statusOf[error.code] || 400, refusalBody(error))
      }
      try {
        const { run } = await claimed(idempotency, router, event, request.body)
        if (run !== undefined) await run()
      } catch (error) {
        if (!isRefusal(error)) throw error
        return answer(shape, error.status, refusalBody(error))
      }
      return answer(shape, 200, { received: true })
    }
  }

  return { constructEventFromLambda, lambda }
}

/** The answer in the shape the front end reads. */
function answer({ front, multiValue }, status, body) {
  const response = { statusCode: status, body: JSON.stringify(body), isBase64Encoded: false }
  if (multiValue) response.multiValueHeaders = { 'content-type': ['application/json'] }
  else response.headers = { 'content-type': 'application/json' }
  // The core's reason phrase of every status a receiver answers.
  if (front === 'alb') response.statusDescription = `${status} ${facts.statuses[status]}`
  return response
}

/** Which front end an answer goes to (`front`), and whether it wants multi-value headers back. */
function shapeOf(lambdaEvent) {
  const known = lambdaEvent !== null && typeof lambdaEvent === 'object'
  return {
    front: known ? frontOf(lambdaEvent) : 'rest',
    multiValue: known && isObject(lambdaEvent.multiValueHeaders) && frontOf(lambdaEvent) === 'alb',
  }
}

/** `alb`, `http` (HTTP APIs and function URLs, payload 2.0) or `rest` (payload 1.0). */
function frontOf(lambdaEvent) {
  if (isObject(lambdaEvent.requestContext) && isObject(lambdaEvent.requestContext.elb)) return 'alb'
  return lambdaEvent.version === '2.0' ? 'http' : 'rest'
}

function isHttpEvent(lambdaEvent) {
  return isObject(lambdaEvent.headers) || isObject(lambdaEvent.multiValueHeaders)
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** An event that is not an HTTP one, named by what it is when it says (SQS, SNS, EventBridge...). */
function describeEvent(value) {
  const source = value?.Records?.[0]?.eventSource ?? value?.Records?.[0]?.EventSource ?? value?.source
  return typeof source === 'string' ? `an event from ${source}` : describe(value)
}

const encoder = new TextEncoder()

function byteLength(text) {
  return typeof Buffer === 'function' ? Buffer.byteLength(text) : encoder.encode(text).length
}
