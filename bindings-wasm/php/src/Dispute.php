<?php

declare(strict_types=1);

namespace Payvost;

/**
 * A dispute (`dp_...`), the object of `dispute.*` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id
 * @property-read string|null $payment the disputed payment's id
 * @property-read int|null $amount in minor units (cents)
 * @property-read string|null $reason
 * @property-read string|null $status
 */
final class Dispute extends PayvostObject
{
    protected const TYPED = [
        'id' => 'string',
        'payment' => 'string',
        'amount' => 'int',
        'reason' => 'string',
        'status' => 'string',
    ];
}
