<?php

declare(strict_types=1);

namespace Payvost\Exception;

/**
 * The request is not authentic or not fresh: answer 400 and do not process it.
 *
 * Codes: header_missing, header_malformed, no_signatures, signature_mismatch,
 * timestamp_too_old, timestamp_too_new. getSigHeader() and getHttpBody() hold
 * at most their first 100 bytes.
 */
final class SignatureVerificationException extends \Exception implements ExceptionInterface
{
    public function __construct(
        string $message,
        private readonly string $errorCode,
        private readonly ?string $sigHeader = null,
        private readonly ?string $httpBody = null,
    ) {
        parent::__construct($message);
    }

    public function getErrorCode(): string
    {
        return $this->errorCode;
    }

    public function getSigHeader(): ?string
    {
        return $this->sigHeader;
    }

    public function getHttpBody(): ?string
    {
        return $this->httpBody;
    }
}
