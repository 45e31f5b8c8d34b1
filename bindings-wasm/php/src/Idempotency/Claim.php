<?php

declare(strict_types=1);

namespace Payvost\Idempotency;

/**
 * What IdempotencyGuard::claim() got: 'claimed' (this worker holds the
 * event: run() its handler) or 'duplicate' (processed before: run() runs
 * nothing).
 */
final class Claim
{
    /**
     * @param 'claimed'|'duplicate' $outcome
     * @param \Closure(callable): ProcessResult $run
     * @internal made by IdempotencyGuard
     */
    public function __construct(
        public readonly string $outcome,
        public readonly int $attempt,
        private readonly \Closure $run,
    ) {
    }

    /**
     * The second half of IdempotencyGuard::process(): runs
     * `$handler($event, $lease)` under this claim, then completes it.
     *
     * @param callable(\Payvost\Event, Lease): mixed $handler
     * @throws \Payvost\Exception\IdempotencyException lease_lost, store_unavailable
     */
    public function run(callable $handler): ProcessResult
    {
        return $this->outcome === 'duplicate' ? new ProcessResult('duplicate', $this->attempt) : ($this->run)($handler);
    }
}
