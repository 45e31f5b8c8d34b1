// Writes index.mjs, the package's ES module entry, from js/exports.mjs's list
// (`make node`): the same objects as the CommonJS entry, each by name.
import { writeFileSync } from 'node:fs'
import { esmEntry } from '../js/exports.mjs'

writeFileSync(new URL('./index.mjs', import.meta.url), esmEntry(`// ES module entry: the same objects as the CommonJS one (written by esm-entry.mjs from js/exports.mjs).
import sdk from './index.js'
`))
