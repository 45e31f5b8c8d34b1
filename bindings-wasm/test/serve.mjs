// Helpers for the runtime tests: servers on 127.0.0.1 that stop when asked.
import { spawn } from 'node:child_process'
import { createReadStream, readdirSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'

const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' }

/**
 * A static file server over `mounts` ({'/prefix/': dir}) on 127.0.0.1; a
 * folder answers the JSON list of its files' names, for a page to find them.
 */
export async function staticServer(mounts) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname)
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue
      const file = join(dir, normalize(path.slice(prefix.length)).replace(/^(\.\.[/\\])+/, ''))
      try {
        const stat = statSync(file)
        if (stat.isFile()) {
          res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' })
          return createReadStream(file).pipe(res)
        }
        if (stat.isDirectory()) {
          const names = readdirSync(file, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name).sort()
          return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(names))
        }
      } catch {}
    }
    res.writeHead(404).end()
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => new Promise((done) => server.close(done)) }
}

/** A free port on 127.0.0.1, for a server that cannot be told to pick one. */
export async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((done) => server.close(done))
  return port
}

/** Starts a process; resolves once `ready(output)` holds, with {output, stop}. */
export function start(command, args, { cwd, env = {}, ready, timeout = 20000 }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const stop = () =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done()
      child.once('exit', done)
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 3000).unref()
    })
  return new Promise((resolve, reject) => {
    let settled = false
    const finish = (outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      outcome()
    }
    const timer = setTimeout(() => finish(() => stop().then(() => reject(new Error(`${command} did not start:\n${output}`)))), timeout)
    // A server may print nothing (workerd): poll, as well as watch its output.
    const poll = async () => {
      while (!settled) {
        if (await ready(output)) return finish(() => resolve({ output: () => output, stop }))
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const onData = (chunk) => {
      output += chunk
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code, signal) => finish(() => reject(new Error(`${command} exited (${code ?? signal}):\n${output}`))))
    poll()
  })
}

/** True once something answers HTTP at `url`. */
export async function answers(url) {
  try {
    await fetch(url)
    return true
  } catch {
    await new Promise((r) => setTimeout(r, 100))
    return false
  }
}
