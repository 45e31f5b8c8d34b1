'use strict'
// The same realistic payment events as bench/src/lib.rs, in JavaScript.
function paymentEvent(size) {
  let body =
    '{"id":"evt_1NxBench","type":"payment.succeeded","created":1764000000,"livemode":false,"data":{"object":' +
    '{"id":"pay_test_1234567890","amount":2000,"currency":"eur","status":"succeeded","customer":"cust_42","items":['
  const tail = ']}}}'
  for (let i = 0; ; i++) {
    const item = `${i ? ',' : ''}{"sku":"sku_${String(i).padStart(6, '0')}","qty":${(i % 7) + 1},"price":1999}`
    if (body.length + item.length + tail.length > size) break
    body += item
  }
  return Buffer.from(body + ' '.repeat(size - body.length - tail.length) + tail)
}

const SIZES = [256, 1024, 16 * 1024, 256 * 1024]

/** Runs each contender in turn, batch by batch, and keeps the median ns/op. */
function interleaved(contenders, { rounds = 15, budgetNs = 4e7 } = {}) {
  const samples = contenders.map(() => [])
  const batch = contenders.map((c) => {
    const t0 = process.hrtime.bigint()
    let n = 0
    while (Number(process.hrtime.bigint() - t0) < 2e6) { c.fn(); n++ }
    return Math.max(1, Math.round((n * budgetNs) / 2e6 / rounds / contenders.length))
  })
  for (let round = 0; round < rounds; round++) {
    contenders.forEach((c, i) => {
      const t0 = process.hrtime.bigint()
      for (let k = 0; k < batch[i]; k++) c.fn()
      samples[i].push(Number(process.hrtime.bigint() - t0) / batch[i])
    })
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)])
}

module.exports = { paymentEvent, SIZES, interleaved }
