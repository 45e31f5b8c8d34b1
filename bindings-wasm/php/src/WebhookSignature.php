<?php

declare(strict_types=1);

namespace Payvost;

/** Verifying without parsing, and signing test deliveries. */
final class WebhookSignature
{
    /**
     * Verifies the header over the payload without judging the payload.
     *
     * @param string|list<string> $secret
     */
    public static function verifyHeader(
        mixed $payload,
        mixed $sigHeader,
        #[\SensitiveParameter] mixed $secret,
        mixed $tolerance = Webhook::DEFAULT_TOLERANCE,
        mixed $now = null,
    ): Verified {
        [$timestamp, $index] = Runtime::get()->verify(...Arguments::call($payload, $sigHeader, $secret, $tolerance, $now));
        return new Verified($timestamp, $index);
    }

    /**
     * The header value Payvost would send for $payload, for testing a handler
     * without a network. Throws InvalidArgumentException for a secret a
     * verifier would refuse (secret_invalid) or a negative timestamp
     * (tolerance_invalid).
     */
    public static function generateHeader(mixed $payload, #[\SensitiveParameter] mixed $secret, mixed $timestamp = null): string
    {
        $payload = Arguments::payload($payload);
        if (!is_string($secret)) {
            throw Errors::make('secret_invalid', 'The secret must be a string, not ' . get_debug_type($secret));
        }
        $seconds = Arguments::now($timestamp);
        $runtime = Runtime::get();
        $runtime->write($payload . $secret);
        $status = $runtime->call('pv_sign', strlen($payload), strlen($secret), $seconds);
        if ($status !== 0) {
            throw Errors::make($runtime->code($status), $runtime->output());
        }
        return $runtime->output();
    }
}
