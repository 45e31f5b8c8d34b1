'use strict'
// @payvost/node-sdk: `payvost.webhooks.constructEvent` on the Rust core. The
// native addon (one optional package per platform, loaded by native.js) is
// the fast path; where none loads, the same core runs as WebAssembly
// (lib/wasm.js), so the package works on every platform Node runs on.
// PAYVOST_NODE_BACKEND=napi|wasm chooses one explicitly.

const { createSdk } = require('./lib/sdk.js')

const BACKENDS = {
  napi: () => ({ ...require('./native.js'), name: 'napi' }),
  wasm: () => require('./lib/wasm.js').backend,
}

function loadBackend() {
  const forced = process.env.PAYVOST_NODE_BACKEND
  if (forced) {
    if (!Object.hasOwn(BACKENDS, forced)) {
      throw new Error(`PAYVOST_NODE_BACKEND is ${JSON.stringify(forced)}; it takes "napi" or "wasm", or leave it unset to choose automatically.`)
    }
    return BACKENDS[forced]()
  }
  try {
    return BACKENDS.napi()
  } catch (error) {
    const failure = brokenBinary(error)
    if (failure) {
      process.emitWarning(
        `@payvost/node-sdk: the native addon ${failure.file} did not load (${failure.reason}); ` +
          'running on the WebAssembly backend instead: the same checks, more slowly. ' +
          'Reinstall the package for this platform, or set PAYVOST_NODE_BACKEND=wasm to silence this warning.',
        { code: 'PAYVOST_NATIVE_FALLBACK' },
      )
    }
    return BACKENDS.wasm()
  }
}

// A missing binary (no package for this platform, or installed with
// --omit=optional) is expected and silent. A binary that exists but fails
// (wrong libc, a damaged file) is worth a warning: native.js chains every
// attempt's error in `cause` (as messages: the chain keeps no `code`); keep
// the first that is not "not found".
const NOT_FOUND = /^Cannot find (module|native binding)\b/

function brokenBinary(error) {
  const seen = new Set()
  for (let e = error; e && typeof e === 'object' && !seen.has(e); e = e.cause) {
    seen.add(e)
    const message = String(e.message).split('\n')[0]
    if (e.code === 'MODULE_NOT_FOUND' || NOT_FOUND.test(message)) continue
    const file = /(\S+\.node)\b/.exec(message)
    if (!file) continue
    const reason = message.startsWith(`${file[1]}: `) ? message.slice(file[1].length + 2) : message
    return { file: file[1], reason }
  }
  return undefined
}

module.exports = createSdk(loadBackend())
module.exports.default = module.exports
