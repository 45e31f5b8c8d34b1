// Types of @payvost/node-sdk and, unchanged, of @payvost/webhooks-wasm: one source for both.

/** Every error code, the same strings in every Payvost SDK. */
export type ErrorCode =
  | 'secret_invalid'
  | 'tolerance_invalid'
  | 'header_missing'
  | 'header_malformed'
  | 'no_signatures'
  | 'signature_mismatch'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'payload_invalid_json'
  | 'payload_invalid_event'
  | 'payload_wrong_type'
  | 'option_invalid'
  | 'event_in_progress'
  | 'store_unavailable'
  | 'event_id_reused'
  | 'lease_lost'
  | 'receiver_busy'

/** The raw request body, byte for byte as received (a Node `Buffer` is a `Uint8Array`). */
export type Payload = Uint8Array | ArrayBuffer | string

/** One webhook signing secret (`whsec_...`), or several while rotating. */
export type Secret = string | readonly string[]

/**
 * What the calls take as the secret. `undefined` and `null`, an unset
 * `process.env.PAYVOST_WEBHOOK_SECRET`, type-check so that the usual one-line
 * call compiles under `--strict`; at run time they throw a
 * PayvostConfigurationError (`secret_invalid`) that names the variable.
 */
export type SecretArgument = Secret | null | undefined

/** Unix seconds, a bigint for times beyond 2^53, or a Date. */
export type Time = number | bigint | Date

export interface VerifyOptions {
  /** Seconds a signature's timestamp may lie from `now`, both ways: 1 to 2592000, default 300. */
  tolerance?: number
  /** The time to check against; default the system clock. Pass the time a queued delivery was received. */
  now?: Time
}

/** {@link Webhooks.constructEventFromRequest}'s options: those of a verification, and how much body to read. */
export interface RequestVerifyOptions extends VerifyOptions {
  /**
   * The largest body read, in bytes: a positive whole number (not `'1mb'`,
   * which is `option_invalid`); default 5 MiB (the core's). A larger body is
   * refused with `payload_invalid_json` (its `status` is 413).
   */
  limit?: number
}

/**
 * What a successful verification proves. Its timestamp is a bigint when the
 * call's `now` was one (`Verified<bigint>`), as Node's `fs.stat` answers
 * `{bigint: true}`: exact beyond 2^53 seconds, where a number rounds.
 */
export interface Verified<Seconds extends number | bigint = number> {
  /** The header's `t`, in unix seconds. */
  timestamp: Seconds
  /** Index, in the secrets given, of the secret that matched. */
  secretIndex: number
}

/**
 * A JSON object as `JSON.parse` gives it. Every typed object below is
 * assignable to it, which is the typed way to read a field the types do not
 * name: `const fields: JsonObject = event.data.object; fields.metadata`.
 */
export type JsonObject = { [field: string]: unknown }

// The objects are type aliases, not interfaces, so that they are assignable
// to JsonObject; they have no index signature, so a misspelt field
// (`.amout`) is a compile error. Only `id` is required: protocol §5.2 never
// refuses an authentic event for a missing field, so the others may be absent.

// generated objects: begin: written by scripts/generate-objects.py from the core's schema (facts.json `objects`): edit the core, not this.

/** A payment (`pay_...`). */
export type Payment = {
  /** The payment's id. */
  id: string
  object?: 'payment'
  /** In minor units (cents). */
  amount?: number
  /** ISO 4217, lower case. */
  currency?: string
  /** The payment's status. */
  status?: string
  /** The customer's id (`cust_...`). */
  customer?: string
}

/** A subscription (`sub_...`). */
export type Subscription = {
  /** The subscription's id. */
  id: string
  object?: 'subscription'
  /** The customer's id (`cust_...`). */
  customer?: string
  /** The subscription's status. */
  status?: string
  /** Unix seconds. */
  currentPeriodStart?: number
  /** Unix seconds. */
  currentPeriodEnd?: number
}

/** A refund (`ref_...`). */
export type Refund = {
  /** The refund's id. */
  id: string
  object?: 'refund'
  /** The refunded payment's id. */
  payment?: string
  /** In minor units (cents). */
  amount?: number
  /** The refund's status. */
  status?: string
}

/** A customer (`cust_...`). */
export type Customer = {
  /** The customer's id. */
  id: string
  object?: 'customer'
  /** The customer's email address. */
  email?: string
  /** The customer's name. */
  name?: string
}

