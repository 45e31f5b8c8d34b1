<?php

declare(strict_types=1);

namespace Payvost\Idempotency;

/**
 * The claim a handler runs under. PHP runs a handler on one thread, so the
 * guard cannot renew the lease behind it as it does in Node and Python: a
 * handler that may outlast the lease calls renew() between its steps.
 */
final class Lease
{
    /** @internal made by IdempotencyGuard */
    public function __construct(
        private readonly Store $store,
        private readonly string $key,
        private readonly string $token,
        private readonly int $leaseMs,
    ) {
    }

    /**
     * Extends the lease by the guard's lease from now; false when it was
     * lost (another worker took the event: stop, and do not commit).
     *
     * @throws \Payvost\Exception\IdempotencyException (store_unavailable)
     */
    public function renew(): bool
    {
        return $this->store->renew($this->key, $this->token, $this->leaseMs);
    }
}
