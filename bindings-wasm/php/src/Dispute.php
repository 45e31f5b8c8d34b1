<?php

declare(strict_types=1);

namespace Payvost;

// written by scripts/generate-objects.py from the core's schema (facts.json `objects`): edit the core, not this.

/**
 * A dispute (`dp_...`). The object of `dispute.opened`, `dispute.resolved` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id The dispute's id.
 * @property-read string|null $payment The disputed payment's id.
 * @property-read int|null $amount In minor units (cents).
 * @property-read string|null $reason Why the payment is disputed.
 * @property-read string|null $status The dispute's status.
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
