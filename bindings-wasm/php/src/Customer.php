<?php

declare(strict_types=1);

namespace Payvost;

// written by scripts/generate-objects.py from the core's schema (facts.json `objects`): edit the core, not this.

/**
 * A customer (`cust_...`). The object of `customer.created`, `customer.updated` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id The customer's id.
 * @property-read string|null $email The customer's email address.
 * @property-read string|null $name The customer's name.
 */
final class Customer extends PayvostObject
{
    protected const TYPED = [
        'id' => 'string',
        'email' => 'string',
        'name' => 'string',
    ];
}
