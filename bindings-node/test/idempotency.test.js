'use strict'
// The idempotency guard against every store, the real servers included:
// Redis (through ioredis and through node-redis) and PostgreSQL (pg), started
// by scripts/services.sh, which `make test` names in PAYVOST_TEST_REDIS_URL
// and PAYVOST_TEST_POSTGRES_URL; SQLite through better-sqlite3.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const os = require('node:os')
const fs = require('node:fs')
const crypto = require('node:crypto')
const payvost = require('./sdk')

const dev = (name) => require(require.resolve(name, { paths: [path.join(__dirname, '..')] }))
const { IdempotencyGuard, MemoryStore, SqliteStore, RedisStore, PostgresStore } = payvost.idempotency
const SECRET = 'whsec_guard'
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** better-sqlite3, or undefined where its binary (built for the Node that installed it) does not load in this Node. */
function loadable(name) {
  try {
    const Database = dev(name)
    new Database(':memory:').close() // the native part loads on first use
    return Database
  } catch (error) {
    if (error.code === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION/.test(error.message)) return undefined
    throw error
  }
}

/** A real server's URL; in CI its absence is a failure, elsewhere a skip that says why. */
function server(t, variable) {
  const url = process.env[variable]
  if (url) return url
  if (process.env.CI) throw new Error(`${variable} is not set: make test starts the real servers (scripts/services.sh)`)
  t.skip(`${variable} is not set: run through make test-idempotency, which starts the real servers`)
  return undefined
}

const STORES = {
  memory: async () => new MemoryStore(),
  sqlite: async (t) => {
    const Database = loadable('better-sqlite3')
    if (Database === undefined) {
      t.skip(`better-sqlite3 is built for the Node that installed it, and cannot load in ${process.version} (the engines floor's run)`)
      return undefined
    }
    const db = new Database(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'payvost-guard-')), 'events.db'))
    t.after(() => db.close())
    const store = new SqliteStore(db)
    await store.setup()
    return store
  },
  ioredis: async (t) => {
    const url = server(t, 'PAYVOST_TEST_REDIS_URL')
    if (!url) return undefined
    const Redis = dev('ioredis')
    const client = new Redis(url)
    t.after(() => client.quit())
    return new RedisStore(client)
  },
  'node-redis': async (t) => {
    const url = server(t, 'PAYVOST_TEST_REDIS_URL')
    if (!url) return undefined
    const client = await dev('redis').createClient({ url }).connect()
    t.after(() => client.quit())
    return new RedisStore(client)
  },
  postgres: async (t) => {
    const url = server(t, 'PAYVOST_TEST_POSTGRES_URL')
    if (!url) return undefined
    const pool = new (dev('pg').Pool)({ connectionString: url, max: 4 })
    t.after(() => pool.end())
    const store = new PostgresStore(pool)
    await store.setup()
    return store
  },
}

function delivery(id, extra = '') {
  const body = `{"id":"${id}","type":"payment.succeeded","data":{"object":{"id":"pay_1"${extra}}}}`
  const header = payvost.webhooks.generateTestHeaderString({ payload: body, secret: SECRET })
  return { event: payvost.webhooks.constructEvent(body, header, SECRET), body }
}

/** A guard in a namespace of the test's own, so records never meet across tests or runs. */
function guardOn(store, options = {}) {
  const namespace = `test-${crypto.randomUUID()}`
  return { guard: new IdempotencyGuard({ store, namespace, ...options }), namespace }
}

async function codeOf(promise) {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof payvost.PayvostIdempotencyError, `${error.name}: ${error.message}`)
    return error.code
  }
  assert.fail('nothing was thrown')
}

