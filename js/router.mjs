// EventRouter: handlers by event type for verified events, as Octokit's
// `webhooks.on('push', handler)`. It routes; it never verifies (the calls
// and the middleware do) and never swallows a handler's error.

/**
 * Routes a verified event to the handlers registered for its type.
 *
 * `dispatch(event)` runs, in registration order, the `onAny` handlers, then
 * the handlers of `event.type`, or the `onUnhandled` handlers when its type
 * has none. Handlers may be async; each is awaited before the next. The
 * first error a handler throws rejects `dispatch` with that very error.
 */
export class EventRouter {
  #byType = new Map()
  #any = []
  #unhandled = []

  /** Runs `handler` for events of `type`; chainable. */
  on(type, handler) {
    if (typeof type !== 'string' || type === '') {
      throw new TypeError(`EventRouter.on takes an event type such as 'payment.succeeded', not ${describe(type)}.`)
    }
    const handlers = this.#byType.get(type) ?? []
    handlers.push(checked('on', handler))
    this.#byType.set(type, handlers)
    return this
  }

  /** Runs `handler` for every event, before its type's handlers; chainable. */
  onAny(handler) {
    this.#any.push(checked('onAny', handler))
    return this
  }

  /** Runs `handler` for events whose type has no `on` handler; chainable. */
  onUnhandled(handler) {
    this.#unhandled.push(checked('onUnhandled', handler))
    return this
  }

  /** Runs the handlers of `event`; rejects with the first error one throws. */
  async dispatch(event) {
    const handlers = [...this.#any, ...(this.#byType.get(event.type) ?? this.#unhandled)]
    for (const handler of handlers) await handler(event)
  }
}

function checked(method, handler) {
  if (typeof handler !== 'function') {
    throw new TypeError(`EventRouter.${method} takes a function (event) => ..., not ${describe(handler)}.`)
  }
  return handler
}

function describe(value) {
  return value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : typeof value
}
