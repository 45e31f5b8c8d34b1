<?php

declare(strict_types=1);

namespace Payvost;

/**
 * A payment (`pay_...`), the object of `payment.*` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id
 * @property-read int|null $amount in minor units (cents)
 * @property-read string|null $currency ISO 4217, lower case
 * @property-read string|null $status
 * @property-read string|null $customer the customer's id (`cust_...`)
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