for (const [name, make] of Object.entries(STORES)) {
  test(`${name}: processed once, then a duplicate; a handler's error releases the claim`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { guard } = guardOn(store)
    const { event, body } = delivery('evt_once')
    const ran = []
    assert.deepEqual(await guard.process(event, body, (e) => { ran.push(e.id) }), { outcome: 'processed', attempt: 1 })
    assert.deepEqual(await guard.process(event, body, (e) => { ran.push(e.id) }), { outcome: 'duplicate', attempt: 1 })
    assert.deepEqual(ran, ['evt_once'])
    const failing = delivery('evt_fails_once')
    await assert.rejects(guard.process(failing.event, failing.body, async () => { throw new Error('the database is down') }), /the database is down/)
    assert.deepEqual(await guard.process(failing.event, failing.body, () => {}), { outcome: 'processed', attempt: 2 })
  })

  test(`${name}: a handler that fails after the answer leaves the event failed, with its body and header, until retried`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { guard } = guardOn(store)
    const { event, body } = delivery('evt_after')
    const header = 't=1764000000,v1=' + 'ab'.repeat(32)
    const claim = await guard.claim(event, body)
    await assert.rejects(claim.run(async () => { throw new Error('the mailer is down') }, { acknowledged: true, header }), /the mailer is down/)
    assert.deepEqual(await guard.failed(), [{ id: 'evt_after', attempt: 1, body, header }])
    // It fails again: still failed, one attempt more.
    await assert.rejects(guard.retry('evt_after', () => { throw new Error('still down') }), /still down/)
    assert.deepEqual((await guard.failed()).map((f) => [f.id, f.attempt]), [['evt_after', 2]])
    const ran = []
    assert.deepEqual(await guard.retry('evt_after', (e) => { ran.push([e.id, e.data.object.id]) }), { outcome: 'processed', attempt: 3 })
    assert.deepEqual(ran, [['evt_after', 'pay_1']])
    assert.deepEqual(await guard.failed(), [])
    assert.deepEqual(await guard.process(event, body, () => ran.push('again')), { outcome: 'duplicate', attempt: 3 })
    await assert.rejects(guard.retry('evt_after', () => {}), {
      code: 'option_invalid',
      message: "IdempotencyGuard.retry: no failed event 'evt_after' in this guard's store (its handlers completed since, or it never failed after an acknowledgement).",
    })
  })

  test(`${name}: purge drops the records past their retention and says how many; each claim has a token of its own`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { guard: brief } = guardOn(store, { retention: 0.05 })
    const { guard: kept } = guardOn(store)
    for (const id of ['evt_purged_1', 'evt_purged_2']) {
      const { event, body } = delivery(id)
      assert.deepEqual(await brief.process(event, body, () => {}), { outcome: 'processed', attempt: 1 })
    }
    const { event, body } = delivery('evt_kept')
    const claim = await kept.claim(event, body)
    const again = await brief.claim(delivery('evt_other').event, delivery('evt_other').body)
    assert.match(claim.token, /^[0-9a-f]{32}$/)
    assert.notEqual(claim.token, again.token)
    await claim.run(() => {})
    await sleep(120)
    const purged = await kept.purge()
    if (name.includes('redis')) {
      assert.equal(purged, 0, 'Redis expires its own records')
    } else if (name === 'postgres') {
      assert.ok(purged >= 3, `${purged}: the table is shared with the other tests, whose brief records expire too`)
    } else {
      assert.equal(purged, 3, 'the two processed and the one left claimed, all past their 50 ms')
    }
    assert.equal(await kept.purge(), 0)
    assert.deepEqual(await kept.process(event, body, () => {}), { outcome: 'duplicate', attempt: 1 }, 'a record within its retention stays')
  })

  test(`${name}: the same id with another body is event_id_reused, never processed`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { guard } = guardOn(store)
    const first = delivery('evt_reused')
    await guard.process(first.event, first.body, () => {})
    const other = delivery('evt_reused', ',"amount":1')
    const ran = []
    await assert.rejects(guard.process(other.event, other.body, (e) => ran.push(e)), (error) => {
      assert.ok(error instanceof payvost.PayvostIdempotencyError)
      assert.equal(error.code, 'event_id_reused')
      assert.equal(error.message, 'Event evt_reused was received before with a different body; an event id always carries ' +
        'the same event, so this delivery is refused and its handler not run.')
      return true
    })
    assert.deepEqual(ran, [])
  })

  test(`${name}: a held lease is event_in_progress, a lapsed one is free again`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { guard, namespace } = guardOn(store, { lease: 0.3 })
    const { event, body } = delivery('evt_held')
    const key = `${namespace}:evt_held`
    // Another worker's claim, never renewed, as if that worker died.
    assert.deepEqual(await store.claim(key, payvost.idempotency.fingerprint(body), 'their-token', 300, 60000), ['claimed', 1])
    assert.equal(await codeOf(guard.process(event, body, () => {})), 'event_in_progress')
    await sleep(400)
    assert.deepEqual(await guard.process(event, body, () => {}), { outcome: 'processed', attempt: 2 })
  })

  test(`${name}: only the token that claimed completes; a stopped worker's completion is refused`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { guard, namespace } = guardOn(store)
    const { event, body } = delivery('evt_fenced')
    const key = `${namespace}:evt_fenced`
    assert.deepEqual(await store.claim(key, payvost.idempotency.fingerprint(body), 'stopped-worker', 50, 60000), ['claimed', 1])
    await sleep(100)
    assert.deepEqual(await guard.process(event, body, () => {}), { outcome: 'processed', attempt: 2 })
    assert.equal(await store.complete(key, 'stopped-worker', 60000), false)
    assert.equal(await store.renew(key, 'stopped-worker', 60000), false)
    assert.deepEqual(await guard.process(event, body, () => {}), { outcome: 'duplicate', attempt: 2 })
  })

  test(`${name}: a lease lost while the handler ran is lease_lost, and the record stays the other worker's`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { namespace } = guardOn(store)
    const { event, body } = delivery('evt_lost')
    const key = `${namespace}:evt_lost`
    const tokens = []
    // The store, noting the token the guard claims with.
    const watched = {
      claim: (...args) => { tokens.push(args[2]); return store.claim(...args) },
      renew: (...args) => store.renew(...args),
      release: (...args) => store.release(...args),
      complete: (...args) => store.complete(...args),
    }
    const guard = new IdempotencyGuard({ store: watched, namespace })
    const overtaken = async () => {
      assert.equal(await store.release(key, tokens[0]), true)
      assert.deepEqual(await store.claim(key, payvost.idempotency.fingerprint(body), 'other-worker', 60000, 60000), ['claimed', 2])
    }
    await assert.rejects(guard.process(event, body, overtaken), (error) => {
      assert.equal(error.code, 'lease_lost')
      assert.equal(error.message, "This worker's lease on event evt_lost ended and another worker took the event, so this completion " +
        "was not recorded and the other worker's stands; set a lease longer than the handler's longest run.")
      return true
    })
    assert.equal(await store.complete(key, 'other-worker', 60000), true)
  })

  test(`${name}: the lease is renewed while the handler runs`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { guard } = guardOn(store, { lease: 0.3 })
    const { event, body } = delivery('evt_slow')
    let started, finish
    const running = new Promise((resolve) => { started = resolve })
    const finished = new Promise((resolve) => { finish = resolve })
    const slow = guard.process(event, body, async () => { started(); await finished })
    await running
    await sleep(600) // twice the lease: held only because it was renewed
    assert.equal(await codeOf(guard.process(event, body, () => {})), 'event_in_progress')
    finish()
    assert.deepEqual(await slow, { outcome: 'processed', attempt: 1 })
  })

  test(`${name}: a completed record past its retention is processed again`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { guard } = guardOn(store, { retention: 0.2 })
    const { event, body } = delivery('evt_retained')
    assert.equal((await guard.process(event, body, () => {})).outcome, 'processed')
    assert.equal((await guard.process(event, body, () => {})).outcome, 'duplicate')
    await sleep(350)
    assert.deepEqual(await guard.process(event, body, () => {}), { outcome: 'processed', attempt: 1 })
  })

  test(`${name}: eight deliveries at once run the handler once`, async (t) => {
    const store = await make(t)
    if (!store) return
    const { guard } = guardOn(store)
    const { event, body } = delivery('evt_burst')
    const ran = []
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => guard.process(event, body, async (e) => {
      await sleep(200)
      ran.push(e.id)
    }).then((result) => result.outcome, (error) => error.code)))
    assert.deepEqual(ran, ['evt_burst'])
    assert.equal(outcomes.filter((o) => o === 'processed').length, 1)
    assert.deepEqual(outcomes.filter((o) => !['processed', 'duplicate', 'event_in_progress'].includes(o)), [])
  })
}

