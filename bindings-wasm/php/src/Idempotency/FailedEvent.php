<?php

declare(strict_types=1);

namespace Payvost\Idempotency;

/**
 * An event whose handlers failed after its delivery was answered
 * (acknowledged first), as the guard keeps it: Payvost will not deliver it
 * again, so IdempotencyGuard::retry() runs it.
 */
final class FailedEvent
{
    /**
     * @param string $id the event's id
     * @param int $attempt the claims of the event so far
     * @param string $body the raw body, as delivered and verified
     * @param string $header the Payvost-Signature header it came with
     */
    public function __construct(
        public readonly string $id,
        public readonly int $attempt,
        public readonly string $body,
        public readonly string $header,
    ) {
    }
}
