// What the adapters do with the delivery records of protocol §10.2 beyond
// handing them to `onDelivery`: count them (`DeliveryStats`, the core's
// Tally in the core's words), shed deliveries past `maxConcurrent`, and
// turn records into Prometheus metrics. The causes, templates and the 503's
// message and Retry-After are the core's, from its facts.

import { describe } from './convert.mjs'
import { payvostError } from './errors.mjs'
import { facts } from './facts.mjs'

/**
 * The deliveries an adapter answered, counted: by outcome and code since it
 * started, and its refusals since the last summary by code and address.
 * Every adapter keeps one (`.stats()`); one made here can be shared by
 * several adapters with their `stats` option.
 */
export class DeliveryStats {
  #outcomes = Object.fromEntries(facts.delivery.outcomes.map((outcome) => [outcome, 0]))
  #codes = new Map()
  #window = new Map()

  /** Counts one record (bound: usable as an `onDelivery` hook). */
  record = (record) => {
    if (record.outcome in this.#outcomes) this.#outcomes[record.outcome] += 1
    if (record.code === undefined) return
    this.#codes.set(record.code, (this.#codes.get(record.code) ?? 0) + 1)
    if (record.outcome !== 'refused') return
    let refusals = this.#window.get(record.code)
    if (refusals === undefined) this.#window.set(record.code, (refusals = { count: 0, addresses: new Set() }))
    refusals.count += 1
    if (record.remote_address !== undefined && refusals.addresses.size < facts.delivery.max_addresses) refusals.addresses.add(record.remote_address)
  }

  /** `{total, outcomes: {each outcome: n}, codes: {code: n}}`, as every door gives it. */
  snapshot() {
    const outcomes = { ...this.#outcomes }
    const total = Object.values(outcomes).reduce((a, b) => a + b, 0)
    const codes = Object.fromEntries([...this.#codes].sort(([a], [b]) => (a < b ? -1 : 1)))
    return { total, outcomes, codes }
  }

  /** The refusals since the last call, one line per code with its likely cause; a new window. */
  anomalies() {
    const window = [...this.#window].sort(([a], [b]) => (a < b ? -1 : 1))
    this.#window.clear()
    return window.map(([code, { count, addresses }]) => anomaly(code, count, addresses.size))
  }
}

/** The likely cause of many refusals with `code` from `senders` addresses (the core's `likely_cause`). */
export function likelyCause(code, senders) {
  const causes = facts.delivery.causes[code]
  if (causes === undefined) return facts.delivery.causes.payload_invalid_json.many
  return senders === 1 ? causes.one : causes.many
}

/** One line of an anomaly summary (the core's `anomaly`). */
export function anomaly(code, count, senders) {
  const { from } = facts.delivery
  const place = senders === 0 ? from.unknown : senders === 1 ? from.one : from.many.replace('{n}', String(senders))
  return facts.delivery.anomaly
    .replace('{count}', String(count))
    .replace('{code}', code)
    .replace('{from}', place)
    .replace('{cause}', likelyCause(code, senders))
}

/**
 * An adapter's `maxConcurrent`: `enter()` is false past the limit (the
 * delivery is to be shed), else counts one in until `leave()`. With no
 * limit, every delivery enters.
 */
export function shedding(name, maxConcurrent) {
  if (maxConcurrent === undefined) return { enter: () => true, leave: () => {}, limit: undefined }
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1) {
    throw payvostError('option_invalid', `${name}: maxConcurrent takes a whole number of deliveries at once, 1 or more, not ${describe(maxConcurrent)}.`)
  }
  let running = 0
  return {
    limit: maxConcurrent,
    enter() {
      if (running >= maxConcurrent) return false
      running += 1
      return true
    },
    leave() {
      running -= 1
    },
  }
}

/** The 503 of a shed delivery: `receiver_busy`, with the core's message and Retry-After. */
export function busy(limit) {
  const message = `${facts.messages.receiver_busy.replace('{limit}', String(limit))}.`
  return Object.assign(payvostError('receiver_busy', message), {
    status: facts.statusOf.receiver_busy,
    retryAfter: String(facts.delivery.retry_after),
  })
}

/**
 * Prometheus metrics of the delivery records, with the `prom-client` the
 * application already has (passed in, so this package depends on none):
 * `payvost_webhook_deliveries_total{outcome, code}` and the histogram
 * `payvost_webhook_delivery_duration_seconds{outcome}`. Returns an
 * `onDelivery` hook.
 *
 *     const client = require('prom-client')
 *     app.use('/webhooks/payvost', webhooks.middleware({secret, router,
 *       onDelivery: webhooks.prometheus(client)}))
 */
export function prometheus(client, { registers, prefix = 'payvost_webhook_' } = {}) {
  if (client === null || typeof client !== 'object' || typeof client.Counter !== 'function' || typeof client.Histogram !== 'function') {
    throw payvostError('option_invalid', `prometheus takes the prom-client module (require('prom-client')), not ${describe(client)}.`)
  }
  const shared = registers === undefined ? {} : { registers }
  const deliveries = new client.Counter({
    name: `${prefix}deliveries_total`,
    help: 'Payvost webhook deliveries answered, by outcome and error code (protocol §10.2).',
    labelNames: ['outcome', 'code'],
    ...shared,
  })
  const duration = new client.Histogram({
    name: `${prefix}delivery_duration_seconds`,
    help: 'Time from a Payvost webhook delivery\'s arrival to its answer (or, acknowledged first, its handlers\' end).',
    labelNames: ['outcome'],
    ...shared,
  })
  return (record) => {
    deliveries.inc({ outcome: record.outcome, code: record.code ?? '' })
    duration.observe({ outcome: record.outcome }, record.duration_ms / 1000)
  }
}
