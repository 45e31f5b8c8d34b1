<?php

declare(strict_types=1);

namespace Payvost;

/**
 * An event's `data`: `object` reads as the typed object of the event's type
 * (a Payment for a `payment.*` event, ...), `previous_attributes` as sent.
 *
 * @property-read PayvostObject $object
 * @property-read PayvostObject|null $previous_attributes
 */
final class EventData extends PayvostObject
{
    private ?PayvostObject $typed = null;

    /** @internal `data` of an event, holding `$object`, its typed `data.object`. */
    public static function holding(\stdClass $data, PayvostObject $object): self
    {
        $held = new self($data);
        $held->typed = $object;
        return $held;
    }

    public function __get(string $name): mixed
    {
        return $name === 'object' && $this->typed !== null ? $this->typed : parent::__get($name);
    }
}