/** A dispute (`dp_...`). */
export type Dispute = {
  /** The dispute's id. */
  id: string
  object?: 'dispute'
  /** The disputed payment's id. */
  payment?: string
  /** In minor units (cents). */
  amount?: number
  /** Why the payment is disputed. */
  reason?: string
  /** The dispute's status. */
  status?: string
}

export type PaymentEventType =
  | 'payment.created'
  | 'payment.succeeded'
  | 'payment.failed'
  | 'payment.canceled'
  | 'payment.processing'
export type SubscriptionEventType =
  | 'subscription.created'
  | 'subscription.updated'
  | 'subscription.deleted'
  | 'subscription.trial_will_end'
export type RefundEventType =
  | 'refund.created'
  | 'refund.updated'
  | 'refund.failed'
export type CustomerEventType =
  | 'customer.created'
  | 'customer.updated'
export type DisputeEventType =
  | 'dispute.opened'
  | 'dispute.resolved'
export type KnownEventType =
  | PaymentEventType
  | SubscriptionEventType
  | RefundEventType
  | CustomerEventType
  | DisputeEventType

export type PaymentEvent = EventOf<PaymentEventType, Payment>
export type SubscriptionEvent = EventOf<SubscriptionEventType, Subscription>
export type RefundEvent = EventOf<RefundEventType, Refund>
export type CustomerEvent = EventOf<CustomerEventType, Customer>
export type DisputeEvent = EventOf<DisputeEventType, Dispute>

/** An event of one of the 16 types this SDK version knows. */
export type KnownEvent = PaymentEvent | SubscriptionEvent | RefundEvent | CustomerEvent | DisputeEvent
// generated objects: end

/** An event of one of the known types, carrying its typed object. */
export type EventOf<Type extends string, Object> = {
  /** The event id (`evt_...`): process each id once, deliveries are retried. */
  id: string
  object?: 'event'
  type: Type
  /** Unix seconds. */
  created?: number
  /** False for events of test mode. */
  livemode?: boolean
  data: {
    object: Object
    /** On `*.updated` events: the fields that changed, with their former values. */
    previous_attributes?: JsonObject
  }
}


/**
 * The `type` of an event this SDK version does not know. At run time it is
 * the type's name, as sent; in the types it is a pattern no name you write
 * can match, which is what makes a misspelt `case 'payment.succeded'` a
 * compile error (TS2678) rather than a dead branch, while the known cases
 * still narrow. Read it as a string: `const type: string = event.type`.
 */
export type UnknownEventType = `${string} (a type this SDK version does not know)`

/**
 * An event of a type this SDK version does not know (newer than it). Reach
 * it in the `default` branch of a `switch (event.type)` over the known
 * types, or with `isKnownEvent(event)` false; its fields are `unknown`.
 */
export type UnknownEvent = {
  id: string
  type: UnknownEventType
  created?: number
  data: { object: JsonObject; [field: string]: unknown }
  [field: string]: unknown
}

/**
 * A verified Payvost event, `JSON.parse` of the raw body: a union
 * discriminated by `type` over the 16 known types, and the events of types
 * this version does not know.
 *
 * ```ts
 * switch (event.type) {
 *   case 'payment.succeeded':
 *     event.data.object.amount // number | undefined
 *     break
 *   default: {
 *     const type: string = event.type // a type this version does not know
 *   }
 * }
 * ```
 */
export type Event = KnownEvent | UnknownEvent

/** The base of every error this SDK throws; `code` says which rule failed. */
export declare class PayvostError extends Error {
  readonly code: ErrorCode
}

/** The request is not authentic or not fresh: answer 400 and do not process it. */
export declare class PayvostSignatureVerificationError extends PayvostError {
  readonly code:
    | 'header_missing'
    | 'header_malformed'
    | 'no_signatures'
    | 'signature_mismatch'
    | 'timestamp_too_old'
    | 'timestamp_too_new'
  /** At most the first 100 bytes of the header given. */
  readonly header?: string
  /** At most the first 100 bytes of the payload given. */
  readonly payload?: string
}

/** The request is authentic but its body is not an event, or the body given was not the raw one. */
export declare class PayvostInvalidPayloadError extends PayvostError {
  readonly code: 'payload_invalid_json' | 'payload_invalid_event' | 'payload_wrong_type'
  readonly header?: string
  readonly payload?: string
}

