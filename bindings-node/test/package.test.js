'use strict'
// The tarball `npm pack` makes, installed as a user would: loaded with
// require and with import, its docs snippet run, its types compiled.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const PKG = path.join(__dirname, '..')
const sdk = require('./sdk')

// These tests are about the napi tarball; the WASM package has its own
// (bindings-wasm/test/package.test.mjs) when the suite runs against it.
const name = require(path.join(sdk.__target, 'package.json')).name
if (name !== '@payvost/node-sdk') {
  test('the napi tarball tests skip for another package', { skip: `the suite runs against ${name}` }, () => {})
  return
}

/** The project the package is installed in: the one make set up, or a fresh one. */
function installedProject() {
  const target = process.env.PAYVOST_SDK
  if (target && target.split(path.sep).includes('node_modules')) return path.resolve(target, '../../..')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payvost-node-pack-'))
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: PKG, encoding: 'utf8' }).trim()
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"scratch","private":true}')
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', path.join(dir, tarball)], { cwd: dir })
  return dir
}

const project = installedProject()
const run = (file, source) => {
  fs.writeFileSync(path.join(project, file), source)
  return execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' })
}

const SNIPPET_SETUP = `
const body = Buffer.from(JSON.stringify({id: 'evt_pack', type: 'payment.succeeded', data: {object: {id: 'pay_1', amount: 1}}}))
const header = payvost.webhooks.generateTestHeaderString({payload: body, secret: 'whsec_pack'})
`

test('require loads the installed package', () => {
  const out = run('use.cjs', `const payvost = require('@payvost/node-sdk')
${SNIPPET_SETUP}
const event = payvost.webhooks.constructEvent(body, header, 'whsec_pack')
console.log(event.id, typeof payvost.PayvostError, require.resolve('@payvost/node-sdk'))`)
  const [id, kind, resolved] = out.trim().split(' ')
  assert.equal(id, 'evt_pack')
  assert.equal(kind, 'function')
  assert.ok(resolved.startsWith(path.join(project, 'node_modules')), resolved)
})

test('import loads the same objects', () => {
  const out = run('use.mjs', `import payvost, { webhooks, PayvostSignatureVerificationError } from '@payvost/node-sdk'
import { createRequire } from 'node:module'
${SNIPPET_SETUP}
const cjs = createRequire(import.meta.url)('@payvost/node-sdk')
let code
try { webhooks.constructEvent(body, header, 'whsec_other') } catch (e) { code = e instanceof PayvostSignatureVerificationError && e.code }
console.log(webhooks.constructEvent(body, header, 'whsec_pack').id, code, payvost === cjs, webhooks === cjs.webhooks)`)
  assert.equal(out.trim(), 'evt_pack signature_mismatch true true')
  // Each name of the CommonJS object is a named export too, the same object (index.mjs is written from js/exports.mjs).
  const names = run('names.mjs', `import * as esm from '@payvost/node-sdk'
import { createRequire } from 'node:module'
const cjs = createRequire(import.meta.url)('@payvost/node-sdk')
const named = Object.keys(esm).filter((name) => name !== 'default')
// default is the CommonJS object itself, for TypeScript's esModuleInterop.
console.log(JSON.stringify([named.sort(), Object.keys(cjs).filter((name) => name !== 'default').sort(), named.every((name) => esm[name] === cjs[name])]))`)
  const [named, required, same] = JSON.parse(names)
  assert.deepEqual(named, required)
  assert.equal(named.length, 17)
  assert.equal(same, true)
})

test("the docs' Express snippet runs unchanged against the installed package", () => {
  const out = run('docs.cjs', `const payvost = require('@payvost/node-sdk')
${SNIPPET_SETUP}
process.env.PAYVOST_WEBHOOK_SECRET = 'whsec_pack'
const req = {body, headers: {'payvost-signature': header}}
const answers = []
const res = {status: (s) => ({send: (t) => answers.push([s, t])}), json: (v) => answers.push([200, v])}
const handler = (req, res) => {
  let event;
  try {
    event = payvost.webhooks.constructEvent(req.body, req.headers['payvost-signature'], process.env.PAYVOST_WEBHOOK_SECRET);
  } catch (err) {
    return res.status(400).send(\`Webhook Error: \${err.message}\`);
  }
  res.json({received: true});
}
handler(req, res)
handler({body: JSON.parse(body), headers: req.headers}, res)
console.log(JSON.stringify(answers))`)
  const answers = JSON.parse(out)
  assert.deepEqual(answers[0], [200, { received: true }])
  assert.equal(answers[1][0], 400)
  assert.match(answers[1][1], /^Webhook Error: The payload must be the raw request body/)
})

test('the main tarball ships the loader, wrapper, WASM fallback and types, and no addon', () => {
  const files = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PKG, encoding: 'utf8' })
  const names = JSON.parse(files)[0].files.map((f) => f.path).sort()
  assert.deepEqual(names, [
    'README.md', 'fastify.d.ts', 'fastify.js', 'hono.d.ts', 'hono.js', 'index.d.mts', 'index.d.ts', 'index.js',
    'index.mjs', 'lib/payvost_wasm_bg.wasm', 'lib/sdk.js', 'lib/wasm.js', 'native.js', 'package.json',
  ])
})

test('the manifest names the repository, homepage and keywords', () => {
  const manifest = require(path.join(PKG, 'package.json'))
  assert.equal(manifest.repository.url, 'git+https://example.invalid/payvost-webhooks.git')
  assert.equal(manifest.homepage, 'https://example.invalid/payvost-webhooks')
  assert.ok(manifest.keywords.includes('webhooks') && manifest.keywords.includes('payvost'))
})

test('one platform package per napi target, each an optional dependency at the same version', () => {
  // The installed tarball's package.json: scripts/pack-node.sh writes the list at pack time.
  const main = require(path.join(sdk.__target, 'package.json'))
  if (main.optionalDependencies === undefined) assert.fail(`${sdk.__target} is not a packed tarball (scripts/pack-node.sh)`)
  const platforms = fs.readdirSync(path.join(PKG, 'npm')).sort()
  assert.deepEqual(platforms, [
    'darwin-arm64', 'darwin-x64', 'linux-arm64-gnu', 'linux-arm64-musl', 'linux-x64-gnu', 'linux-x64-musl',
    'win32-x64-msvc',
  ])
  assert.deepEqual(
    Object.keys(main.optionalDependencies).sort(),
    platforms.map((p) => `@payvost/node-sdk-${p}`),
  )
  for (const platform of platforms) {
    const pkg = require(path.join(PKG, 'npm', platform, 'package.json'))
    const [os, cpu, libc] = platform.split('-')
    assert.equal(pkg.name, `@payvost/node-sdk-${platform}`)
    assert.equal(pkg.version, main.version)
    assert.equal(main.optionalDependencies[pkg.name], main.version)
    assert.deepEqual(pkg.os, [os])
    assert.deepEqual(pkg.cpu, [cpu])
    assert.deepEqual(pkg.libc, os === 'linux' ? [libc === 'gnu' ? 'glibc' : 'musl'] : undefined)
    assert.deepEqual(pkg.files, [`payvost.${platform}.node`])
    assert.equal(pkg.main, `payvost.${platform}.node`)
  }
})
