// Where the tests find @payvost/webhooks-wasm as users install it: the
// scratch project scripts/test-wasm.sh made with `npm pack` and `npm install`,
// or a fresh one made here.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const here = dirname(fileURLToPath(import.meta.url))
export const root = join(here, '..', '..')
export const tools = join(here, '..', 'node_modules', '.bin')

function install() {
  const dir = mkdtempSync(join(tmpdir(), 'payvost-wasm-pack-'))
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: join(here, '..', 'pkg'), encoding: 'utf8' }).trim()
  writeFileSync(join(dir, 'package.json'), '{"name":"scratch","private":true,"type":"module"}')
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', join(dir, tarball)], { cwd: dir })
  return dir
}

/** The project holding node_modules/@payvost/webhooks-wasm. */
export const project = process.env.PAYVOST_WASM_PROJECT || install()
export const packageDir = join(project, 'node_modules', '@payvost', 'webhooks-wasm')
