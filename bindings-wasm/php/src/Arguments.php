<?php

declare(strict_types=1);

namespace Payvost;

/**
 * @internal PHP's loose argument types turned into the module's, in one
 * place. A type mistake becomes the package's exception with a code of protocol §6;
 * every rule about values is the Rust core's.
 */
final class Arguments
{
    /**
     * One verification's arguments, converted: the verifier for the secrets
     * and tolerance, the payload, the header and `now`.
     *
     * @return array{int, string, string, int}
     */
    public static function call(mixed $payload, mixed $sigHeader, #[\SensitiveParameter] mixed $secret, mixed $tolerance, mixed $now): array
    {
        $verifier = Verifiers::for($secret, $tolerance);
        return [$verifier, self::payload($payload), self::header($sigHeader), self::now($now)];
    }

    public static function payload(mixed $payload): string
    {
        if (is_string($payload)) {
            return $payload;
        }
        throw Errors::make(
            'payload_wrong_type',
            'The payload must be the raw request body as a string, not ' . get_debug_type($payload)
            . ": pass @file_get_contents('php://input') (or \$request->getContent()), never json_decode() output",
        );
    }

    public static function header(mixed $header): string
    {
        if (is_string($header)) {
            return $header;
        }
        if ($header === null) {
            return '';
        }
        throw Errors::make(
            'header_malformed',
            'The Payvost-Signature header must be a string, such as $_SERVER[\'HTTP_PAYVOST_SIGNATURE\'], not ' . get_debug_type($header),
        );
    }

    /** @return list<string> */
    public static function secrets(#[\SensitiveParameter] mixed $secret): array
    {
        if (is_string($secret)) {
            return [$secret];
        }
        if (is_array($secret) && array_is_list($secret) && array_filter($secret, 'is_string') === $secret) {
            return $secret;
        }
        if ($secret === null || $secret === false) {
            // getenv() answers false for an unset variable.
            $template = Runtime::get()->facts()['messages']['secret_absent'];
            throw Errors::make('secret_invalid', str_replace('{what}', $secret === null ? 'null' : 'false', $template));
        }
        throw Errors::make('secret_invalid', 'The webhook signing secret must be a string (whsec_...) or a list of strings, not ' . get_debug_type($secret));
    }

    public static function tolerance(mixed $tolerance): float
    {
        if (is_int($tolerance) || is_float($tolerance)) {
            return (float) $tolerance;
        }
        $range = Runtime::get()->facts()['messages']['tolerance_range'];
        throw Errors::make('tolerance_invalid', "{$range}, not " . get_debug_type($tolerance));
    }

    /** Unix seconds: an int, a DateTimeInterface, or null for the system clock. */
    public static function now(mixed $now): int
    {
        return match (true) {
            $now === null => Runtime::get()->now(),
            is_int($now) => $now,
            $now instanceof \DateTimeInterface => $now->getTimestamp(),
            default => throw Errors::make('tolerance_invalid', '$now must be unix seconds (an int) or a DateTimeInterface, not ' . get_debug_type($now)),
        };
    }
}
