<?php

declare(strict_types=1);

namespace Payvost;

/**
 * A subscription (`sub_...`), the object of `subscription.*` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id
 * @property-read string|null $customer
 * @property-read string|null $status
 * @property-read int|null $currentPeriodStart unix seconds
 * @property-read int|null $currentPeriodEnd unix seconds
 */
final class Subscription extends PayvostObject
{
    protected const TYPED = [
        'id' => 'string',
        'customer' => 'string',
        'status' => 'string',
        'currentPeriodStart' => 'int',
        'currentPeriodEnd' => 'int',
    ];
}
