<?php

declare(strict_types=1);

namespace Payvost\Exception;

/**
 * The secret or the tolerance (or `$now`) is unusable, whatever the request.
 * Codes: secret_invalid, tolerance_invalid.
 */
final class InvalidArgumentException extends \InvalidArgumentException implements ExceptionInterface
{
    public function __construct(string $message, private readonly string $errorCode)
    {
        parent::__construct($message);
    }

    public function getErrorCode(): string
    {
        return $this->errorCode;
    }
}