test('an unreachable store is store_unavailable, and the handler does not run', async () => {
  const Redis = dev('ioredis')
  const client = new Redis('redis://127.0.0.1:9/0', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  const pool = new (dev('pg').Pool)({ connectionString: 'postgresql://postgres@127.0.0.1:9/postgres', connectionTimeoutMillis: 1000 })
  const { event, body } = delivery('evt_down')
  const ran = []
  for (const store of [new RedisStore(client), new PostgresStore(pool)]) {
    await assert.rejects(new IdempotencyGuard({ store }).process(event, body, (e) => ran.push(e)), (error) => {
      assert.ok(error instanceof payvost.PayvostIdempotencyError, `${error.name}: ${error.message}`)
      assert.equal(error.code, 'store_unavailable')
      assert.match(error.message, /^The idempotency store could not be reached or answered an error \(.+\); the handler did not run: answer 503, and Payvost retries\.$/)
      return true
    })
  }
  assert.deepEqual(ran, [])
  client.disconnect()
  await pool.end()
})

test('a guard refuses what it cannot use, with option_invalid', async () => {
  for (const [options, message] of [
    [{}, 'IdempotencyGuard takes {store} (a MemoryStore, SqliteStore, RedisStore or PostgresStore), not none.'],
    [{ store: new MemoryStore(), lease: 0 }, "IdempotencyGuard's lease must be a positive number of seconds, not 0."],
    [{ store: new MemoryStore(), retention: '7d' }, "IdempotencyGuard's retention must be a positive number of seconds, not '7d'."],
    [{ store: new MemoryStore(), namespace: '' }, "IdempotencyGuard's namespace must be a non-empty string, not ''."],
  ]) {
    assert.throws(() => new IdempotencyGuard(options), (error) => {
      assert.ok(error instanceof payvost.PayvostConfigurationError)
      assert.deepEqual([error.code, error.message], ['option_invalid', message])
      return true
    })
  }
  assert.throws(() => new PostgresStore({}), /PostgresStore takes a pg Pool or Client, not an object \(Object\)\./)
  assert.throws(() => new RedisStore(null), /RedisStore takes an ioredis or redis \(v4\+\) client, not null\./)
  const guard = new IdempotencyGuard({ store: new MemoryStore() })
  await assert.rejects(guard.process({}, '{}', () => {}), /processes a verified event \(with an id\)/)
})

test('each refusal of the guard and the stores, word for word', async () => {
  const refused = (call, message) => assert.throws(call, (error) => {
    assert.deepEqual([error.name, error.code, error.message], ['PayvostConfigurationError', 'option_invalid', message])
    return true
  })
  const store = new MemoryStore()
  const some = { claim() {}, renew() {}, release() {} } // no complete
  refused(() => new IdempotencyGuard({ store: some }), 'IdempotencyGuard takes {store} (a MemoryStore, SqliteStore, RedisStore or PostgresStore), not an object (Object).')
  refused(() => new IdempotencyGuard({ store: null }), 'IdempotencyGuard takes {store} (a MemoryStore, SqliteStore, RedisStore or PostgresStore), not null.')
  refused(() => new IdempotencyGuard(), 'IdempotencyGuard takes {store} (a MemoryStore, SqliteStore, RedisStore or PostgresStore), not none.')
  refused(() => new IdempotencyGuard({ store, lease: 1e9 }), "IdempotencyGuard's lease must be a positive number of seconds, not 1000000000.")
  refused(() => new IdempotencyGuard({ store, retention: -1 }), "IdempotencyGuard's retention must be a positive number of seconds, not -1.")
  refused(() => new IdempotencyGuard({ store, namespace: 7 }), "IdempotencyGuard's namespace must be a non-empty string, not 7.")
  refused(() => new SqliteStore(7), 'SqliteStore takes a path, or a node:sqlite DatabaseSync or better-sqlite3 Database, not a number.')
  refused(() => new SqliteStore(null), 'SqliteStore takes a path, or a node:sqlite DatabaseSync or better-sqlite3 Database, not null.')
  refused(() => new RedisStore({ get() {} }), 'RedisStore takes an ioredis or redis (v4+) client, not an object (Object).')
  refused(() => new PostgresStore(null), 'PostgresStore takes a pg Pool or Client, not null.')
  // The bounds themselves: just under a billion seconds is a lease, as is the smallest fraction.
  const util = require('node:util')
  const guard = new IdempotencyGuard({ store, lease: 999_999_999, namespace: 'ns' })
  assert.equal(util.inspect(guard), "IdempotencyGuard { store: MemoryStore, lease: 999999999s, namespace: 'ns' }")
  assert.equal(util.inspect(new IdempotencyGuard({ store, lease: 0.5 })), "IdempotencyGuard { store: MemoryStore, lease: 0.5s, namespace: 'payvost' }")
  const rejected = async (promise, message) => assert.rejects(promise, (error) => {
    assert.deepEqual([error.code, error.message], ['option_invalid', message])
    return true
  })
  const { event, body } = delivery('evt_refusals')
  await rejected(guard.process(event, body, 'handler'), 'IdempotencyGuard.process takes (event, payload, handler).')
  await rejected(guard.retry('evt_refusals'), 'IdempotencyGuard.retry takes (id, handler).')
  await rejected(guard.claim(null, body), 'IdempotencyGuard processes a verified event (with an id), not null.')
  await rejected(guard.claim({ id: '' }, body), 'IdempotencyGuard processes a verified event (with an id), not an object (Object).')
  await rejected(guard.claim({ id: 7 }, body), 'IdempotencyGuard processes a verified event (with an id), not an object (Object).')
  await rejected(guard.claim('evt_1', body), 'IdempotencyGuard processes a verified event (with an id), not a string.')
  await rejected(guard.processInTransaction(event, body, { query() {} }, () => {}),
    'processInTransaction needs a guard on a PostgresStore, and a pg Client of its database.')
  // A store with no purge of its own purges nothing.
  const { purge, ...steps } = Object.getOwnPropertyNames(MemoryStore.prototype).reduce((all, name) => ({ ...all, [name]: store[name].bind(store) }), {})
  assert.equal(typeof purge, 'function')
  assert.equal(await new IdempotencyGuard({ store: steps }).purge(), 0)
})

for (const name of ['ioredis', 'node-redis']) {
  test(`${name}: the scripts are sent again when Redis has forgotten them (NOSCRIPT)`, async (t) => {
    const store = await STORES[name](t)
    if (!store) return
    const Redis = dev('ioredis')
    const admin = new Redis(process.env.PAYVOST_TEST_REDIS_URL)
    t.after(() => admin.quit())
    const { guard } = guardOn(store)
    const { event, body } = delivery('evt_noscript')
    assert.deepEqual(await guard.process(event, body, () => {}), { outcome: 'processed', attempt: 1 })
    await admin.script('FLUSH')
    assert.deepEqual(await guard.process(event, body, () => {}), { outcome: 'duplicate', attempt: 1 })
    const other = delivery('evt_noscript_2')
    assert.deepEqual(await guard.process(other.event, other.body, () => {}), { outcome: 'processed', attempt: 1 })
  })
}

test('SqliteStore opens a path with node:sqlite, or says what to install', async (t) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'payvost-guard-')), 'events.db')
  const store = new SqliteStore(file)
  const builtin = typeof process.getBuiltinModule === 'function' && process.getBuiltinModule('node:sqlite')
  let opened
  try {
    const from = { paths: [path.dirname(require.resolve(process.env.PAYVOST_SDK || '..'))] }
    opened = new (require(require.resolve('better-sqlite3', from)))(':memory:')
    opened.close()
  } catch {}
  if (builtin || opened) {
    await store.setup()
    const { guard } = guardOn(store)
    const { event, body } = delivery('evt_path')
    assert.deepEqual(await guard.process(event, body, () => {}), { outcome: 'processed', attempt: 1 })
  } else {
    await assert.rejects(store.setup(), (error) => {
      assert.equal(error.code, 'option_invalid')
      assert.match(error.message, /^SqliteStore needs node:sqlite \(Node 22\.13 or later\) or the better-sqlite3 package \(npm install better-sqlite3\): /)
      return true
    })
    t.diagnostic(`node ${process.version} has no node:sqlite, and the installed package cannot load better-sqlite3: the message was checked`)
  }
})

