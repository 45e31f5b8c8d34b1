// The tarball of @payvost/webhooks-wasm as installed: its files, its size,
// the entry each runtime's conditions pick, its types.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import test from 'node:test'
import { gzipSync } from 'node:zlib'
import { packageDir, project, root } from './installed.mjs'

const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))

test('the shipped .wasm is at most 64 KiB gzipped', () => {
  const wasm = readFileSync(join(packageDir, 'dist', 'payvost_wasm_bg.wasm'))
  const gzipped = gzipSync(wasm, { level: 9 }).length
  assert.ok(gzipped <= 64 * 1024, `${gzipped} bytes gzipped`)
  console.log(`# payvost_wasm_bg.wasm: ${wasm.length} bytes, ${gzipped} gzipped`)
})

test('the manifest names the repository, homepage and keywords', () => {
  assert.equal(manifest.repository.url, 'git+https://example.invalid/payvost-webhooks.git')
  assert.equal(manifest.homepage, 'https://example.invalid/payvost-webhooks')
  assert.ok(manifest.keywords.includes('webassembly') && manifest.keywords.includes('payvost'))
})

test('ESM, side-effect free, with an entry for each runtime', () => {
  assert.equal(manifest.type, 'module')
  assert.equal(manifest.sideEffects, false)
  const conditions = manifest.exports['.']
  assert.deepEqual(Object.keys(conditions), ['types', 'workerd', 'browser', 'deno', 'node', 'default'])
  for (const file of Object.values(conditions)) assert.ok(statSync(join(packageDir, file)).isFile(), file)
})

test('each runtime condition resolves to its entry', () => {
  const resolve = (condition) =>
    execFileSync(process.execPath, ['--conditions', condition, '--input-type=module', '-e',
      "console.log(import.meta.resolve('@payvost/webhooks-wasm'))"], { cwd: project, encoding: 'utf8' }).trim()
  assert.match(execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('@payvost/webhooks-wasm'))"], { cwd: project, encoding: 'utf8' }).trim(), /\/node\.mjs$/)
  for (const condition of ['workerd', 'browser', 'deno']) assert.match(resolve(condition), new RegExp(`/${condition}\\.mjs$`))
})

test('the types are the very types of @payvost/node-sdk', () => {
  assert.equal(readFileSync(join(packageDir, 'index.d.ts'), 'utf8'), readFileSync(join(root, 'js', 'index.d.ts'), 'utf8'))
})

test('synchronous constructEvent from an installed import, no Buffer needed', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { constructEvent, generateTestHeaderString, webhooks } from '@payvost/webhooks-wasm'
    delete globalThis.Buffer
    const body = new TextEncoder().encode('{"id":"evt_w","type":"refund.created","data":{"object":{"id":"ref_1"}}}')
    const header = generateTestHeaderString({ payload: body, secret: 'whsec_w' })
    const event = constructEvent(body.buffer, header, 'whsec_w')
    console.log(event.id, event instanceof Promise, webhooks.constructEvent === constructEvent)`], { cwd: project, encoding: 'utf8' })
  assert.equal(out.trim(), 'evt_w false true')
})
