<?php

declare(strict_types=1);

namespace Payvost\Exception;

/**
 * The request is authentic but its body is not an event, or the body given
 * was not the raw one. Codes: payload_invalid_json, payload_invalid_event,
 * payload_wrong_type.
 */
final class UnexpectedValueException extends \UnexpectedValueException implements ExceptionInterface
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
