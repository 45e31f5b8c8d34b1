<?php

declare(strict_types=1);

namespace Payvost;

use Payvost\Exception\ExceptionInterface;
use Payvost\Exception\IdempotencyException;
use Payvost\Exception\InvalidArgumentException;
use Payvost\Exception\SignatureVerificationException;
use Payvost\Exception\UnexpectedValueException;

/** @internal The one mapping of error codes to the package's exceptions. */
final class Errors
{
    /** What a PHP user most often gets wrong when the signature does not match. */
    private const MISMATCH_HINT = " Pass the body exactly as received: file_get_contents('php://input'),"
        . ' or $request->getContent() in Laravel and Symfony; never a decoded and re-encoded body.';

    public static function make(string $code, string $message, ?string $sigHeader = null, ?string $payload = null): ExceptionInterface
    {
        $runtime = Runtime::get();
        // A change to the body the core recognised names its own fix.
        if ($code === 'signature_mismatch' && str_starts_with($message, $runtime->facts()['messages']['signature_mismatch_unexplained'])) {
            $message .= self::MISMATCH_HINT;
        }
        return match ($runtime->category($code)) {
            'configuration' => new InvalidArgumentException($message, $code),
            'processing' => new IdempotencyException($message, $code),
            'signature' => new SignatureVerificationException(
                $message,
                $code,
                $sigHeader === null ? null : $runtime->echo($sigHeader),
                $payload === null ? null : $runtime->echo($payload),
            ),
            // 'payload', and any code the module does not name, which can only be a bug of ours.
            default => new UnexpectedValueException($message, $code),
        };
    }
}