/** The secret, the tolerance or an adapter's option is unusable: a configuration mistake, whatever the request. */
export declare class PayvostConfigurationError extends PayvostError {
  readonly code: 'secret_invalid' | 'tolerance_invalid' | 'option_invalid'
}

/**
 * The delivery is authentic, but processing it once cannot be assured now
 * (the idempotency guard): `event_in_progress` (another worker holds it:
 * answer 409), `store_unavailable` (503), `event_id_reused` (the id came
 * before with another body: 422), `lease_lost` (this worker's lease ended
 * and another took the event).
 */
export declare class PayvostIdempotencyError extends PayvostError {
  /** `receiver_busy` (an adapter past its `maxConcurrent`: 503) shares the category. */
  readonly code: 'event_in_progress' | 'store_unavailable' | 'event_id_reused' | 'lease_lost' | 'receiver_busy'
}

/** What {@link IdempotencyGuard.process} did. */
export interface ProcessResult {
  /** `processed`: the handler ran and completed; `duplicate`: the event was processed before. */
  readonly outcome: 'processed' | 'duplicate'
  /** How many times the event was claimed: 2 after one failure. */
  readonly attempt: number
}

/**
 * Where the guard keeps its records: each step one atomic operation of the
 * store, on the store's clock. The stores here implement it; the statements
 * and scripts are the core's.
 */
export interface IdempotencyStore {
  claim(key: string, fingerprint: string, token: string, leaseMs: number, retentionMs: number): Promise<[outcome: 'claimed' | 'duplicate' | 'in_progress' | 'reused', attempt: number]>
  renew(key: string, token: string, leaseMs: number): Promise<boolean>
  release(key: string, token: string): Promise<boolean>
  complete(key: string, token: string, retentionMs: number): Promise<boolean>
  /** Marks the record failed after its delivery was answered, keeping its raw body and header. */
  fail(key: string, token: string, body: string, header: string): Promise<boolean>
  /** The failed records whose keys start with `prefix`, by key. */
  failed(prefix: string): Promise<Array<[key: string, attempt: number, body: string, header: string]>>
  /** Creates the table where missing (SQL stores). */
  setup?(): Promise<void>
  /** Drops records past their retention; how many. */
  purge?(): Promise<number>
}

export interface IdempotencyGuardOptions {
  store: IdempotencyStore
  /** Seconds a claim holds unrenewed (renewed every third of it while the handler runs); default 60. */
  lease?: number
  /** Seconds a completed event is remembered; default 7 days. */
  retention?: number
  /** Prefix of the record keys, `<namespace>:<event id>`; default `payvost`. */
  namespace?: string
}

/**
 * Runs a handler once per event across every worker, in any language of
 * the SDK, that shares its store (docs/protocol.md §11).
 */
declare class IdempotencyGuard {
  constructor(options: IdempotencyGuardOptions)
  /**
   * Claims the event, runs `handler` while renewing the lease, and
   * completes it; a duplicate does not run it. `payload` is the raw body
   * the event came in. A handler's error releases the claim and is thrown
   * again; the guard's own are PayvostIdempotencyError.
   */
  process<E extends { readonly id: string }>(event: E, payload: Payload, handler: (event: E) => unknown): Promise<ProcessResult>
  /**
   * PostgreSQL only: runs `handler(event, client)` inside one transaction of
   * `client` (a pg Client of the store's database, `await pool.connect()`),
   * in which the event's completion commits too: the handler's writes and
   * the record commit together or not at all.
   */
  processInTransaction<E extends { readonly id: string }, C extends { query(...args: any[]): Promise<unknown> }>(
    event: E, payload: Payload, client: C, handler: (event: E, client: C) => unknown): Promise<ProcessResult>
  /**
   * The first half of `process`, for receivers that answer in between: a
   * duplicate, or a claim whose `run(handler)` is the second half.
   */
  claim<E extends { readonly id: string }>(event: E, payload: Payload): Promise<
    { readonly outcome: 'duplicate'; readonly attempt: number } |
    { readonly outcome: 'claimed'; readonly attempt: number; run(handler: (event: E) => unknown, how?: { acknowledged?: boolean; header?: string }): Promise<ProcessResult> }>
  /**
   * The events whose handlers failed after their delivery was answered
   * (`acknowledgeFirst`): Payvost will not deliver them again, so the guard
   * keeps their raw body and header until the retention ends.
   */
  failed(): Promise<FailedEvent[]>
  /**
   * Runs `handler` again for a failed event, with the event its stored body
   * holds: `{outcome: 'processed', attempt}`; should it fail again, the
   * record stays failed and the error is thrown.
   */
  retry(id: string, handler: (event: Event) => unknown): Promise<ProcessResult>
  /** Drops the records past their retention (SQL stores): how many. */
  purge(): Promise<number>
}

