'use strict'
// Serves a built Next.js project (scripts/test-nextjs.sh) with `next start`
// on 127.0.0.1 and sends its route real deliveries: the route on the Node.js
// runtime verifies with the native addon, processes each event once, and
// refuses the rest. Prints "N passed, N failed"; exits 1 on a failure.
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const project = path.resolve(process.argv[2])
const payvost = require(path.join(project, 'node_modules', '@payvost', 'node-sdk'))
const SECRET = 'whsec_nextjs_route'

async function main() {
  const next = spawn(path.join(project, 'node_modules', '.bin', 'next'), ['start', '-H', '127.0.0.1', '-p', '0'], {
    cwd: project,
    env: { ...process.env, PAYVOST_WEBHOOK_SECRET: SECRET, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`next start did not start in 30 s:\n${output}`)), 30000)
    const onData = (chunk) => {
      output += chunk
      const match = output.match(/https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)/)
      if (match) {
        clearTimeout(timer)
        resolve(`http://127.0.0.1:${match[1]}`)
      }
    }
    next.stdout.on('data', onData)
    next.stderr.on('data', onData)
    next.once('exit', (code) => reject(new Error(`next start exited ${code}:\n${output}`)))
  })
  const results = []
  const check = async (name, run) => {
    try {
      await run()
      results.push([name, true])
    } catch (error) {
      results.push([name, false])
      console.error(`FAIL ${name}: ${error.message}`)
    }
  }
  const body = JSON.stringify({ id: 'evt_next_http', type: 'payment.succeeded', data: { object: { id: 'pay_1' } } })
  const deliver = async (payload, secret = SECRET) => {
    const answer = await fetch(`${base}/api/webhooks/payvost`, {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json', 'payvost-signature': payvost.webhooks.generateTestHeaderString({ payload, secret }) },
    })
    return [answer.status, await answer.json()]
  }
  try {
    await check('a signed delivery is processed', async () =>
      assert.deepEqual(await deliver(body), [200, { received: true, id: 'evt_next_http', outcome: 'processed' }]))
    await check('the same event again is a duplicate', async () =>
      assert.deepEqual(await deliver(body), [200, { received: true, id: 'evt_next_http', outcome: 'duplicate' }]))
    await check('a forged one is refused', async () => {
      const [status, answer] = await deliver(body, 'whsec_attacker')
      assert.deepEqual([status, answer.error.code], [400, 'signature_mismatch'])
    })
    await check('the id again with another body is refused', async () => {
      const [status, answer] = await deliver(body.replace('pay_1', 'pay_2'))
      assert.deepEqual([status, answer.error.code], [422, 'event_id_reused'])
    })
    await check('the route ran its handler once', async () =>
      assert.equal(output.match(/payment\.succeeded evt_next_http/g)?.length, 1, output))
    await check('the package stayed out of the bundle, its addon traced for deployment', async () => {
      const server = path.join(project, '.next', 'server')
      const traced = JSON.parse(fs.readFileSync(path.join(server, 'app/api/webhooks/payvost/route.js.nft.json'), 'utf8')).files
      assert.ok(traced.some((file) => file.endsWith('/payvost.linux-x64-gnu.node')), traced.join('\n'))
      const bundled = fs.readdirSync(server, { recursive: true }).filter((file) => file.endsWith('.js'))
        .filter((file) => fs.readFileSync(path.join(server, file), 'utf8').includes('PAYVOST_NODE_BACKEND'))
      assert.deepEqual(bundled, [])
    })
  } finally {
    next.kill()
  }
  const failed = results.filter(([, ok]) => !ok).length
  console.log(`Next.js route (next build, next start): ${results.length - failed} passed, ${failed} failed`)
  process.exitCode = failed ? 1 : 0
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
