<?php

declare(strict_types=1);

namespace Payvost\Exception;

/**
 * The delivery is authentic, but processing it once cannot be assured now
 * (the idempotency guard, Payvost\Idempotency\IdempotencyGuard). Codes:
 * event_in_progress (another worker holds the event: answer 409),
 * store_unavailable (the store is down: 503), event_id_reused (the id came
 * before with another body: 422), lease_lost (this worker's lease ended and
 * another worker took the event).
 */
final class IdempotencyException extends \RuntimeException implements ExceptionInterface
{
    public function __construct(string $message, private readonly string $errorCode, ?\Throwable $previous = null)
    {
        parent::__construct($message, 0, $previous);
    }

    public function getErrorCode(): string
    {
        return $this->errorCode;
    }

    /** The HTTP status a receiver answers this with (protocol §10): 409, 422, 503 or 500. */
    public function getHttpStatus(): int
    {
        return \Payvost\Runtime::get()->statusOf($this->errorCode);
    }
}
