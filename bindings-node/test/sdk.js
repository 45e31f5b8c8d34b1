'use strict'
// Which package the suite runs against: the source tree by default, or the
// installed tarball / the WASM build when PAYVOST_SDK names one. The same
// test files then run unchanged against each.
const path = require('node:path')

const target = process.env.PAYVOST_SDK || path.join(__dirname, '..')
module.exports = require(target)
module.exports.__target = target
