<?php

declare(strict_types=1);

namespace Payvost\Idempotency;

/**
 * Where the guard keeps its records (protocol §11): each step one atomic
 * operation of the store, on the store's own clock, by the core's
 * statements and scripts. Failures are IdempotencyException
 * (store_unavailable).
 */
interface Store
{
    /** Creates what is missing (the SQL table); nothing for Redis. */
    public function setup(): void;

    /**
     * Claims the record, or says why not.
     *
     * @return array{string, int} the outcome (claimed, duplicate, in_progress, reused) and the record's attempt
     */
    public function claim(string $key, string $fingerprint, string $token, int $leaseMs, int $retentionMs): array;

    /** Extends the lease of the claim $token made; false when it was lost. */
    public function renew(string $key, string $token, int $leaseMs): bool;

    /** Ends the lease of the claim $token made, now; false when it was lost. */
    public function release(string $key, string $token): bool;

    /** Marks the record completed; false when $token's claim was lost. */
    public function complete(string $key, string $token, int $retentionMs): bool;

    /**
     * Marks the record failed after its delivery was answered (acknowledged
     * first), keeping its raw body and header for a retry; false when
     * $token's claim was lost. A claim of the same body takes it again.
     */
    public function fail(string $key, string $token, string $body, string $header): bool;

    /**
     * The failed records whose keys start with $prefix, by key.
     *
     * @return list<array{string, int, string, string}> key, attempt, body, header
     */
    public function failed(string $prefix): array;

    /** Drops records past their retention: how many. */
    public function purge(): int;
}
