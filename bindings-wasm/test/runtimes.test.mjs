// The WASM build in real engines: headless Chromium loading the `browser`
// build, Cloudflare's workerd serving examples/cloudflare-worker/ and the Hono
// app of examples/hono-worker/, and Deno and Bun serving the same handler. Servers bind 127.0.0.1; each test stops
// what it starts.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { connect } from 'node:net'
import { join } from 'node:path'
import test from 'node:test'
import { packageDir, project, root, tools } from './installed.mjs'
import { SECRET, sendDeliveries } from './deliveries.mjs'
import { answers, freePort, start, staticServer } from './serve.mjs'

const sdk = createRequire(import.meta.url)(packageDir)
const WORKER = join(root, 'examples', 'cloudflare-worker')
for (const file of ['worker.mjs', 'serve.mjs']) copyFileSync(join(WORKER, file), join(project, file))

test('Chromium: the browser build passes every vector, and the inspector example works', async (t) => {
  const site = await staticServer({ '/vectors/': join(root, 'tests', 'vectors'), '/test/': join(root, 'bindings-wasm', 'test', 'page'), '/': project })
  t.after(site.stop)
  copyFileSync(join(root, 'examples', 'browser', 'index.html'), join(project, 'index.html'))
  const { chromium } = createRequire(import.meta.url)(join(tools, '..', 'playwright-core'))
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  t.after(() => browser.close())
  const page = await browser.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))

  await page.goto(`${site.url}/test/vectors.html`)
  const report = await page.waitForFunction(() => window.report, null, { timeout: 30000 }).then((h) => h.jsonValue())
  assert.deepEqual(report.failures, [])
  // Every file of verify cases in the folder, found by the page itself.
  const dir = join(root, 'tests', 'vectors')
  const verifyFiles = readdirSync(dir).filter((f) => f.endsWith('.json') && JSON.parse(readFileSync(join(dir, f), 'utf8')).schema === 'verify/1').sort()
  assert.deepEqual(report.files, verifyFiles)
  assert.ok(report.passed >= 150, `${report.passed} vectors passed`)
  assert.equal(report.userAgent.includes('HeadlessChrome'), true, report.userAgent)

  await page.goto(`${site.url}/index.html`)
  await page.waitForSelector('body[data-ready="true"]')
  const body = '{"id":"evt_b","type":"customer.created","data":{"object":{"id":"cust_1"}}}'
  const header = sdk.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_page' })
  await page.fill('#secret', 'whsec_page')
  await page.fill('#header', header)
  await page.fill('#body', body)
  await page.click('#check')
  assert.equal(await page.textContent('#result'), 'verified customer.created evt_b')
  await page.fill('#secret', 'whsec_other')
  await page.click('#check')
  assert.match(await page.textContent('#result'), /^signature_mismatch: /)
  assert.deepEqual(errors, [])
})

/**
 * Bundles an example's worker.mjs as its README does (its imports resolved
 * from the scratch project, then from this package's dev dependencies, where
 * Hono is) and serves it with workerd and the example's config.capnp.
 */
async function serveWorker(t, example) {
  const dir = join(project, example)
  mkdirSync(dir, { recursive: true })
  execFileSync(join(tools, 'esbuild'), [join(root, 'examples', example, 'worker.mjs'), '--bundle', '--format=esm', '--conditions=workerd',
    '--external:*.wasm', `--outfile=${join(dir, 'bundle.mjs')}`, '--log-level=warning'],
  { cwd: project, env: { ...process.env, NODE_PATH: `${join(project, 'node_modules')}:${join(tools, '..')}` } })
  copyFileSync(join(packageDir, 'dist', 'payvost_wasm_bg.wasm'), join(dir, 'payvost_wasm_bg.wasm'))
  copyFileSync(join(root, 'examples', example, 'config.capnp'), join(dir, 'config.capnp'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const server = await start(join(tools, 'workerd'), ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], {
    cwd: dir,
    env: { PAYVOST_WEBHOOK_SECRET: SECRET },
    ready: () => answers(url),
  })
  t.after(server.stop)
  return url
}

test('workerd serves the Cloudflare Worker example', async (t) => {
  const url = await serveWorker(t, 'cloudflare-worker')
  await sendDeliveries(`${url}/webhooks/payvost`, sdk)
})

/** POSTs headers declaring a body of `length` bytes, sends none, and reads the answer. */
function declaredOnly(url, length) {
  const { hostname, port, pathname } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${length}\r\nPayvost-Signature: t=1,v1=${'0'.repeat(64)}\r\n\r\n`)
    })
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => {
      text += chunk
      const [head, body = ''] = text.split('\r\n\r\n')
      const declared = /content-length: *(\d+)/i.exec(head)
      if (declared && Buffer.byteLength(body, 'latin1') >= Number(declared[1])) {
        socket.destroy()
        resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(body.slice(0, Number(declared[1]))) })
      }
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error(`the connection closed before a whole answer:\n${text}`)))
  })
}

test('workerd serves the Hono example: the Hono middleware of the WASM package, its secret a binding', async (t) => {
  const url = await serveWorker(t, 'hono-worker')
  await sendDeliveries(`${url}/webhooks/payvost`, sdk)
  // A body declared over the limit is refused before a byte of it is read.
  // The request declares 6 MiB and sends none: workerd closes the connection
  // once it has answered, and a client still writing a real 6 MiB body would
  // get EPIPE instead of the answer, or not, as the machine's load decides.
  const tooLarge = await declaredOnly(`${url}/webhooks/payvost`, 6 * 1024 * 1024)
  assert.equal(tooLarge.status, 413)
  assert.deepEqual(tooLarge.body, {
    error: { code: 'payload_invalid_json', message: "The body is larger than the 5242880-byte limit; Payvost's events are far smaller." },
  })
  assert.equal((await fetch(`${url}/other`)).status, 404, "Hono's own routing answers the rest")
})

for (const [runtime, args] of [['deno', ['run', '--allow-net', '--allow-read', '--allow-env', 'serve.mjs']], ['bun', ['serve.mjs']]]) {
  test(`${runtime} serves the same handler`, async (t) => {
    const server = await start(join(tools, runtime), args, {
      cwd: project,
      env: { PORT: '0', PAYVOST_WEBHOOK_SECRET: SECRET, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      ready: (output) => /listening on http:\/\/127\.0\.0\.1:\d+/.test(output),
    })
    t.after(server.stop)
    const url = server.output().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)[1]
    await sendDeliveries(`${url}/webhooks/payvost`, sdk)
  })
}

test('the tools the runtime tests use are installed', () => {
  for (const tool of ['workerd', 'deno', 'bun', 'esbuild']) assert.ok(existsSync(join(tools, tool)), tool)
  assert.ok(existsSync('/usr/bin/chromium'), 'Debian chromium')
})
