// The WebAssembly backend of @payvost/node-sdk, for platforms with no native
// addon: @payvost/webhooks-wasm's module and backend, bundled by esbuild into
// lib/wasm.js beside lib/payvost_wasm_bg.wasm (see the Makefile's `node`).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { initSync } from '../bindings-wasm/pkg/dist/payvost_wasm.js'

export { backend } from '../bindings-wasm/pkg/backend.mjs'

// `__dirname` is the bundle's own folder, lib/.
initSync({ module: readFileSync(join(__dirname, 'payvost_wasm_bg.wasm')) })
