'use strict'
// Starting an example server on 127.0.0.1 and talking to it, for the tests.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

/**
 * A NODE_PATH under which `require('@payvost/node-sdk')` finds the package
 * under test, and the examples' other dependencies come from this package's
 * dev dependencies.
 */
function modulePath(sdkTarget) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payvost-node-path-'))
  fs.mkdirSync(path.join(dir, '@payvost'))
  fs.symlinkSync(path.resolve(sdkTarget), path.join(dir, '@payvost', 'node-sdk'))
  return [dir, path.join(__dirname, '../node_modules')].join(path.delimiter)
}

/** Starts `command`, waits for its "listening on URL" line, returns {url, stop}. */
function start(command, args, { env = {}, cwd } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${command} did not start:\n${output}`))
    }, 15000)
    const onData = (chunk) => {
      output += chunk
      const match = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      if (match) {
        clearTimeout(timer)
        resolve({
          url: match[1],
          output: () => output,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done()
              child.once('exit', done)
              child.kill('SIGTERM')
              setTimeout(() => child.kill('SIGKILL'), 3000).unref()
            }),
        })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${command} exited with ${code}:\n${output}`))
    })
  })
}

async function post(url, body, headers = {}) {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
  return { status: response.status, text: await response.text() }
}

/**
 * Until `done()` (which may be async) holds: work that finishes on its own
 * time, as a handler after the answer. Past `ms`, fails saying what it waited for.
 */
async function until(done, what, ms = 10000) {
  const deadline = Date.now() + ms
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

module.exports = { start, post, modulePath, until }
