<?php

declare(strict_types=1);

namespace Payvost;

/**
 * A verified Payvost event: `$event->type`, `$event['type']`,
 * `$event->data->object->amount`. Process each `$event->id` once: deliveries
 * are retried.
 *
 * @property-read string $id
 * @property-read string $type
 * @property-read int|null $created
 * @property-read PayvostObject $data
 */
final class Event extends PayvostObject
{
}
