'use strict'
// Runs the suite's files that need no child process, all in this process, for
// Node binaries that run under emulation (qemu-aarch64, Wine): there a test
// cannot start another foreign binary. Prints node:test's usual summary.
//
//   PAYVOST_SDK=... node bindings-node/test/in-process.js
const path = require('node:path')

process.env.PAYVOST_IN_PROCESS = '1'
for (const name of ['vectors', 'api', 'escape', 'backend']) require(path.join(__dirname, `${name}.test.js`))
