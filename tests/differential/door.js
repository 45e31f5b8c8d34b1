'use strict'
// One door of `make differential` in Node: the package PAYVOST_SDK names
// (@payvost/node-sdk on its addon, or @payvost/webhooks-wasm), fed the
// JSON-lines cases on standard input; one outcome per line on standard
// output, as run.py reads them.
const readline = require('node:readline')
const payvost = require('../../bindings-node/test/sdk')

function outcome(c) {
  const payload = Buffer.from(c.payload_b64, 'base64')
  const header = c.header === null ? undefined : c.header
  const options = { now: c.now }
  if (c.tolerance !== undefined) options.tolerance = c.tolerance
  try {
    const event = payvost.webhooks.constructEvent(payload, header, c.secrets, options)
    const verified = payvost.webhooks.verifyHeader(payload, header, c.secrets, options)
    return { id: event.id, secret_index: verified.secretIndex }
  } catch (error) {
    if (error instanceof payvost.PayvostSignatureVerificationError) {
      return { code: error.code, header: error.header ?? '', payload: error.payload ?? '' }
    }
    // Anything but the SDK's own error is a defect: report it as such.
    if (error instanceof payvost.PayvostError) return { code: error.code }
    return { crash: `${error && error.name}: ${error && error.message}` }
  }
}

const lines = []
readline
  .createInterface({ input: process.stdin, crlfDelay: Infinity })
  .on('line', (line) => lines.push(JSON.stringify(outcome(JSON.parse(line)))))
  .on('close', () => process.stdout.write(lines.length ? lines.join('\n') + '\n' : ''))