/** An event whose handlers failed after its delivery was answered, as the guard keeps it. */
export interface FailedEvent {
  readonly id: string
  /** The claims of the event so far. */
  readonly attempt: number
  /** The raw body, as delivered and verified. */
  readonly body: string
  /** The Payvost-Signature header it came with. */
  readonly header: string
}

/** Records in this process's memory: one process only. */
declare class MemoryStore implements IdempotencyStore {
  constructor()
  claim(key: string, fingerprint: string, token: string, leaseMs: number, retentionMs: number): Promise<[outcome: 'claimed' | 'duplicate' | 'in_progress' | 'reused', attempt: number]>
  renew(key: string, token: string, leaseMs: number): Promise<boolean>
  release(key: string, token: string): Promise<boolean>
  complete(key: string, token: string, retentionMs: number): Promise<boolean>
  fail(key: string, token: string, body: string, header: string): Promise<boolean>
  failed(prefix: string): Promise<Array<[key: string, attempt: number, body: string, header: string]>>
  setup(): Promise<void>
  purge(): Promise<number>
}

/** What SqliteStore takes open: a node:sqlite DatabaseSync or a better-sqlite3 Database. */
export interface SqliteDatabase {
  prepare(sql: string): { get(...params: unknown[]): unknown; run(...params: unknown[]): { changes: number | bigint } }
  exec(sql: string): unknown
}

/** Records in SQLite: one machine. A path (node:sqlite on Node 22.13+, else better-sqlite3) or an open database. */
declare class SqliteStore extends MemoryStore {
  constructor(database: string | SqliteDatabase)
}

/** Records in Redis: an ioredis client, or a connected redis (v4+) client. */
declare class RedisStore extends MemoryStore {
  constructor(client: object)
}

/** Records in PostgreSQL: a pg Pool, or a connected Client. */
declare class PostgresStore extends MemoryStore {
  constructor(client: { query(config: { text: string; values: unknown[]; rowMode: 'array' }): Promise<unknown> })
}

// Reached through `payvost.idempotency`; their types are exported by name.
export type { IdempotencyGuard, MemoryStore, SqliteStore, RedisStore, PostgresStore }

/** `payvost.idempotency`: processing each event once. */
export interface Idempotency {
  IdempotencyGuard: typeof IdempotencyGuard
  MemoryStore: typeof MemoryStore
  SqliteStore: typeof SqliteStore
  RedisStore: typeof RedisStore
  PostgresStore: typeof PostgresStore
  /** The fingerprint the guard records for a raw body: its SHA-256 in hex, by the core. */
  fingerprint(payload: Payload): string
}

export interface TestHeaderOptions {
  payload: Payload
  secret: string
  /** Default: now. */
  timestamp?: Time
}

/** What every framework adapter takes. */
export interface AdapterOptions {
  secret: SecretArgument
  tolerance?: number
  /**
   * Largest body read, in bytes: a positive whole number (`1_048_576`, not
   * `'1mb'`: anything else throws `option_invalid` when the adapter is
   * built); default 5 MiB. A larger body is answered 413.
   */
  limit?: number
  /**
   * Handlers to run once verified: the adapter then answers 200
   * `{received: true}` itself, and a handler's error reaches the framework (500).
   */
  router?: EventRouter
  /**
   * Answer 200 once verified, before the handlers run (Payvost waits 30 s
   * at most); their errors go to `onError`. Needs `router` and `onError`.
   * Should `onError` throw or reject too, that is reported once as a process
   * warning (`PAYVOST_ON_ERROR_THREW`), or on the console where there is no
   * `process`; the server goes on.
   */
  acknowledgeFirst?: boolean
  onError?: (error: unknown, event: Event) => void
  /**
   * Runs the `router`'s handlers inside this guard: once per event across
   * every worker sharing its store (docs/protocol.md §11). A duplicate is
   * answered 200 without running them; `event_in_progress` 409,
   * `event_id_reused` 422, `store_unavailable` 503; a handler's error 500
   * once the claim is released. With `acknowledgeFirst`, the 200 goes out
   * only once the claim is held.
   */
  idempotency?: IdempotencyGuard
  /**
   * Gets the record of every delivery the adapter answered (protocol
   * §10.2): processed, duplicate, refused (a forgery, a stale or oversized
   * body), failed (a handler's error) or in progress. It never holds the
   * secret or the body. A hook that throws or rejects never changes the
   * answer: that is reported once as a process warning
   * (`PAYVOST_ON_DELIVERY_THREW`). `webhooks.prometheus(client)` makes
   * one that feeds prom-client.
   */
  onDelivery?: (record: DeliveryRecord) => unknown
  /**
   * At most this many deliveries at once (a whole number, 1 or more):
   * past it, a delivery is answered 503 `receiver_busy` with `Retry-After:
   * 30` before its body is read, and recorded as `shed`. Payvost delivers
   * it again later. Default: no limit.
   */
  maxConcurrent?: number
  /**
   * Where the adapter counts its records: a `DeliveryStats` of your own
   * (Fastify's plugin returns nothing to ask, so pass one there), or the
   * adapter's own, read with its `stats()`.
   */
  stats?: DeliveryStats
}

