<?php

declare(strict_types=1);

namespace Payvost;

/**
 * A JSON object of an event, read-only, with property and array access at
 * every level: `$obj->amount` and `$obj['amount']` read the same field, and
 * nested objects are PayvostObjects too. jsonSerialize() gives back exactly
 * what json_decode() built.
 *
 * @implements \ArrayAccess<string, mixed>
 * @implements \IteratorAggregate<string, mixed>
 */
class PayvostObject implements \ArrayAccess, \JsonSerializable, \IteratorAggregate, \Countable
{
    /**
     * The fields a typed object's properties read, with their PHP type: a
     * value of another type reads as null (protocol §5.3).
     *
     * @var array<string, 'int'|'string'>
     */
    protected const TYPED = [];

    final public function __construct(protected readonly \stdClass $values)
    {
    }

    protected static function wrap(mixed $value): mixed
    {
        if ($value instanceof \stdClass) {
            return new PayvostObject($value);
        }
        if (is_array($value)) {
            return array_map(static fn (mixed $item): mixed => self::wrap($item), $value);
        }
        return $value;
    }

    public function __get(string $name): mixed
    {
        $value = $this->values->{$name} ?? null;
        $type = static::TYPED[$name] ?? null;
        if ($type === 'whole') {
            // A number judged by value (protocol §5.2): 1.764e9 is the int 1764000000.
            return is_float($value) ? (int) $value : (is_int($value) ? $value : null);
        }
        if ($type !== null) {
            return get_debug_type($value) === $type ? $value : null;
        }
        return self::wrap($value);
    }

    public function __isset(string $name): bool
    {
        return isset($this->values->{$name});
    }

    public function __set(string $name, mixed $value): void
    {
        throw new \LogicException(static::class . ' is read-only');
    }

    public function __unset(string $name): void
    {
        throw new \LogicException(static::class . ' is read-only');
    }

    public function offsetExists(mixed $offset): bool
    {
        return property_exists($this->values, (string) $offset);
    }

    public function offsetGet(mixed $offset): mixed
    {
        return self::wrap($this->values->{(string) $offset} ?? null);
    }

    public function offsetSet(mixed $offset, mixed $value): void
    {
        throw new \LogicException(static::class . ' is read-only');
    }

    public function offsetUnset(mixed $offset): void
    {
        throw new \LogicException(static::class . ' is read-only');
    }

    public function getIterator(): \Iterator
    {
        foreach (get_object_vars($this->values) as $key => $value) {
            yield $key => self::wrap($value);
        }
    }

    public function count(): int
    {
        return count(get_object_vars($this->values));
    }

    /** Exactly what json_decode() built (the event's own object, not a copy). */
    public function jsonSerialize(): \stdClass
    {
        return $this->values;
    }

    public function __debugInfo(): array
    {
        return get_object_vars($this->values);
    }
}
