<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Event;
use Payvost\EventRouter;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/** EventRouter: handlers by type, their order, errors never swallowed. */
final class RouterTest extends TestCase
{
    private const SECRET = 'whsec_router_secret';
    private const NOW = 1764000000;

    private static function event(string $type, string $id = 'evt_r1'): Event
    {
        $body = json_encode(['id' => $id, 'type' => $type, 'data' => ['object' => ['id' => 'obj_1', 'amount' => 5]]], JSON_THROW_ON_ERROR);
        return Webhook::constructEvent($body, WebhookSignature::generateHeader($body, self::SECRET, self::NOW), self::SECRET, 300, self::NOW);
    }

    public function testDispatchRunsOnAnyThenTheTypesHandlersOrOnUnhandled(): void
    {
        $ran = [];
        $router = (new EventRouter())
            ->onAny(function (Event $e) use (&$ran): void { $ran[] = "any {$e->type}"; })
            ->on('payment.succeeded', function (Event $e) use (&$ran): void { $ran[] = 'paid ' . $e->paymentObject()?->amount; })
            ->on('payment.succeeded', function (Event $e) use (&$ran): void { $ran[] = "again {$e->id}"; })
            ->onUnhandled(function (Event $e) use (&$ran): void { $ran[] = "unhandled {$e->type}"; });
        $router->dispatch(self::event('payment.succeeded'));
        $router->dispatch(self::event('payout.paid', 'evt_r2'));
        self::assertSame(['any payment.succeeded', 'paid 5', 'again evt_r1', 'any payout.paid', 'unhandled payout.paid'], $ran);
    }

    public function testAHandlersExceptionPropagatesUnchangedAndStopsTheRest(): void
    {
        $failure = new \RuntimeException('the warehouse is down');
        $ran = [];
        $router = (new EventRouter())
            ->on('refund.created', function () use ($failure): void { throw $failure; })
            ->on('refund.created', function () use (&$ran): void { $ran[] = 'after'; });
        try {
            $router->dispatch(self::event('refund.created'));
            self::fail('the handler threw');
        } catch (\RuntimeException $e) {
            self::assertSame($failure, $e);
        }
        self::assertSame([], $ran);
        $router->dispatch(self::event('payment.failed')); // no handler and no onUnhandled: nothing runs
    }

    public function testAnEmptyTypeIsRefusedAtOnce(): void
    {
        $this->expectExceptionObject(new \InvalidArgumentException("EventRouter::on takes an event type such as 'payment.succeeded', not ''."));
        (new EventRouter())->on('', fn () => null);
    }
}
