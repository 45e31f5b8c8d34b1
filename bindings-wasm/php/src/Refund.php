<?php

declare(strict_types=1);

namespace Payvost;

// written by scripts/generate-objects.py from the core's schema (facts.json `objects`): edit the core, not this.

/**
 * A refund (`ref_...`). The object of `refund.created`, `refund.updated`, `refund.failed` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id The refund's id.
 * @property-read string|null $payment The refunded payment's id.
 * @property-read int|null $amount In minor units (cents).
 * @property-read string|null $status The refund's status.
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
