<?php

declare(strict_types=1);

namespace Payvost\Idempotency;

use Payvost\Errors;
use Payvost\Event;
use Payvost\Runtime;

/**
 * Runs a handler once per event across every worker, in any language of
 * the SDK, that shares its store (protocol §11):
 *
 * ```php
 * $guard = new \Payvost\Idempotency\IdempotencyGuard(new \Payvost\Idempotency\PdoStore($pdo));
 * $result = $guard->process($event, $payload, function (\Payvost\Event $event): void {
 *     // fulfil the order
 * });
 * // $result->outcome is 'processed', or 'duplicate' for a delivery seen before
 * ```
 *
 * A claim holds for `lease` seconds (default 60): PHP cannot renew it behind
 * a running handler, so keep the lease above your longest handler, or call
 * `$lease->renew()` (the handler's second argument) between long steps.
 * A completed event is remembered for `retention` seconds (default 7 days).
 * A handler's exception releases the claim, so Payvost's retry runs it
 * again, and propagates. The guard's own failures are
 * Payvost\Exception\IdempotencyException: event_in_progress (answer 409),
 * store_unavailable (503), event_id_reused (422), lease_lost.
 */
final class IdempotencyGuard
{
    private readonly int $leaseMs;
    private readonly int $retentionMs;
    private readonly string $namespace;

    public function __construct(
        private readonly Store $store,
        int|float|null $lease = null,
        int|float|null $retention = null,
        ?string $namespace = null,
    ) {
        $rules = Runtime::get()->facts()['idempotency'];
        $this->leaseMs = self::milliseconds('lease', $lease ?? $rules['lease']);
        $this->retentionMs = self::milliseconds('retention', $retention ?? $rules['retention']);
        $namespace ??= $rules['namespace'];
        if ($namespace === '') {
            throw Errors::make('option_invalid', "IdempotencyGuard's namespace must be a non-empty string, not ''.");
        }
        $this->namespace = $namespace;
    }

    private static function milliseconds(string $name, int|float $seconds): int
    {
        if (!($seconds > 0 && $seconds < 1e9)) {
            throw Errors::make('option_invalid', "IdempotencyGuard's {$name} must be a positive number of seconds, not " . var_export($seconds, true) . '.');
        }
        return (int) round($seconds * 1000);
    }

    /**
     * Claims $event, runs `$handler($event, $lease)`, then completes it.
     * $payload is the raw body the event came in.
     *
     * @param callable(Event, Lease): mixed $handler
     * @throws \Payvost\Exception\IdempotencyException
     */
    public function process(Event $event, string $payload, callable $handler): ProcessResult
    {
        return $this->claim($event, $payload)->run($handler);
    }

    /**
     * The first half of process(), for receivers that answer in between
     * (acknowledging first): a Claim this worker holds, or one whose
     * outcome is 'duplicate'.
     *
     * @throws \Payvost\Exception\IdempotencyException event_in_progress, event_id_reused, store_unavailable
     */
    public function claim(Event $event, string $payload): Claim
    {
        [$outcome, $attempt, $key, $token] = $this->claimed($event, $payload);
        return new Claim($outcome, $attempt,
            fn (callable $handler, ?string $acknowledgedWith) => $this->run($event, $payload, $key, $token, $attempt, $handler, $acknowledgedWith));
    }

    /**
     * The events whose handlers failed after their delivery was answered
     * (acknowledgeFirst), by id: Payvost will not deliver them again, so the
     * guard keeps their raw body and header until the retention ends.
     * retry() runs one again.
     *
     * @return list<FailedEvent>
     * @throws \Payvost\Exception\IdempotencyException store_unavailable
     */
    public function failed(): array
    {
        $prefix = "{$this->namespace}:";
        return array_map(static fn (array $row) => new FailedEvent(substr($row[0], strlen($prefix)), $row[1], $row[2], $row[3]),
            $this->store->failed($prefix));
    }

    /**
     * Runs `$handler($event, $lease)` again for the failed event $id (from
     * failed()), with the event its stored body holds, under a claim like
     * any delivery's. Should it fail again, the record stays failed and the
     * exception propagates; an id that is not failed is option_invalid.
     *
     * @param callable(Event, Lease): mixed $handler
     * @throws \Payvost\Exception\IdempotencyException
     */
    public function retry(string $id, callable $handler): ProcessResult
    {
        foreach ($this->failed() as $failed) {
            if ($failed->id === $id) {
                // The body was verified when it was delivered, and kept as it came.
                return $this->claim(\Payvost\Webhook::decode($failed->body), $failed->body)->run($handler, $failed->header);
            }
        }
        throw Errors::make('option_invalid', 'IdempotencyGuard::retry: no failed event ' . var_export($id, true) . " in this guard's store "
            . '(its handlers completed since, or it never failed after an acknowledgement).');
    }

