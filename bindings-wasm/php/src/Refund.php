<?php

declare(strict_types=1);

namespace Payvost;

/**
 * A refund (`ref_...`), the object of `refund.*` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id
 * @property-read string|null $payment the refunded payment's id
 * @property-read int|null $amount in minor units (cents)
 * @property-read string|null $status
 */
final class Refund extends PayvostObject
{
    protected const TYPED = [
        'id' => 'string',
        'payment' => 'string',
        'amount' => 'int',
        'status' => 'string',
    ];
}
