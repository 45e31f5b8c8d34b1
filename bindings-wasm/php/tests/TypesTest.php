<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Customer;
use Payvost\Dispute;
use Payvost\Event;
use Payvost\Payment;
use Payvost\PayvostObject;
use Payvost\Refund;
use Payvost\Subscription;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/**
 * The typed objects of events: each known type's getter, the types of their
 * fields, and their declarations, held to what a static analyser reads
 * (native return types and `@property-read` lines; PHPStan itself cannot be
 * installed here, see docs/machine.md).
 */
final class TypesTest extends TestCase
{
    private const SECRET = 'whsec_test_secret_1234';
    private const NOW = 1764000000;
    private const CLASSES = [
        'payment' => Payment::class,
        'subscription' => Subscription::class,
        'refund' => Refund::class,
        'customer' => Customer::class,
        'dispute' => Dispute::class,
    ];

    private static function event(array $event): Event
    {
        $body = json_encode($event, JSON_THROW_ON_ERROR);
        return Webhook::constructEvent($body, WebhookSignature::generateHeader($body, self::SECRET, self::NOW), self::SECRET, 300, self::NOW);
    }

    public function testEachKnownTypeGetsItsObjectAndOnlyItsGetter(): void
    {
        $facts = json_decode((string) file_get_contents(PAYVOST_ROOT . '/tests/vectors/facts.json'), true);
        self::assertCount(16, $facts['event_types']);
        foreach ($facts['event_types'] as $known) {
            $event = self::event(['id' => 'evt_1', 'type' => $known['name'], 'data' => ['object' => ['id' => 'x_1']]]);
            $class = self::CLASSES[$known['object']];
            self::assertInstanceOf($class, $event->object(), $known['name']);
            self::assertSame('x_1', $event->object()->id);
            foreach (self::CLASSES as $kind => $other) {
                $got = $event->{$kind . 'Object'}();
                if ($other === $class) {
                    self::assertInstanceOf($class, $got, $known['name']);
                } else {
                    self::assertNull($got, "{$known['name']} {$kind}Object()");
                }
            }
        }
    }

    public function testTypedFieldsReadAsTheirTypeOrNull(): void
    {
        $payment = self::event(['id' => 'evt_1', 'type' => 'payment.succeeded', 'data' => ['object' => [
            'id' => 'pay_1', 'amount' => 2000, 'currency' => 7, 'metadata' => ['order' => '6735'],
        ]]])->paymentObject();
        self::assertNotNull($payment);
        self::assertSame('pay_1', $payment->id);
        self::assertSame(2000, $payment->amount);
        self::assertNull($payment->currency, 'a number where a string is typed reads as null');
        self::assertSame(7, $payment['currency'], 'array access reads the value as sent');
        self::assertNull($payment->status);
        self::assertSame('6735', $payment->metadata->order);
        $subscription = self::event(['id' => 'evt_2', 'type' => 'subscription.updated', 'data' => ['object' => [
            'id' => 'sub_1', 'currentPeriodEnd' => 1766592000,
        ]]])->subscriptionObject();
        self::assertSame(1766592000, $subscription?->currentPeriodEnd);
    }

    public function testAnUnknownTypeCarriesAPlainObject(): void
    {
        $event = self::event(['id' => 'evt_3', 'type' => 'payout.paid', 'data' => ['object' => ['id' => 'po_1', 'amount' => 5]]]);
        self::assertSame(PayvostObject::class, get_class($event->object()));
        self::assertSame(5, $event->object()->amount);
        self::assertNull($event->paymentObject());
    }

    public function testTheDeclarationsAStaticAnalyserReads(): void
    {
        foreach (self::CLASSES as $kind => $class) {
            $getter = new \ReflectionMethod(Event::class, $kind . 'Object');
            self::assertSame('?' . $class, (string) $getter->getReturnType());
            $typed = (new \ReflectionClassConstant($class, 'TYPED'))->getValue();
            preg_match_all('/@property-read (\w+)\|null \$(\w+)/', (string) (new \ReflectionClass($class))->getDocComment(), $lines, PREG_SET_ORDER);
            $declared = [];
            foreach ($lines as [, $type, $name]) {
                $declared[$name] = $type;
            }
            self::assertSame($typed, $declared, "{$class}: its @property-read lines are its typed fields");
        }
        self::assertSame(PayvostObject::class, (string) (new \ReflectionMethod(Event::class, 'object'))->getReturnType());
    }
}
