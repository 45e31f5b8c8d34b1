<?php

declare(strict_types=1);

namespace Payvost;

// written by scripts/generate-objects.py from the core's schema (facts.json `objects`): edit the core, not this.

/**
 * A payment (`pay_...`). The object of `payment.created`, `payment.succeeded`, `payment.failed`, `payment.canceled`, `payment.processing` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id The payment's id.
 * @property-read int|null $amount In minor units (cents).
 * @property-read string|null $currency ISO 4217, lower case.
 * @property-read string|null $status The payment's status.
 * @property-read string|null $customer The customer's id (`cust_...`).
 */
final class Payment extends PayvostObject
{
    protected const TYPED = [
        'id' => 'string',
        'amount' => 'int',
        'currency' => 'string',
        'status' => 'string',
        'customer' => 'string',
    ];
}
