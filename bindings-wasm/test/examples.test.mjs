// The examples the package README shows: the Next.js edge route called with
// WHATWG Requests, and each README code block equal to the tested file it
// names (the worker, Deno/Bun server and browser page run in runtimes.test.mjs).
import assert from 'node:assert/strict'
import { copyFileSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import test from 'node:test'
import { packageDir, project, root } from './installed.mjs'
import { SECRET } from './deliveries.mjs'

const sdk = createRequire(import.meta.url)(packageDir)

test('the Next.js edge route answers signed and forged deliveries', async () => {
  const route = join(project, 'route.mjs')
  copyFileSync(join(root, 'examples', 'nextjs-edge', 'app', 'api', 'webhooks', 'payvost', 'route.js'), route)
  process.env.PAYVOST_WEBHOOK_SECRET = SECRET
  const { POST, runtime } = await import(pathToFileURL(route))
  assert.equal(runtime, 'edge')
  const body = JSON.stringify({ id: 'evt_next', type: 'payment.succeeded', data: { object: { id: 'pay_1' } } })
  const request = (secret) =>
    new Request('https://example.com/api/webhooks/payvost', {
      method: 'POST',
      body,
      headers: { 'payvost-signature': sdk.webhooks.generateTestHeaderString({ payload: body, secret }) },
    })
  const ok = await POST(request(SECRET))
  assert.equal(ok.status, 200)
  assert.deepEqual(await ok.json(), { received: true, id: 'evt_next' })
  const forged = await POST(request('whsec_attacker'))
  assert.equal(forged.status, 400)
  assert.equal((await forged.json()).error.code, 'signature_mismatch')
})

// The ```ts block is compiled instead, by bindings-node/test/types.test.js.
test('every js and html block of the package README is a tested example, verbatim', () => {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```(?:js|html)\n([\s\S]*?)```/g)].map((m) => m[1])
  assert.equal(blocks.length, 5, 'worker, Hono worker, Deno/Bun server, Next.js route, browser page')
  for (const block of blocks) {
    const [first, ...rest] = block.split('\n')
    const named = first.match(/^(?:\/\/|<!--) (examples\/\S+)/)
    assert.ok(named, `a README block names no example file:\n${block}`)
    assert.equal(rest.join('\n'), readFileSync(join(root, named[1]), 'utf8'), named[1])
  }
})