test('postgres: a handler in the completion\'s transaction commits with it, or not at all', async (t) => {
  const url = server(t, 'PAYVOST_TEST_POSTGRES_URL')
  if (!url) return
  const pool = new (dev('pg').Pool)({ connectionString: url, max: 4 })
  const store = new PostgresStore(pool)
  await store.setup()
  await pool.query('CREATE TABLE IF NOT EXISTS guard_orders (event_id text, note text)')
  const { guard, namespace } = guardOn(store)
  const run = crypto.randomUUID().slice(0, 8)
  const client = await pool.connect()
  t.after(async () => {
    client.release()
    await pool.end()
  })
  const written = async (id) => (await pool.query('SELECT note FROM guard_orders WHERE event_id = $1', [id])).rows.map((r) => r.note)
  const insert = (note) => (e, db) => db.query('INSERT INTO guard_orders (event_id, note) VALUES ($1, $2)', [e.id, note])

  const ok = delivery(`evt_tx_${run}`)
  assert.deepEqual(await guard.processInTransaction(ok.event, ok.body, client, insert('fulfilled')), { outcome: 'processed', attempt: 1 })
  assert.deepEqual(await guard.processInTransaction(ok.event, ok.body, client, insert('again')), { outcome: 'duplicate', attempt: 1 })
  assert.deepEqual(await written(`evt_tx_${run}`), ['fulfilled'])

  const failing = delivery(`evt_tx_fails_${run}`)
  await assert.rejects(guard.processInTransaction(failing.event, failing.body, client, async (e, db) => {
    await insert('half')(e, db)
    throw new Error('the card network is down')
  }), /the card network is down/)
  assert.deepEqual(await written(`evt_tx_fails_${run}`), [], 'rolled back')
  assert.deepEqual(await guard.processInTransaction(failing.event, failing.body, client, insert('fulfilled')), { outcome: 'processed', attempt: 2 })
  // The failed attempt's write was rolled back, not left open to commit with the next one.
  assert.deepEqual(await written(`evt_tx_fails_${run}`), ['fulfilled'])
  assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'the client is out of any transaction')

  const lost = delivery(`evt_tx_lost_${run}`)
  const overtaken = async (e, db) => {
    await insert('overtaken')(e, db)
    await pool.query("UPDATE payvost_events SET token = 'other-worker' WHERE key = $1", [`${namespace}:evt_tx_lost_${run}`])
  }
  assert.equal(await codeOf(guard.processInTransaction(lost.event, lost.body, client, overtaken)), 'lease_lost')
  assert.deepEqual(await written(`evt_tx_lost_${run}`), [], "the handler's write was rolled back with the completion")
  await assert.rejects(new IdempotencyGuard({ store: new MemoryStore() }).processInTransaction(lost.event, lost.body, client, insert('x')),
    /processInTransaction needs a guard on a PostgresStore/)
})

