<?php

declare(strict_types=1);

namespace Payvost;

/**
 * A customer (`cust_...`), the object of `customer.*` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id
 * @property-read string|null $email
 * @property-read string|null $name
 */
final class Customer extends PayvostObject
{
    protected const TYPED = [
        'id' => 'string',
        'email' => 'string',
        'name' => 'string',
    ];
}
