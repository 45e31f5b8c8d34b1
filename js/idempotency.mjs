// Processing each event once (protocol §11): the idempotency guard and the
// stores it runs on, each wrapping the client the app already has. The
// statements and scripts are the core's (facts.idempotency), so records
// written here are read alike by Python, PHP and Rust; nothing here writes
// SQL or Lua of its own.

import * as convert from './convert.mjs'
import { payvostError } from './errors.mjs'
import { facts } from './facts.mjs'

/** One of the guard's errors, with the core's message, and in `status` what a receiver answers it with. */
function guardError(code, values) {
  let message = facts.messages[code]
  for (const [name, value] of Object.entries(values)) message = message.replace(`{${name}}`, value)
  return Object.assign(payvostError(code, `${message}.`), { status: facts.statusOf[code] })
}

/** A store's failure, whatever its client threw, as `store_unavailable`. */
function unavailable(error) {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return guardError('store_unavailable', { why })
}

/** Runs a store's call, its failures as `store_unavailable`. */
async function storeCall(call) {
  try {
    return await call()
  } catch (error) {
    throw unavailable(error)
  }
}

function option(name, value, fallback, check, what) {
  if (value === undefined) return fallback
  if (!check(value)) throw payvostError('option_invalid', `IdempotencyGuard's ${name} must be ${what}, not ${convert.literal(value)}.`)
  return value
}

const positiveSeconds = (value) => typeof value === 'number' && value > 0 && value < 1e9

/** The claim's answer, `[outcome, attempt]`; no row is a claim not yet visible. */
function claimRow(row) {
  if (row === undefined || row === null) return ['in_progress', 0]
  const [outcome, attempt] = Array.isArray(row) ? row : [row.outcome, row.attempt]
  return [String(outcome), Number(attempt)]
}

/**
 * Web Crypto: the global one (Node 20 and later, Deno, Bun, Workers,
 * browsers), else Node 18's `webcrypto`, imported by a name bundlers leave
 * alone, since only Node 18 ever reaches it.
 */
let webCrypto
async function cryptoApi() {
  if (webCrypto === undefined) {
    const builtin = 'node:crypto'
    webCrypto = globalThis.crypto ?? (await import(builtin)).webcrypto
  }
  return webCrypto
}

