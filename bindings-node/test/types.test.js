'use strict'
// The shipped index.d.ts, as installed: test/types/*.ts and every ```ts block
// of the package's README compile under tsc --strict, with module resolution
// nodenext (as an ES module and, for the CommonJS package, as CommonJS) and
// bundler. The @ts-expect-error lines in them make each promise fail both ways.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const sdk = require('./sdk')

const PKG = path.join(__dirname, '..')
const TSC = path.join(PKG, 'node_modules', 'typescript', 'bin', 'tsc')
const TYPES = path.join(PKG, 'node_modules', '@types')
const installed = sdk.__target.split(path.sep).includes('node_modules')
const manifest = require(path.join(sdk.__target, 'package.json'))

/** The ```ts blocks of the package's README, each a file of its own. */
function readmeBlocks() {
  const readme = fs.readFileSync(path.join(sdk.__target, 'README.md'), 'utf8')
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1])
}

const CONFIGS = [
  { name: 'nodenext, ES module', ext: '.mts', module: 'nodenext', moduleResolution: 'nodenext' },
  // An ES-only package cannot be required; only the CommonJS one is checked so.
  { name: 'nodenext, CommonJS', ext: '.cts', module: 'nodenext', moduleResolution: 'nodenext', commonjs: true },
  { name: 'bundler', ext: '.ts', module: 'esnext', moduleResolution: 'bundler' },
]

for (const config of CONFIGS) {
  const skip = !installed
    ? 'the types are checked against an installed package (PAYVOST_SDK)'
    : process.env.PAYVOST_SKIP_TYPES
      ? process.env.PAYVOST_SKIP_TYPES
      : config.commonjs && manifest.type === 'module'
      ? `${manifest.name} is an ES module package`
      : false
  test(`the shipped types hold under --strict, moduleResolution ${config.name}`, { skip }, () => {
    // The project the package is installed in, so that tsc resolves it as a user's would.
    const project = path.resolve(sdk.__target, '..', '..', '..')
    const dir = path.join(project, `types-${config.ext.slice(1)}`)
    fs.rmSync(dir, { recursive: true, force: true })
    fs.mkdirSync(dir)
    // Every name the package exports at run time is declared, as a named import.
    // (Less the suite's own `__target`, and what require() adds to an ES module's namespace.)
    const names = Object.keys(sdk).filter((name) => !['__target', 'default', '__esModule'].includes(name))
    const sources = [
      ['exports', `import { ${names.join(', ')} } from 'PACKAGE'\nexport const every = [${names.join(', ')}]\n`],
      ...['checks', 'express', 'hono', ...(manifest.exports['./fastify'] ? ['fastify'] : [])].map((name) => [name, fs.readFileSync(path.join(__dirname, 'types', `${name}.ts`), 'utf8')]),
      ...readmeBlocks().map((block, i) => [`readme-${i + 1}`, block]),
    ]
    assert.ok(sources.length >= 3, 'the README has a ```ts block')
    const files = sources.map(([name, source]) => {
      fs.writeFileSync(path.join(dir, name + config.ext), source.replaceAll(/'PACKAGE(\/\w+)?'/g, `'${manifest.name}$1'`))
      return name + config.ext
    })
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'],
        module: config.module, moduleResolution: config.moduleResolution,
        esModuleInterop: true, skipLibCheck: false,
        types: ['node'], typeRoots: [TYPES],
        // express, aws-lambda, fastify, hono and their types come from this repository's dev dependencies.
        paths: {
          express: [path.join(TYPES, 'express')],
          'aws-lambda': [path.join(TYPES, 'aws-lambda')],
          fastify: [path.join(PKG, 'node_modules', 'fastify', 'fastify.d.ts')],
          hono: [path.join(PKG, 'node_modules', 'hono', 'dist', 'types', 'index.d.ts')],
        },
      },
      files,
    }))
    try {
      execFileSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' })
    } catch (error) {
      assert.fail(`tsc (${config.name}):\n${error.stdout}${error.stderr}`)
    }
  })
}