/** `{total, outcomes, codes}`: the deliveries an adapter answered, counted (protocol §10.2). */
export interface DeliveryCounts {
  total: number
  outcomes: Record<DeliveryRecord['outcome'], number>
  /** Each error code answered, with its count. */
  codes: Partial<Record<ErrorCode, number>>
}

/**
 * The records of one or more adapters, counted: since the start by outcome
 * and code, and the refusals since the last `anomalies()` by code and address.
 *
 * @example
 *   const stats = new webhooks.DeliveryStats()
 *   app.register(webhooks.fastify, { secret, router, stats })
 *   setInterval(() => stats.anomalies().forEach((line) => console.warn(line)), 60_000)
 */
export declare class DeliveryStats {
  /** Counts one record; bound, so usable as an `onDelivery` hook. */
  readonly record: (record: DeliveryRecord) => void
  snapshot(): DeliveryCounts
  /** One line per refused code since the last call, with its likely cause (a rotated secret, a probe, a clock); empty when nothing was refused. */
  anomalies(): string[]
}

/** What the Express, Koa and Hono middleware have besides being one: their counts. */
export interface Counted {
  /** The adapter's counts so far. */
  stats(): DeliveryCounts
  /** The refusals since the last call, one line per code with its likely cause. */
  anomalies(): string[]
}

/** The subset of prom-client the metrics helper uses: pass `require('prom-client')`. */
export interface PromClient {
  Counter: new (config: any) => { inc(labels: Record<string, string>, value?: number): void }
  Histogram: new (config: any) => { observe(labels: Record<string, string>, value: number): void }
}

/** What a receiver reports of one delivery (protocol §10.2), in the core's field order. */
export interface DeliveryRecord {
  /** The event's id, once its body was verified and parsed. */
  event_id?: string
  event_type?: string
  outcome: 'processed' | 'duplicate' | 'refused' | 'failed' | 'in_progress' | 'shed'
  /** The error code answered, when there is one. */
  code?: ErrorCode
  /** The HTTP status answered. */
  status: number
  /** Seconds from the header's `t` to the verification. */
  signature_age?: number
  /** The position of the secret that matched. */
  secret_index?: number
  /** The idempotency guard's attempt, with a guard. */
  attempt?: number
  /** From the request's arrival to its answer (with `acknowledgeFirst`, to the handlers' end). */
  duration_ms: number
  /** Unix seconds at which the request arrived. */
  received_at: number
  /** The address the request came from, as the server saw it (a proxy's, unless the framework trusts its forwarding header). */
  remote_address?: string
}

/**
 * The HTTP event a Lambda function receives from an API Gateway REST API
 * (payload 1.0), an HTTP API or a function URL (payload 2.0), or an
 * Application Load Balancer: the members the SDK reads. The types of
 * `@types/aws-lambda` (`APIGatewayProxyEvent`, `APIGatewayProxyEventV2`,
 * `ALBEvent`) are assignable to it.
 */
export interface LambdaHttpEvent {
  version?: string
  headers?: Record<string, string | undefined> | null
  multiValueHeaders?: Record<string, string[] | undefined> | null
  body?: string | null
  isBase64Encoded?: boolean
  requestContext?: unknown
}

/** The answer a {@link Webhooks.lambda} handler gives the front end. */
export interface LambdaHttpResult {
  statusCode: number
  body: string
  isBase64Encoded: false
  headers?: Record<string, string>
  /** For a load balancer that sent `multiValueHeaders`. */
  multiValueHeaders?: Record<string, string[]>
  /** For a load balancer: `"200 OK"`. */
  statusDescription?: string
}