/** A random token that fences this claim. */
async function token() {
  const bytes = (await cryptoApi()).getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function createIdempotency(backend) {
  /**
   * Runs a handler once per event across every worker sharing `store`
   * (docs/protocol.md §11): `lease` seconds a claim holds unrenewed
   * (renewed every third of it while the handler runs), `retention`
   * seconds a completed event is remembered, `namespace` before each key.
   */
  class IdempotencyGuard {
    #store
    #leaseMs
    #retentionMs
    #namespace

    constructor(options) {
      const { store, lease, retention, namespace } = options ?? {}
      if (store === null || typeof store !== 'object' || !['claim', 'renew', 'release', 'complete'].every((m) => typeof store[m] === 'function')) {
        throw payvostError('option_invalid', 'IdempotencyGuard takes {store} (a MemoryStore, SqliteStore, RedisStore or PostgresStore), ' +
          `not ${store === undefined ? 'none' : convert.describe(store)}.`)
      }
      this.#store = store
      this.#leaseMs = Math.round(option('lease', lease, facts.idempotency.lease, positiveSeconds, 'a positive number of seconds') * 1000)
      this.#retentionMs = Math.round(option('retention', retention, facts.idempotency.retention, positiveSeconds, 'a positive number of seconds') * 1000)
      this.#namespace = option('namespace', namespace, facts.idempotency.namespace, (v) => typeof v === 'string' && v !== '', 'a non-empty string')
    }

    /**
     * Claims `event`, runs `await handler(event)` while renewing the lease,
     * then completes it: `{outcome: 'processed' | 'duplicate', attempt}`.
     * `payload` is the raw body the event came in. A handler's error
     * releases the claim and is thrown again.
     */
    async process(event, payload, handler) {
      if (typeof handler !== 'function') throw payvostError('option_invalid', 'IdempotencyGuard.process takes (event, payload, handler).')
      const claim = await this.claim(event, payload)
      return claim.outcome === 'duplicate' ? claim : claim.run(handler)
    }

    /**
     * The first half of `process`, for receivers that answer in between
     * (acknowledging first): `{outcome: 'duplicate', attempt}`, or
     * `{outcome: 'claimed', attempt, run(handler)}`, whose `run` is the
     * second half. Throws `event_in_progress` and `event_id_reused`.
     */
    async claim(event, payload) {
      const id = event !== null && typeof event === 'object' ? event.id : undefined
      if (typeof id !== 'string' || id === '') {
        throw payvostError('option_invalid', `IdempotencyGuard processes a verified event (with an id), not ${convert.describe(event)}.`)
      }
      const key = `${this.#namespace}:${id}`
      const mine = await token()
      const [outcome, attempt] = await this.#store.claim(key, fingerprint(payload), mine, this.#leaseMs, this.#retentionMs)
      if (outcome === 'duplicate') return { outcome: 'duplicate', attempt }
      if (outcome === 'reused') throw guardError('event_id_reused', { id })
      if (outcome !== 'claimed') throw guardError('event_in_progress', { id })
      return { outcome: 'claimed', attempt, token: mine, run: (handler, how) => this.#run(event, key, mine, attempt, handler, { payload, ...how }) }
    }

    /**
     * Runs the handler under the claim; `completed` when the handler
     * completed the record itself. `acknowledged` (with the delivery's
     * `header`) when its delivery was answered already: a handler's error
     * then marks the record failed, with the raw body and header, for
     * `failed()` and `retry()`, since Payvost will not deliver it again.
     */
    async #run(event, key, mine, attempt, handler, { completed = false, acknowledged = false, header = '', payload } = {}) {
      const store = this.#store
      // A failed renewal is tried again; a lost lease shows at completion.
      const renewing = setInterval(() => store.renew(key, mine, this.#leaseMs).catch(() => {}), this.#leaseMs / 3)
      try {
        await handler(event)
      } catch (error) {
        clearInterval(renewing)
        // Failing or releasing: if the store is down too, the lease ends on its own.
        if (acknowledged) await store.fail(key, mine, convert.text(payload), String(header ?? '')).catch(() => {})
        else await store.release(key, mine).catch(() => {})
        throw error
      } finally {
        clearInterval(renewing)
      }
      if (!completed && !(await store.complete(key, mine, this.#retentionMs))) throw guardError('lease_lost', { id: event.id })
      return { outcome: 'processed', attempt }
    }

    /**
     * PostgreSQL only: runs `await handler(event, client)` inside one
     * transaction of `client` (a pg Client, `await pool.connect()`, on the
     * store's database), in which the event's completion commits too: the
     * handler's writes and the record commit together or not at all (a
     * handler's error, or a lease lost meanwhile, rolls them back).
     */
    async processInTransaction(event, payload, client, handler) {
      if (!(this.#store instanceof PostgresStore) || typeof client?.query !== 'function') {
        throw payvostError('option_invalid', 'processInTransaction needs a guard on a PostgresStore, and a pg Client of its database.')
      }
      const claim = await this.claim(event, payload)
      if (claim.outcome === 'duplicate') return claim
      return claim.run(async (e) => {
        await storeCall(() => client.query('BEGIN'))
        let committed = false
        try {
          await handler(e, client)
          const [text, values] = bound(facts.idempotency.postgres.complete, 'dollar',
            { key: `${this.#namespace}:${e.id}`, token: claim.token, retention_ms: this.#retentionMs })
          const completed = await storeCall(() => client.query({ text, values, rowMode: 'array' }))
          if (completed.rows.length === 0) throw guardError('lease_lost', { id: e.id })
          await storeCall(() => client.query('COMMIT'))
          committed = true
        } finally {
          if (!committed) await client.query('ROLLBACK').catch(() => {})
        }
      }, { completed: true })
    }

    /**
     * The events whose handlers failed after their delivery was answered
     * (`acknowledgeFirst`), which Payvost will not deliver again:
     * `[{id, attempt, body, header}]`, by id, each kept until its retention
     * ends. `retry(id, handler)` runs one again.
     */
    async failed() {
      const prefix = `${this.#namespace}:`
      return (await this.#store.failed(prefix)).map(([key, attempt, body, header]) =>
        ({ id: key.slice(prefix.length), attempt: Number(attempt), body, header }))
    }

    /**
     * Runs `handler` again for the failed event `id` (from `failed()`),
     * with the event its stored body holds, under a claim like any
     * delivery's: `{outcome: 'processed', attempt}`. Should it fail again,
     * the record stays failed, and the error is thrown. An id that is not
     * failed (processed since, or never failed) is `option_invalid`.
     */
    async retry(id, handler) {
      if (typeof handler !== 'function') throw payvostError('option_invalid', 'IdempotencyGuard.retry takes (id, handler).')
      const failed = (await this.failed()).find((f) => f.id === id)
      if (failed === undefined) {
        throw payvostError('option_invalid', `IdempotencyGuard.retry: no failed event ${convert.literal(id)} in this guard's store ` +
          '(its handlers completed since, or it never failed after an acknowledgement).')
      }
      // The body was verified when it was delivered, and kept as it came.
      const event = JSON.parse(failed.body)
      const claim = await this.claim(event, failed.body)
      if (claim.outcome === 'duplicate') return claim
      return claim.run(handler, { acknowledged: true, header: failed.header })
    }

    /** Drops the records past their retention (SQL stores; Redis expires its own): how many. */
    async purge() {
      return typeof this.#store.purge === 'function' ? this.#store.purge() : 0
    }

    [Symbol.for('nodejs.util.inspect.custom')]() {
      return `IdempotencyGuard { store: ${this.#store.constructor.name}, lease: ${this.#leaseMs / 1000}s, namespace: '${this.#namespace}' }`
    }
  }

  /** The fingerprint the guard records for a raw body: its SHA-256 in hex, by the core. */
  const fingerprint = (payload) => backend.fingerprint(convert.payload(payload))

  return { IdempotencyGuard, MemoryStore, SqliteStore, RedisStore, PostgresStore, fingerprint }
}

/**
 * Records in this process's memory: one process only, forgotten when it
 * exits. The same states and steps as the Redis scripts, on this process's
 * clock (held to the real stores by the shared tests).
 */
export class MemoryStore {
  #records = new Map()

  async setup() {}

  async claim(key, fingerprint, token, leaseMs, retentionMs) {
    const now = Date.now()
    let record = this.#records.get(key)
    if (record !== undefined && record.expiresAt <= now) record = undefined
    if (record !== undefined) {
      if (record.fingerprint !== fingerprint) return ['reused', record.attempt]
      if (record.state === 'completed') return ['duplicate', record.attempt]
      if (record.state === 'in_progress' && record.leaseUntil > now) return ['in_progress', record.attempt]
    }
    const attempt = (record?.attempt ?? 0) + 1
    this.#records.set(key, { state: 'in_progress', fingerprint, token, leaseUntil: now + leaseMs, attempt, expiresAt: now + retentionMs })
    return ['claimed', attempt]
  }

  #held(key, token) {
    const record = this.#records.get(key)
    return record !== undefined && record.state === 'in_progress' && record.token === token && record.expiresAt > Date.now() ? record : undefined
  }

  async renew(key, token, leaseMs) {
    const record = this.#held(key, token)
    if (record) record.leaseUntil = Date.now() + leaseMs
    return record !== undefined
  }

  async release(key, token) {
    const record = this.#held(key, token)
    if (record) record.leaseUntil = Date.now()
    return record !== undefined
  }

  async complete(key, token, retentionMs) {
    const record = this.#held(key, token)
    if (record) Object.assign(record, { state: 'completed', token: '', leaseUntil: 0, expiresAt: Date.now() + retentionMs, body: undefined, header: undefined })
    return record !== undefined
  }

  async fail(key, token, body, header) {
    const record = this.#held(key, token)
    if (record) Object.assign(record, { state: 'failed', token: '', leaseUntil: 0, body, header })
    return record !== undefined
  }

  async failed(prefix) {
    const now = Date.now()
    return [...this.#records].filter(([key, r]) => key.startsWith(prefix) && r.state === 'failed' && r.expiresAt > now)
      .sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, r]) => [key, r.attempt, r.body, r.header])
  }

  async purge() {
    const now = Date.now()
    let dropped = 0
    for (const [key, record] of this.#records) {
      if (record.expiresAt <= now) {
        this.#records.delete(key)
        dropped++
      }
    }
    return dropped
  }
}

/** A statement's text and values in `dialect`, from the core's facts. */
function bound(statement, dialect, values) {
  const { text, params } = statement[dialect]
  return [text, params.map((name) => values[name])]
}

/**
 * Records in a PostgreSQL table, one round trip a step: `pg`'s Pool (or a
 * connected Client). Call `setup()` once.
 */
export class PostgresStore {
  #client

  constructor(client) {
    if (client === null || typeof client !== 'object' || typeof client.query !== 'function') {
      throw payvostError('option_invalid', `PostgresStore takes a pg Pool or Client, not ${convert.describe(client)}.`)
    }
    this.#client = client
  }

  async #rows(step, values) {
    const sql = facts.idempotency.postgres[step]
    let rows = []
    for (const statement of Array.isArray(sql) ? sql : [sql]) {
      const [text, params] = bound(statement, 'dollar', values)
      const result = await storeCall(() => this.#client.query({ text, values: params, rowMode: 'array' }))
      rows = result.rows ?? []
      if (result.command === 'DELETE') rows = new Array(result.rowCount ?? 0)
    }
    return rows
  }

  async setup() {
    await this.#rows('setup', {})
  }

  async claim(key, fingerprint, token, leaseMs, retentionMs) {
    return claimRow((await this.#rows('claim', { key, fingerprint, token, lease_ms: leaseMs, retention_ms: retentionMs }))[0])
  }

  async renew(key, token, leaseMs) {
    return (await this.#rows('renew', { key, token, lease_ms: leaseMs })).length > 0
  }

  async release(key, token) {
    return (await this.#rows('release', { key, token })).length > 0
  }

  async complete(key, token, retentionMs) {
    return (await this.#rows('complete', { key, token, retention_ms: retentionMs })).length > 0
  }

  async fail(key, token, body, header) {
    return (await this.#rows('fail', { key, token, body, header })).length > 0
  }

  async failed(prefix) {
    return this.#rows('failed', { prefix })
  }

  async purge() {
    return (await this.#rows('purge', {})).length
  }
}

/**
 * Records in Redis, one hash a record, expired by Redis itself: an
 * `ioredis` client or a connected `redis` (v4 or later) client. Each step
 * is one Lua script, sent once and then run by its SHA-1.
 */
export class RedisStore {
  #client
  #shas = new Map()

  constructor(client) {
    if (client === null || typeof client !== 'object' || (typeof client.evalsha !== 'function' && typeof client.evalSha !== 'function')) {
      throw payvostError('option_invalid', `RedisStore takes an ioredis or redis (v4+) client, not ${convert.describe(client)}.`)
    }
    this.#client = client
  }

  async #run(name, key, values) {
    const { source, args } = facts.idempotency.redis[name]
    const argv = args.map((arg) => String(values[arg]))
    const client = this.#client
    return storeCall(async () => {
      if (!this.#shas.has(name)) this.#shas.set(name, await sha1(source))
      const sha = this.#shas.get(name)
      // node-redis v4 names it evalSha and takes options; ioredis takes (sha, numkeys, ...).
      const byHash = () => (typeof client.evalSha === 'function'
        ? client.evalSha(sha, { keys: [key], arguments: argv })
        : client.evalsha(sha, 1, key, ...argv))
      const bySource = () => (typeof client.evalSha === 'function'
        ? client.eval(source, { keys: [key], arguments: argv })
        : client.eval(source, 1, key, ...argv))
      try {
        return await byHash()
      } catch (error) {
        if (!String(error && error.message).startsWith('NOSCRIPT')) throw error
        return bySource()
      }
    })
  }

  async setup() {}

  async purge() {
    return 0
  }

  async claim(key, fingerprint, token, leaseMs, retentionMs) {
    return claimRow(await this.#run('claim', key, { fingerprint, token, lease_ms: leaseMs, retention_ms: retentionMs }))
  }

  async renew(key, token, leaseMs) {
    return Number(await this.#run('renew', key, { token, lease_ms: leaseMs })) > 0
  }

  async release(key, token) {
    return Number(await this.#run('release', key, { token })) > 0
  }

  async complete(key, token, retentionMs) {
    return Number(await this.#run('complete', key, { token, retention_ms: retentionMs })) > 0
  }

  async fail(key, token, body, header) {
    return Number(await this.#run('fail', key, { token, body, header })) > 0
  }

  async failed(prefix) {
    // The script scans: it names no key, and runs on the node it is sent to.
    const flat = await this.#run('failed', `${prefix}*`, { prefix })
    const rows = []
    for (let i = 0; i + 3 < flat.length; i += 4) rows.push([String(flat[i]), Number(flat[i + 1]), String(flat[i + 2]), String(flat[i + 3])])
    return rows
  }
}

/** The SHA-1 of a script, as EVALSHA names it. */
async function sha1(text) {
  const digest = await (await cryptoApi()).subtle.digest('SHA-1', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Records in an SQLite database: one machine, any number of processes. A
 * path (opened with `node:sqlite` where Node has it, 22.13 and later, else
 * the optional `better-sqlite3`), or an open database of either. Call
 * `setup()` once.
 */
export class SqliteStore {
  #database
  #db

  constructor(database) {
    if (typeof database !== 'string' && (database === null || typeof database !== 'object' || typeof database.prepare !== 'function')) {
      throw payvostError('option_invalid', 'SqliteStore takes a path, or a node:sqlite DatabaseSync or better-sqlite3 Database, ' +
        `not ${convert.describe(database)}.`)
    }
    this.#database = database
  }

  async #open() {
    if (this.#db === undefined) {
      this.#db = typeof this.#database === 'string' ? await openSqlite(this.#database) : this.#database
      this.#db.exec('PRAGMA busy_timeout = 5000')
    }
    return this.#db
  }

  /** Runs `statements` in one write transaction: the first row any answers. */
  async #transaction(statements, values) {
    const db = await this.#open()
    return storeCall(() => {
      db.exec('BEGIN IMMEDIATE')
      try {
        let row
        for (const statement of statements) {
          const [text, params] = bound(statement, 'qmark', values)
          row = db.prepare(text).get(...params)
          if (row !== undefined) break
        }
        db.exec('COMMIT')
        return row
      } catch (error) {
        db.exec('ROLLBACK')
        throw error
      }
    })
  }

  async setup() {
    const db = await this.#open()
    await storeCall(() => {
      db.exec('PRAGMA journal_mode = WAL')
      for (const statement of facts.idempotency.sqlite.setup) db.exec(statement.qmark.text)
    })
  }

  async claim(key, fingerprint, token, leaseMs, retentionMs) {
    const { claim, inspect } = facts.idempotency.sqlite
    return claimRow(await this.#transaction([claim, inspect], { key, fingerprint, token, lease_ms: leaseMs, retention_ms: retentionMs }))
  }

  async renew(key, token, leaseMs) {
    return (await this.#transaction([facts.idempotency.sqlite.renew], { key, token, lease_ms: leaseMs })) !== undefined
  }

  async release(key, token) {
    return (await this.#transaction([facts.idempotency.sqlite.release], { key, token })) !== undefined
  }

  async complete(key, token, retentionMs) {
    return (await this.#transaction([facts.idempotency.sqlite.complete], { key, token, retention_ms: retentionMs })) !== undefined
  }

  async fail(key, token, body, header) {
    return (await this.#transaction([facts.idempotency.sqlite.fail], { key, token, body, header })) !== undefined
  }

  async failed(prefix) {
    const db = await this.#open()
    const [text, params] = bound(facts.idempotency.sqlite.failed, 'qmark', { prefix })
    return storeCall(() => db.prepare(text).all(...params).map((r) => [r.key, Number(r.attempt), r.body, r.header]))
  }

  async purge() {
    const db = await this.#open()
    return storeCall(() => Number(db.prepare(facts.idempotency.sqlite.purge.qmark.text).run().changes))
  }
}

/** An SQLite database at `path`: node:sqlite where Node has it, else better-sqlite3. */
async function openSqlite(path) {
  const builtin = typeof process === 'object' && typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:sqlite') : undefined
  if (builtin?.DatabaseSync) return new builtin.DatabaseSync(path)
  try {
    const { default: Database } = await import('better-sqlite3')
    return new Database(path)
  } catch (error) {
    throw payvostError('option_invalid', 'SqliteStore needs node:sqlite (Node 22.13 or later) or the better-sqlite3 package ' +
      `(npm install better-sqlite3): ${error && error.message}`)
  }
}
