// Builds @payvost/webhooks-wasm into bindings-wasm/pkg/: the crate for
// wasm32-unknown-unknown, wasm-bindgen's `web` glue, wasm-opt, the shared JS
// layer of js/, and one entry per runtime from the template below.
//
//   node bindings-wasm/build.mjs
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { esmEntry } from '../js/exports.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
// PAYVOST_WASM_OUT and the variables below let bench/wasm/opt-levels.mjs build variants.
const pkg = process.env.PAYVOST_WASM_OUT || join(here, 'pkg')
const target = process.env.PAYVOST_WASM_TARGET_DIR || join(root, 'target', 'wasm')
const run = (command, args, options = {}) => execFileSync(command, args, { stdio: 'inherit', cwd: root, ...options })

// Chosen by measuring speed and size (bench/wasm/opt-levels.mjs, figures in
// bench/README.md): Rust opt-level 3 with WebAssembly SIMD (the SHA-256 message
// schedule vectorises; every engine targeted has had SIMD since 2023), then
// wasm-opt -O3.
const WASM_OPT_LEVEL = process.env.WASM_OPT_LEVEL || '-O3'
/** wasm-opt from `input` to `output`, with the features every module uses. */
const wasmOpt = (input, output) =>
  run(join(here, 'node_modules', '.bin', 'wasm-opt'), [WASM_OPT_LEVEL, '--enable-bulk-memory', '--enable-nontrapping-float-to-int',
    '--enable-simd', '--strip-debug', '--strip-producers', input, '-o', output])
const RUSTFLAGS = process.env.RUSTFLAGS ?? '-C target-feature=+simd128'

run('cargo', ['build', '-p', 'payvost-wasm', '--target', 'wasm32-unknown-unknown', '--release'], {
  env: { ...process.env, CARGO_TARGET_DIR: target, RUSTFLAGS },
})
rmSync(pkg, { recursive: true, force: true })
mkdirSync(join(pkg, 'dist'), { recursive: true })
run('wasm-bindgen', [
  '--target', 'web', '--out-dir', join(pkg, 'dist'), '--out-name', 'payvost_wasm',
  join(target, 'wasm32-unknown-unknown', 'release', 'payvost_wasm.wasm'),
])
const wasm = join(pkg, 'dist', 'payvost_wasm_bg.wasm')
wasmOpt(wasm, wasm)
for (const generated of readdirSync(join(pkg, 'dist'))) {
  if (!['payvost_wasm.js', 'payvost_wasm_bg.wasm'].includes(generated)) rmSync(join(pkg, 'dist', generated))
}

// The whole shared layer: every module of js/ and its types (Fastify's entry is Node's only).
for (const file of readdirSync(join(root, 'js')).filter((name) => name.endsWith('.mjs') || ['index.d.ts', 'hono.d.ts'].includes(name))) {
  copyFileSync(join(root, 'js', file), join(pkg, file))
}
cpSync(join(here, 'npm'), pkg, { recursive: true })

// How each runtime gets the compiled module before the SDK is made from it.
const wasmUrl = "new URL('./dist/payvost_wasm_bg.wasm', import.meta.url)"
const init = {
  node: `import { readFileSync } from 'node:fs'\nimport { initSync } from './dist/payvost_wasm.js'\n\ninitSync({ module: readFileSync(${wasmUrl}) })`,
  deno: `import { initSync } from './dist/payvost_wasm.js'\n\ninitSync({ module: Deno.readFileSync(${wasmUrl}) })`,
  workerd: `import { initSync } from './dist/payvost_wasm.js'\nimport wasm from './dist/payvost_wasm_bg.wasm'\n\ninitSync({ module: wasm })`,
  browser: `import init from './dist/payvost_wasm.js'\n\nawait init({ module_or_path: ${wasmUrl} })`,
}
for (const [runtime, load] of Object.entries(init)) {
  writeFileSync(join(pkg, `${runtime}.mjs`), esmEntry(`// @payvost/webhooks-wasm for ${runtime}, written by bindings-wasm/build.mjs.
${load}

import { backend } from './backend.mjs'
import { createSdk } from './sdk.mjs'

const sdk = createSdk(backend)`))
}
// The plain module (docs/wasm-abi.md), shipped in the PHP package: the same
// crate without wasm-bindgen. Then its test build, with pv_trap_for_tests,
// for the hosts' tests only (target/wasm-plain/payvost-test-hooks.wasm).
if (!process.env.PAYVOST_WASM_OUT) {
  const plainTarget = join(root, 'target', 'wasm-plain')
  const built = join(plainTarget, 'wasm32-unknown-unknown', 'release', 'payvost_wasm.wasm')
  const plain = (features, output) => {
    run('cargo', ['build', '-p', 'payvost-wasm', '--no-default-features', '--features', features, '--target', 'wasm32-unknown-unknown', '--release'], {
      env: { ...process.env, CARGO_TARGET_DIR: plainTarget, RUSTFLAGS },
    })
    mkdirSync(dirname(output), { recursive: true })
    wasmOpt(built, output)
  }
  plain('plain', join(here, 'php', 'resources', 'payvost.wasm'))
  plain('test-hooks', join(plainTarget, 'payvost-test-hooks.wasm'))
}
console.log(`built ${pkg}`)
