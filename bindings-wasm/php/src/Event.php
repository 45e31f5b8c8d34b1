<?php

declare(strict_types=1);

namespace Payvost;

/**
 * A verified Payvost event: `$event->type`, `$event['type']`,
 * `$event->data->object->amount`. Process each `$event->id` once: deliveries
 * are retried.
 *
 * The object the event is about is typed by the event's type:
 * `$event->data->object` (or `$event->object()`) is a Payment for a
 * `payment.*` event, and so on, whose typed fields read as null when of
 * another type; `$event->paymentObject()` is the Payment, or null when the
 * event carries another kind of object. Array access reads every field as
 * sent: `$event['data']['object']['amount']`.
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
 * @property-read EventData $data
 */
final class Event extends PayvostObject
{
    // `created` is judged by value (protocol §5.2), so 1.764e9 is accepted: it reads as the int it is.
    protected const TYPED = ['created' => 'whole'];

    /** @var array<string, class-string<PayvostObject>>|null event type name => the class of its object, from the core's schema */
    private static ?array $classes = null;

    /**
     * `data.object` as the class of the event's type (Payment, Subscription,
     * Refund, Customer, Dispute), or a PayvostObject for a type this
     * version does not know.
     */
    public function object(): PayvostObject
    {
        $class = self::classes()[$this->values->type] ?? PayvostObject::class;
        return new $class($this->values->data->object);
    }

    public function __get(string $name): mixed
    {
        // `data` holds the typed object (the envelope was judged: data.object is an object).
        return $name === 'data' ? EventData::holding($this->values->data, $this->object()) : parent::__get($name);
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

    /** @return array<string, class-string<PayvostObject>> */
    private static function classes(): array
    {
        if (self::$classes === null) {
            $facts = Runtime::get()->facts();
            /** @var array<string, class-string<PayvostObject>> $ofKind */
            $ofKind = [];
            foreach ($facts['objects'] as $object) {
                $ofKind[$object['kind']] = __NAMESPACE__ . '\\' . $object['class'];
            }
            self::$classes = [];
            foreach ($facts['event_types'] as $known) {
                self::$classes[$known['name']] = $ofKind[$known['object']] ?? PayvostObject::class;
            }
        }
        return self::$classes;
    }
}