/** {@link Webhooks.lambda}'s options. */
export interface LambdaWebhookOptions {
  secret: SecretArgument
  tolerance?: number
  /** Largest body, in bytes, once decoded: a positive whole number; default 5 MiB. A larger one is answered 413. */
  limit?: number
  /** The handlers of verified events; the handler answers 200 `{received: true}` once they ran. */
  router: EventRouter
  /** Runs the handlers inside this guard, once per event across every function instance sharing its store. */
  idempotency?: IdempotencyGuard
  /**
   * Refused (`option_invalid`): Lambda freezes the function once the
   * handler returns, so handlers run after the answer may never finish.
   */
  acknowledgeFirst?: never
}

export interface FastifyWebhookOptions extends AdapterOptions {
  /** The route's path; default `/webhooks/payvost`. */
  path?: string
  /** Without a `router`: what answers a verified delivery. */
  handler?: (event: Event, request: any, reply: any) => unknown
}

export interface KoaWebhookOptions extends AdapterOptions {
  /**
   * Mounted app-wide (`app.use`), the middleware acts on POSTs to this path
   * only and passes every other request on; default `/webhooks/payvost`.
   * Mounted on a route of `@koa/router`, it acts on what the route matched.
   */
  path?: string
}

export interface HonoWebhookOptions extends Omit<AdapterOptions, 'secret'> {
  /**
   * The secret, or a function of the request's context that returns it: on
   * Cloudflare Workers, `(c) => c.env.PAYVOST_WEBHOOK_SECRET`.
   */
  secret: SecretArgument | ((c: any) => SecretArgument)
}

/** The Express middleware's options: those of every adapter. */
export type MiddlewareOptions = AdapterOptions

/** The event of the known type `T`, with its typed object. */
export type EventOfType<T extends KnownEventType> = T extends PaymentEventType
  ? EventOf<T, Payment>
  : T extends SubscriptionEventType
    ? EventOf<T, Subscription>
    : T extends RefundEventType
      ? EventOf<T, Refund>
      : T extends CustomerEventType
        ? EventOf<T, Customer>
        : EventOf<T, Dispute>

/**
 * Handlers by event type, for verified events:
 *
 * ```ts
 * const router = new EventRouter()
 *   .on('payment.succeeded', async (event) => fulfil(event.data.object.id))
 *   .onUnhandled((event) => console.log('not handled:', event.type))
 * app.post('/webhooks/payvost', webhooks.middleware({ secret, router }))
 * ```
 *
 * `dispatch(event)` runs the `onAny` handlers, then those of the event's
 * type, or the `onUnhandled` ones when it has none, one after another; it
 * rejects with the first error a handler throws.
 */
export declare class EventRouter {
  /** Runs `handler` for events of `type`, its event typed for that type. */
  on<T extends KnownEventType>(type: T, handler: (event: EventOfType<T>) => unknown): this
  /** Runs `handler` for every event, first. */
  onAny(handler: (event: Event) => unknown): this
  /** Runs `handler` for events whose type has no `on` handler, types newer than this SDK included. */
  onUnhandled(handler: (event: Event) => unknown): this
  dispatch(event: Event): Promise<void>
}

/** The subset of Node's IncomingMessage and Express's request the middleware reads. */
export interface MiddlewareRequest {
  headers: Record<string, string | string[] | undefined>
  body?: unknown
  payvostEvent?: Event
  on(event: string, listener: (...args: any[]) => void): unknown
}

/**
 * A verifier built once from an endpoint's secret (or several, while
 * rotating) and a tolerance, that checks many deliveries with no key setup
 * per call. Keep one per endpoint.
 *
 * ```ts
 * const verifier = new WebhookVerifier(process.env.PAYVOST_WEBHOOK_SECRET, { tolerance: 300 })
 * const event = verifier.constructEvent(req.body, req.headers['payvost-signature'])
 * ```
 */
