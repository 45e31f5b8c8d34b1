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
     * @param \Closure(callable, ?string): ProcessResult $run
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
     * `$handler($event, $lease)` under this claim, then completes it. With
     * `$acknowledgedWith`, the header of a delivery answered already, a
     * handler's exception marks the event failed, kept for
     * IdempotencyGuard::retry(), rather than releasing it.
     *
     * @param callable(\Payvost\Event, Lease): mixed $handler
     * @throws \Payvost\Exception\IdempotencyException lease_lost, store_unavailable
     */
    public function run(callable $handler, ?string $acknowledgedWith = null): ProcessResult
    {
        return $this->outcome === 'duplicate' ? new ProcessResult('duplicate', $this->attempt) : ($this->run)($handler, $acknowledgedWith);
    }
}
