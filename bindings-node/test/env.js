'use strict'
// Running a check with the variables a function platform sets.

/** Runs `body` with the variables of `env` set, then puts them back as they were. */
async function withEnv(env, body) {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]))
  Object.assign(process.env, env)
  try {
    return await body()
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

module.exports = { withEnv }
