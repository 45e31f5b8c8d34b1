'use strict'
// Which package the suite runs against: the source tree by default, or the
// installed tarball of @payvost/node-sdk or of @payvost/webhooks-wasm when
// PAYVOST_SDK names one. The same test files then run unchanged against each.
const path = require('node:path')

const target = process.env.PAYVOST_SDK || path.join(__dirname, '..')
// An ES module's namespace (the WASM package) takes no new property: copy it.
module.exports = { ...require(target), __target: target }
