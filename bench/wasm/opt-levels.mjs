// Builds the WASM package at several optimisation levels and races them in
// one process: constructEvent at 1 KiB and 16 KiB, and the gzipped size of
// the module. The chosen level is recorded in bindings-wasm/build.mjs.
//   node bench/wasm/opt-levels.mjs
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const VARIANTS = [
  { name: 'opt-level 3, wasm-opt -O3', opt: '3', wasmOpt: '-O3' },
  { name: 'opt-level 3 + simd128, wasm-opt -O3', opt: '3', wasmOpt: '-O3', rustflags: '-C target-feature=+simd128' },
  { name: 'opt-level 3, wasm-opt -Oz', opt: '3', wasmOpt: '-Oz' },
  { name: 'opt-level "s", wasm-opt -Os', opt: 's', wasmOpt: '-Os' },
  { name: 'opt-level "z", wasm-opt -Oz', opt: 'z', wasmOpt: '-Oz' },
]
const built = []
for (const [i, v] of VARIANTS.entries()) {
  const out = join(root, 'target', 'wasm-variants', String(i))
  execFileSync(process.execPath, [join(root, 'bindings-wasm', 'build.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PAYVOST_WASM_OUT: out,
      PAYVOST_WASM_TARGET_DIR: join(root, 'target', 'wasm-variants', `target-${i}`),
      WASM_OPT_LEVEL: v.wasmOpt,
      CARGO_PROFILE_RELEASE_OPT_LEVEL: v.opt,
      RUSTFLAGS: v.rustflags ?? '',
    },
  })
  const size = gzipSync(readFileSync(join(out, 'dist', 'payvost_wasm_bg.wasm')), { level: 9 }).length
  built.push({ ...v, size })
}
// Each variant is timed in a fresh process of its own: module instances in
// one process disturb one another's timings.
const measure = (dir) => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `
  const { paymentEvent, interleaved } = (await import('node:module')).createRequire(${JSON.stringify(import.meta.url)})('../node/payloads.js')
  const sdk = await import(${JSON.stringify(join(dir, 'node.mjs'))})
  const out = {}
  for (const size of [1024, 16384]) {
    const payload = new Uint8Array(paymentEvent(size))
    const header = sdk.generateTestHeaderString({ payload, secret: 'whsec_x' })
    const [verify, construct] = interleaved([
      { fn: () => sdk.verifyHeader(payload, header, 'whsec_x') },
      { fn: () => sdk.constructEvent(payload, header, 'whsec_x') },
    ], { rounds: 21, budgetNs: 2e8 })
    out[size] = { verify, construct }
  }
  console.log(JSON.stringify(out))`], { encoding: 'utf8' }))
const rows = [
  '| build | gzipped | verifyHeader 1 KiB | constructEvent 1 KiB | verifyHeader 16 KiB | constructEvent 16 KiB |',
  '| --- | --- | --- | --- | --- | --- |',
]
const us = (ns) => `${(ns / 1e3).toFixed(ns < 1e5 ? 2 : 0)} µs`
for (const [i, b] of built.entries()) {
  const t = measure(join(root, 'target', 'wasm-variants', String(i)))
  rows.push(`| ${b.name} | ${(b.size / 1024).toFixed(1)} KiB | ${us(t[1024].verify)} | ${us(t[1024].construct)} | ${us(t[16384].verify)} | ${us(t[16384].construct)} |`)
}
console.log(rows.join('\n'))
