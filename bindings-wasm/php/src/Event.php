<?php

declare(strict_types=1);

namespace Payvost;

/**
 * A verified Payvost event: `$event->type`, `$event['type']`,
 * `$event->data->object->amount`. Process each `$event->id` once: deliveries
 * are retried.
 *
 * The object the event is about, typed by the event's type:
 * `$event->object()`, or `$event->paymentObject()` (a Payment, or null when
 * the event carries another kind of object), and so on.
 *
 * ```php
 * if ($payment = $event->paymentObject()) {
 *     $amount = $payment->amount; // int|null
 * }
 * ```
 *
 * @property-read string $id
 * @property-read string $type
 * @property-read int|null $created
 * @property-read PayvostObject $data
 */
final class Event extends PayvostObject
{
    private const CLASSES = [
        'payment' => Payment::class,
        'subscription' => Subscription::class,
        'refund' => Refund::class,
        'customer' => Customer::class,
        'dispute' => Dispute::class,
    ];

    // `created` is judged by value (protocol §5.2), so 1.764e9 is accepted: it reads as the int it is.
    protected const TYPED = ['created' => 'whole'];

    /** @var array<string, string>|null event type name => the kind of object it carries, from the core */
    private static ?array $kinds = null;

    /**
     * `data.object` as the class of the event's type (Payment, Subscription,
     * Refund, Customer, Dispute), or a PayvostObject for a type this
     * version does not know.
     */
    public function object(): PayvostObject
    {
        $class = self::CLASSES[self::kinds()[$this->values->type] ?? ''] ?? PayvostObject::class;
        return new $class($this->values->data->object);
    }

    /** The Payment of a `payment.*` event; null for any other type. */
    public function paymentObject(): ?Payment
    {
        return $this->objectAs(Payment::class);
    }

    /** The Subscription of a `subscription.*` event; null for any other type. */
    public function subscriptionObject(): ?Subscription
    {
        return $this->objectAs(Subscription::class);
    }

    /** The Refund of a `refund.*` event; null for any other type. */
    public function refundObject(): ?Refund
    {
        return $this->objectAs(Refund::class);
    }

    /** The Customer of a `customer.*` event; null for any other type. */
    public function customerObject(): ?Customer
    {
        return $this->objectAs(Customer::class);
    }

    /** The Dispute of a `dispute.*` event; null for any other type. */
    public function disputeObject(): ?Dispute
    {
        return $this->objectAs(Dispute::class);
    }

    /**
     * @template T of PayvostObject
     * @param class-string<T> $class
     * @return T|null
     */
    private function objectAs(string $class): ?PayvostObject
    {
        $object = $this->object();
        return $object instanceof $class ? $object : null;
    }

    /** @return array<string, string> */
    private static function kinds(): array
    {
        if (self::$kinds === null) {
            self::$kinds = [];
            foreach (Runtime::get()->facts()['event_types'] as $known) {
                self::$kinds[$known['name']] = $known['object'];
            }
        }
        return self::$kinds;
    }
}
