// @payvost/webhooks-wasm/hono: the Hono middleware, typed with its Variables
// (hono.d.ts). The package by its own name, so that each runtime gets its
// own entry (workerd, browser, deno, node) as it would importing the package.
import { webhooks } from '@payvost/webhooks-wasm'

export const payvostWebhook = webhooks.hono