export declare class WebhookVerifier {
  constructor(secret: SecretArgument, options?: { tolerance?: number })
  /** As `webhooks.constructEvent`, with this verifier's secrets and tolerance. */
  constructEvent(payload: Payload, sigHeader: string | readonly string[] | undefined | null, options?: { now?: Time }): Event
  /** As `webhooks.verifyHeader`, with this verifier's secrets and tolerance. */
  verifyHeader(payload: Payload, sigHeader: string | readonly string[] | undefined | null, options: { now: bigint }): Verified<bigint>
  verifyHeader(payload: Payload, sigHeader: string | readonly string[] | undefined | null, options?: { now?: number | Date }): Verified
  /** Frees the WebAssembly memory it holds at once (a no-op on the native backend). */
  free(): void
}

export interface Webhooks {
  /**
   * Verifies the `Payvost-Signature` header over the raw body and returns
   * the event. Throws a {@link PayvostError} subclass on any failure.
   *
   * @param payload the raw request body (with Express: `express.raw({type: 'application/json'})`)
   * @param sigHeader `req.headers['payvost-signature']`
   * @param secret the endpoint's signing secret, `whsec_...`, or several while rotating
   * @param tolerance seconds (default 300), or `{tolerance, now}`
   */
  constructEvent(
    payload: Payload,
    sigHeader: string | readonly string[] | undefined | null,
    secret: SecretArgument,
    tolerance?: number | VerifyOptions,
  ): Event
  /** Verifies without parsing the body; with `now` a bigint, the timestamp is one too. */
  verifyHeader(
    payload: Payload,
    sigHeader: string | readonly string[] | undefined | null,
    secret: SecretArgument,
    options: VerifyOptions & { now: bigint },
  ): Verified<bigint>
  verifyHeader(
    payload: Payload,
    sigHeader: string | readonly string[] | undefined | null,
    secret: SecretArgument,
    tolerance?: number | (VerifyOptions & { now?: number | Date }),
  ): Verified
  /**
   * The header Payvost would send, for testing a handler without a network.
   * Throws PayvostConfigurationError for a secret a verifier would refuse
   * (`secret_invalid`) or a negative timestamp (`tolerance_invalid`).
   */
  generateTestHeaderString(options: TestHeaderOptions): string
  /**
   * Reads a WHATWG Request's body once, up to `limit` bytes, and verifies it
   * (Next.js app router, Hono, Remix).
   */
  constructEventFromRequest(
    request: Request,
    secret: SecretArgument,
    tolerance?: number | RequestVerifyOptions,
  ): Promise<Event>
  /**
   * Verifies the HTTP event of AWS Lambda as its front end delivers it
   * (API Gateway REST or HTTP API, a function URL, a load balancer): the
   * body decoded when `isBase64Encoded` is true, the header found in any
   * case. A header sent twice is `header_malformed`; an event of another
   * kind `payload_wrong_type`.
   *
   * ```ts
   * export const handler = async (event: APIGatewayProxyEventV2) => {
   *   const verified = webhooks.constructEventFromLambda(event, process.env.PAYVOST_WEBHOOK_SECRET)
   *   return { statusCode: 200, body: JSON.stringify({ received: verified.id }) }
   * }
   * ```
   */
  constructEventFromLambda(
    event: LambdaHttpEvent,
    secret: SecretArgument,
    tolerance?: number | RequestVerifyOptions,
  ): Event
  /**
   * A Lambda handler for the webhook route: verifies, runs the router's
   * handlers (inside `idempotency` when given), and answers in the front
   * end's shape, 200 `{received: true}` or the refusal's status with
   * `{error: {code, message}}`. A handler's error is thrown to the runtime.
   *
   * ```ts
   * export const handler = webhooks.lambda({ secret: process.env.PAYVOST_WEBHOOK_SECRET, router })
   * ```
   */
  lambda(options: LambdaWebhookOptions): (event: LambdaHttpEvent, context?: unknown) => Promise<LambdaHttpResult>
  /**
   * True when the event's type is one of the 16 this SDK version knows: a
   * type guard, so that `false` leaves an {@link UnknownEvent}.
   */
  isKnownEvent(event: Event): event is KnownEvent
  /**
   * A Fastify plugin: `app.register(webhooks.fastify, {secret, path, router})`
   * or `{secret, path, handler}`. Its raw-body parser is scoped to the
   * plugin; a refused delivery is answered 400, a body over `limit` 413.
   * The verified event is `request.payvostEvent`. Typed as Fastify types its
   * plugins, with `request.payvostEvent` declared: `payvostWebhooks` of the
   * package's `./fastify` entry, the same function.
   */
  fastify(app: any, options: FastifyWebhookOptions): Promise<void>
  /**
   * Koa middleware: sets `ctx.state.payvostEvent`, or answers 400 (413 over
   * `limit`); with a `router`, answers itself. App-wide it acts on POSTs to
   * its `path` only, so `GET /health` on the same app is untouched.
   */
  koa(options: KoaWebhookOptions): ((ctx: any, next: () => Promise<unknown>) => Promise<unknown>) & Counted
  /**
   * Hono middleware, on Node and edge runtimes: sets `c.get('payvostEvent')`,
   * or answers 400 (413 over `limit`); with a `router`, answers itself. On
   * Workers, `secret` may be `(c) => c.env.PAYVOST_WEBHOOK_SECRET`. Typed as
   * Hono's `createMiddleware` types one, so that `c.get('payvostEvent')` is
   * an {@link Event}: `payvostWebhook` of the package's `./hono` entry, the
   * same function.
   */
  hono(options: HonoWebhookOptions): ((c: any, next: () => Promise<void>) => Promise<Response | void>) & Counted
  /** Express/Connect middleware: sets `req.payvostEvent`, or answers 400 with `{error: {code, message}}`. */
  middleware(options: MiddlewareOptions): ((req: MiddlewareRequest, res: any, next: (error?: unknown) => void) => void) & Counted
  /** Counts of delivery records, for adapters given one as `stats`. */
  DeliveryStats: typeof DeliveryStats
  /**
   * An `onDelivery` hook feeding prom-client: `payvost_webhook_deliveries_total{outcome, code}`
   * and `payvost_webhook_delivery_duration_seconds{outcome}`.
   *
   * @example
   *   webhooks.middleware({ secret, router, onDelivery: webhooks.prometheus(require('prom-client')) })
   */
  prometheus(client: PromClient, options?: { registers?: unknown[]; prefix?: string }): (record: DeliveryRecord) => void
  /**
   * Which engine runs the core: `'napi'`, the native addon for this platform,
   * or `'wasm'`, the WebAssembly build (always in @payvost/webhooks-wasm; in
   * @payvost/node-sdk where no native addon loads, or with
   * `PAYVOST_NODE_BACKEND=wasm`). Behaviour is the same; only speed differs.
   */
  readonly backend: 'napi' | 'wasm'
  /** The reusable verifier; also exported at the top level. */
  readonly WebhookVerifier: typeof WebhookVerifier
  /** The event router; also exported at the top level. */
  readonly EventRouter: typeof EventRouter
  readonly DEFAULT_TOLERANCE: 300
  readonly errorCodes: { readonly [K in ErrorCode as Uppercase<K>]: K }
}

