'use strict'
// Which engine runs the core: the native addon, or the WebAssembly fallback
// of @payvost/node-sdk (forced, or where no addon loads), and what a user is
// told when an addon exists but does not load.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const payvost = require('./sdk')

const name = require(path.join(payvost.__target, 'package.json')).name
// scripts/test-node.sh says which backend each of its runs must get.
const expected = process.env.PAYVOST_EXPECT_BACKEND || (name === '@payvost/node-sdk' ? 'napi' : 'wasm')

test(`the core runs on the ${expected} backend`, () => {
  assert.equal(payvost.webhooks.backend, expected)
  const body = '{"id":"evt_backend","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}'
  const header = payvost.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_backend', timestamp: 1764000000 })
  assert.equal(header, 't=1764000000,v1=09c1cc5b9f64271e9591fb247f81705765010e73b8bfb88698b2ee268a8838f8')
  assert.equal(payvost.webhooks.constructEvent(body, header, 'whsec_backend', { now: 1764000000 }).id, 'evt_backend')
})

const nodeSdkOnly = name !== '@payvost/node-sdk'
  ? `the suite runs against ${name}, which has one backend`
  : process.env.PAYVOST_IN_PROCESS
    ? 'this run is under emulation (in-process.js), where a test cannot start a child Node'
    : false
const addonName = process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch)
  ? `payvost.linux-${process.arch}-gnu.node`
  : undefined

/** Runs `source` in a fresh Node over a copy of the installed package whose addon file is damaged. */
function withDamagedAddon(source, env = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payvost-backend-'))
  const copy = path.join(dir, 'node_modules', '@payvost', 'node-sdk')
  fs.cpSync(payvost.__target, copy, { recursive: true })
  fs.writeFileSync(path.join(copy, addonName), 'not an ELF file')
  const childEnv = { ...process.env }
  delete childEnv.PAYVOST_NODE_BACKEND
  Object.assign(childEnv, env)
  const result = spawnSync(process.execPath, ['-e', source], { cwd: dir, env: childEnv, encoding: 'utf8' })
  return { ...result, addon: path.join(copy, addonName) }
}

const USE = `const payvost = require('@payvost/node-sdk')
const body = '{"id":"evt_fallback","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}'
const header = payvost.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_backend' })
console.log(payvost.webhooks.backend, payvost.webhooks.constructEvent(body, header, 'whsec_backend').id)`

test('an addon that exists but fails to load: a warning naming the file and why, then WebAssembly', {
  skip: nodeSdkOnly || (addonName ? false : `no linux addon name for ${process.platform}-${process.arch}`),
}, () => {
  const run = withDamagedAddon(USE)
  assert.equal(run.status, 0, run.stderr)
  assert.equal(run.stdout.trim(), 'wasm evt_fallback')
  assert.match(run.stderr, /PAYVOST_NATIVE_FALLBACK/)
  assert.ok(run.stderr.includes(`the native addon ${run.addon} did not load (file too short)`), run.stderr)
  assert.match(run.stderr, /running on the WebAssembly backend instead/)
})

test('PAYVOST_NODE_BACKEND=wasm takes the fallback with no warning', { skip: nodeSdkOnly || !addonName }, () => {
  const run = withDamagedAddon(USE, { PAYVOST_NODE_BACKEND: 'wasm' })
  assert.equal(run.status, 0, run.stderr)
  assert.equal(run.stdout.trim(), 'wasm evt_fallback')
  assert.equal(run.stderr, '')
})

test('PAYVOST_NODE_BACKEND=napi insists on the addon', { skip: nodeSdkOnly || !addonName }, () => {
  const run = withDamagedAddon(USE, { PAYVOST_NODE_BACKEND: 'napi' })
  assert.notEqual(run.status, 0)
  assert.match(run.stderr, /Cannot find native binding/)
})

test('PAYVOST_NODE_BACKEND takes only napi or wasm', { skip: nodeSdkOnly || !addonName }, () => {
  const run = withDamagedAddon(USE, { PAYVOST_NODE_BACKEND: 'native' })
  assert.notEqual(run.status, 0)
  assert.match(run.stderr, /PAYVOST_NODE_BACKEND is "native"; it takes "napi" or "wasm", or leave it unset to choose automatically\./)
})