    /**
     * Runs `$handler($event, $pdo)` inside one transaction of the store's
     * own PDO connection (the guard's store must be a PdoStore), in which
     * the event's completion commits too: the handler's writes and the
     * record commit together or not at all (a handler's exception, or a
     * lease lost meanwhile, rolls them back). Effects are then exactly once,
     * whatever the handler writes in that database.
     *
     * @param callable(Event, \PDO): mixed $handler
     * @throws \Payvost\Exception\IdempotencyException
     */
    public function processInTransaction(Event $event, string $payload, callable $handler): ProcessResult
    {
        if (!$this->store instanceof PdoStore) {
            throw Errors::make('option_invalid', 'processInTransaction needs a guard on a PdoStore: the handler writes through its connection.');
        }
        [$outcome, $attempt, $key, $token] = $this->claimed($event, $payload);
        if ($outcome === 'duplicate') {
            return new ProcessResult('duplicate', $attempt);
        }
        try {
            $completed = $this->store->completeWithin(fn (\PDO $pdo) => $handler($event, $pdo), $key, $token, $this->retentionMs);
        } catch (\Throwable $error) {
            try {
                $this->store->release($key, $token);
            } catch (\Throwable) {
                // The lease ends on its own.
            }
            throw $error;
        }
        if (!$completed) {
            throw self::error('lease_lost', ['id' => $event->id]);
        }
        return new ProcessResult('processed', $attempt);
    }

    /**
     * Claims $event's record: its outcome ('claimed' or 'duplicate'), attempt, key and this claim's token.
     *
     * @return array{'claimed'|'duplicate', int, string, string}
     */
    private function claimed(Event $event, string $payload): array
    {
        $key = "{$this->namespace}:{$event->id}";
        $token = bin2hex(random_bytes(16));
        [$outcome, $attempt] = $this->store->claim($key, self::fingerprint($payload), $token, $this->leaseMs, $this->retentionMs);
        if ($outcome !== 'claimed' && $outcome !== 'duplicate') {
            throw self::error($outcome === 'reused' ? 'event_id_reused' : 'event_in_progress', ['id' => $event->id]);
        }
        return [$outcome, $attempt, $key, $token];
    }

    /**
     * Runs the handler under the claim; a handler's exception releases it,
     * or, the delivery answered already (`$acknowledgedWith`, its header),
     * marks it failed with the raw body and header.
     *
     * @param callable(Event, Lease): mixed $handler
     */
    private function run(Event $event, string $payload, string $key, string $token, int $attempt, callable $handler, ?string $acknowledgedWith): ProcessResult
    {
        try {
            $handler($event, new Lease($this->store, $key, $token, $this->leaseMs));
        } catch (\Throwable $error) {
            try {
                $acknowledgedWith === null
                    ? $this->store->release($key, $token)
                    : $this->store->fail($key, $token, $payload, $acknowledgedWith);
            } catch (\Throwable) {
                // The lease ends on its own.
            }
            throw $error;
        }
        if (!$this->store->complete($key, $token, $this->retentionMs)) {
            throw self::error('lease_lost', ['id' => $event->id]);
        }
        return new ProcessResult('processed', $attempt);
    }

    /** Drops the records past their retention (SQL stores; Redis expires its own): how many. */
    public function purge(): int
    {
        return $this->store->purge();
    }

    /** The fingerprint the guard records for a raw body: its SHA-256 in hex, by the core. */
    public static function fingerprint(string $payload): string
    {
        $runtime = Runtime::get();
        $runtime->write($payload);
        $runtime->call('pv_fingerprint', strlen($payload));
        return $runtime->output();
    }

    /**
     * One of the guard's errors, with the core's message.
     *
     * @param array<string, string> $values
     * @internal
     */
    public static function error(string $code, array $values, ?\Throwable $previous = null): \Payvost\Exception\IdempotencyException
    {
        $message = Runtime::get()->facts()['messages'][$code];
        foreach ($values as $name => $value) {
            $message = str_replace('{' . $name . '}', $value, $message);
        }
        return new \Payvost\Exception\IdempotencyException($message . '.', $code, $previous);
    }
}