export declare const webhooks: Webhooks
export declare const constructEvent: Webhooks['constructEvent']
export declare const verifyHeader: Webhooks['verifyHeader']
export declare const generateTestHeaderString: Webhooks['generateTestHeaderString']
export declare const constructEventFromRequest: Webhooks['constructEventFromRequest']
export declare const constructEventFromLambda: Webhooks['constructEventFromLambda']
export declare const isKnownEvent: Webhooks['isKnownEvent']
export declare const DEFAULT_TOLERANCE: 300
export declare const errorCodes: Webhooks['errorCodes']
export declare const idempotency: Idempotency

declare const payvost: {
  webhooks: Webhooks
  constructEvent: Webhooks['constructEvent']
  verifyHeader: Webhooks['verifyHeader']
  generateTestHeaderString: Webhooks['generateTestHeaderString']
  constructEventFromRequest: Webhooks['constructEventFromRequest']
  constructEventFromLambda: Webhooks['constructEventFromLambda']
  isKnownEvent: Webhooks['isKnownEvent']
  WebhookVerifier: typeof WebhookVerifier
  EventRouter: typeof EventRouter
  PayvostError: typeof PayvostError
  PayvostSignatureVerificationError: typeof PayvostSignatureVerificationError
  PayvostInvalidPayloadError: typeof PayvostInvalidPayloadError
  PayvostConfigurationError: typeof PayvostConfigurationError
  PayvostIdempotencyError: typeof PayvostIdempotencyError
  idempotency: Idempotency
  DEFAULT_TOLERANCE: 300
  errorCodes: Webhooks['errorCodes']
}
export default payvost

// `webhooks.middleware()` sets `req.payvostEvent`: Express's Request says so
// (a namespace merge, harmless where @types/express is not installed).
declare global {
  namespace Express {
    interface Request {
      /** The verified event, set by `payvost.webhooks.middleware()`. */
      payvostEvent?: Event
    }
  }
}
