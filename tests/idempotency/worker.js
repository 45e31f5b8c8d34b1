'use strict'
// A Node worker of the fleet test (fleet.py): as worker.py, on the Node SDK
// (PAYVOST_SDK, or this checkout's bindings-node) and its stores, with the
// clients from bindings-node's dev dependencies.
const path = require('node:path')
const readline = require('node:readline')

const here = path.join(__dirname, '..', '..', 'bindings-node')
const payvost = require(process.env.PAYVOST_SDK || here)
const dev = (name) => require(require.resolve(name, { paths: [here] }))
const { IdempotencyGuard, PostgresStore, RedisStore, SqliteStore } = payvost.idempotency

const STORE = process.env.PAYVOST_FLEET_STORE
const NAME = `node-${process.pid}`
const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`)
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000))

function openStore() {
  if (STORE.startsWith('redis://')) {
    const Redis = dev('ioredis')
    const client = new Redis(STORE, { maxRetriesPerRequest: 1, connectTimeout: 2000 })
    client.on('error', () => {}) // reported per call, as store_unavailable
    return [new RedisStore(client), (id) => client.rpush(process.env.PAYVOST_FLEET_EFFECTS, `${id} ${NAME}`)]
  }
  if (STORE.startsWith('postgresql://')) {
    const pool = new (dev('pg').Pool)({ connectionString: STORE, max: 2, connectionTimeoutMillis: 2000 })
    pool.on('error', () => {})
    return [new PostgresStore(pool), (id) => pool.query('INSERT INTO fleet_effects (event_id, worker) VALUES ($1, $2)', [id, NAME])]
  }
  const Database = dev('better-sqlite3')
  const db = new Database(STORE.replace(/^sqlite:/, ''), { timeout: 10000 })
  const insert = db.prepare('INSERT INTO fleet_effects (event_id, worker) VALUES (?, ?)')
  return [new SqliteStore(db), async (id) => insert.run(id, NAME)]
}

async function main() {
  const [store, effect] = openStore()
  const guard = new IdempotencyGuard({
    store, lease: Number(process.env.PAYVOST_FLEET_LEASE), namespace: process.env.PAYVOST_FLEET_NAMESPACE,
  })
  say({ ready: NAME })
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const job = JSON.parse(line)
    const event = payvost.webhooks.constructEvent(job.body, job.header, job.secret)
    try {
      const result = await guard.process(event, job.body, async (e) => {
        say({ started: e.id, worker: NAME })
        await sleep(job.sleep)
        await effect(e.id)
      })
      say({ id: event.id, worker: NAME, outcome: result.outcome, attempt: result.attempt })
    } catch (error) {
      if (!(error instanceof payvost.PayvostIdempotencyError)) throw error
      say({ id: event.id, worker: NAME, outcome: error.code })
    }
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`)
  process.exit(1)
})
