// Serves worker.mjs on 127.0.0.1 with Deno or Bun, for local runs and the
// tests: `deno run -A serve.mjs` or `bun serve.mjs`. PORT=0 picks a free port.
import worker from './worker.mjs'

const port = Number(globalThis.process?.env?.PORT ?? globalThis.Deno?.env.get('PORT') ?? 8787)
const env = { PAYVOST_WEBHOOK_SECRET: globalThis.process?.env?.PAYVOST_WEBHOOK_SECRET ?? globalThis.Deno?.env.get('PAYVOST_WEBHOOK_SECRET') }
const handler = (request) => worker.fetch(request, env)

if (globalThis.Deno) {
  Deno.serve({ hostname: '127.0.0.1', port, onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`) }, handler)
} else {
  const server = Bun.serve({ hostname: '127.0.0.1', port, fetch: handler })
  console.log(`listening on http://127.0.0.1:${server.port}`)
}
