<?php

declare(strict_types=1);

namespace Payvost\Idempotency;

/** What IdempotencyGuard::process() did. */
final class ProcessResult
{
    /**
     * @param 'processed'|'duplicate' $outcome the handler ran and completed, or the event was processed before
     * @param int $attempt how many times the event was claimed: 2 after one failure
     */
    public function __construct(
        public readonly string $outcome,
        public readonly int $attempt,
    ) {
    }
}
