<?php

declare(strict_types=1);

namespace Payvost;

/**
 * Runs handlers by event type, for verified events.
 *
 * ```php
 * $router = (new \Payvost\EventRouter())
 *     ->on('payment.succeeded', function (\Payvost\Event $event): void {
 *         fulfil($event->paymentObject()?->id);
 *     })
 *     ->onUnhandled(fn (\Payvost\Event $event) => error_log("not handled: {$event->type}"));
 * $router->dispatch(\Payvost\Webhook::constructEvent($payload, $sigHeader, $secret));
 * ```
 *
 * `dispatch()` runs, in registration order, the `onAny` handlers, then those
 * of the event's type, or the `onUnhandled` ones when its type has none. A
 * handler's exception propagates unchanged and the handlers after it do not
 * run: answer 500, and Payvost retries the delivery.
 */
final class EventRouter
{
    /** @var array<string, list<callable(Event): mixed>> */
    private array $byType = [];
    /** @var list<callable(Event): mixed> */
    private array $any = [];
    /** @var list<callable(Event): mixed> */
    private array $unhandled = [];

    /**
     * Runs `$handler` for events of `$type`, such as `payment.succeeded`.
     *
     * @param callable(Event): mixed $handler
     */
    public function on(string $type, callable $handler): self
    {
        if ($type === '') {
            throw new \InvalidArgumentException("EventRouter::on takes an event type such as 'payment.succeeded', not ''.");
        }
        $this->byType[$type][] = $handler;
        return $this;
    }

    /**
     * Runs `$handler` for every event, before its type's handlers.
     *
     * @param callable(Event): mixed $handler
     */
    public function onAny(callable $handler): self
    {
        $this->any[] = $handler;
        return $this;
    }

    /**
     * Runs `$handler` for events whose type has no `on` handler, types newer than this package included.
     *
     * @param callable(Event): mixed $handler
     */
    public function onUnhandled(callable $handler): self
    {
        $this->unhandled[] = $handler;
        return $this;
    }

    /** Runs the handlers of `$event`; a handler's exception propagates unchanged. */
    public function dispatch(Event $event): void
    {
        $type = $event->type;
        foreach ([...$this->any, ...($this->byType[$type] ?? $this->unhandled)] as $handler) {
            $handler($event);
        }
    }
}
