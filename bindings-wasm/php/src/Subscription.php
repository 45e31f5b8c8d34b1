<?php

declare(strict_types=1);

namespace Payvost;

// written by scripts/generate-objects.py from the core's schema (facts.json `objects`): edit the core, not this.

/**
 * A subscription (`sub_...`). The object of `subscription.created`, `subscription.updated`, `subscription.deleted`, `subscription.trial_will_end` events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
 * @property-read string|null $id The subscription's id.
 * @property-read string|null $customer The customer's id (`cust_...`).
 * @property-read string|null $status The subscription's status.
 * @property-read int|null $currentPeriodStart Unix seconds.
 * @property-read int|null $currentPeriodEnd Unix seconds.
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