for (const adapter of ['express', 'koa']) {
  test(`${adapter}: acknowledged first, a handler that fails leaves the event failed with the body and header delivered; retry runs it`, async (t) => {
    const { post, until } = require('./http')
    const { guard } = guardOn(new MemoryStore())
    let failing = true
    const ran = []
    const router = new payvost.EventRouter().on('payment.succeeded', (e) => {
      if (failing) throw new Error('the mailer is down')
      ran.push(e.id)
    })
    const errors = []
    const options = { secret: SECRET, router, idempotency: guard, acknowledgeFirst: true, onError: (error, e) => errors.push([e.id, error.message]) }
    let server
    if (adapter === 'express') {
      const app = dev('express')()
      app.post('/', payvost.webhooks.middleware(options))
      server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    } else {
      const app = new (dev('koa'))()
      app.use(payvost.webhooks.koa({ ...options, path: '/' }))
      server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    }
    t.after(() => new Promise((done) => server.close(done)))
    const { body } = delivery('evt_acknowledged')
    const header = payvost.webhooks.generateTestHeaderString({ payload: body, secret: SECRET })
    assert.deepEqual(await post(`http://127.0.0.1:${server.address().port}/`, body, { 'payvost-signature': header }),
      { status: 200, text: '{"received":true}' })
    await until(() => errors.length > 0, 'the handler\'s error reported')
    assert.deepEqual(errors, [['evt_acknowledged', 'the mailer is down']])
    await until(async () => (await guard.failed()).length > 0, 'the event kept as failed')
    assert.deepEqual(await guard.failed(), [{ id: 'evt_acknowledged', attempt: 1, body, header }])
    failing = false
    assert.deepEqual(await guard.retry('evt_acknowledged', (e) => router.dispatch(e)), { outcome: 'processed', attempt: 2 })
    assert.deepEqual(ran, ['evt_acknowledged'])
    assert.deepEqual(await guard.failed(), [])
  })
}
