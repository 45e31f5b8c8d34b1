<?php

declare(strict_types=1);

namespace Payvost;

use Payvost\Exception\ExceptionInterface;

/**
 * `\Payvost\Webhook::constructEvent($payload, $sigHeader, $secret)`, as the
 * Payvost webhook docs use it.
 */
final class Webhook
{
    public const DEFAULT_TOLERANCE = 300;

    /**
     * Verifies the Payvost-Signature header over the raw body and returns the event.
     *
     * @param string $payload the raw request body: file_get_contents('php://input')
     * @param string|null $sigHeader $_SERVER['HTTP_PAYVOST_SIGNATURE']
     * @param string|list<string> $secret the endpoint's whsec_... secret, or several while rotating
     * @param int|float $tolerance seconds the signature's timestamp may lie from $now, both ways
     * @param int|\DateTimeInterface|null $now default the system clock
     *
     * @throws ExceptionInterface SignatureVerificationException, UnexpectedValueException or InvalidArgumentException
     */
    public static function constructEvent(
        mixed $payload,
        mixed $sigHeader,
        #[\SensitiveParameter] mixed $secret,
        mixed $tolerance = self::DEFAULT_TOLERANCE,
        mixed $now = null,
    ): Event {
        Runtime::get()->construct(...Arguments::call($payload, $sigHeader, $secret, $tolerance, $now));
        return self::decode($payload);
    }

    /**
     * The event of a PSR-7 request (Slim, Mezzio, Laravel's `$request` through
     * symfony/psr-http-message-bridge): its raw body and its Payvost-Signature
     * header, verified. For a middleware that answers Payvost itself, see
     * `\Payvost\Psr\WebhookMiddleware`.
     *
     * @param string|list<string> $secret
     * @param int|null $limit the largest body read, in bytes; default the core's 5 MiB
     * @throws ExceptionInterface as constructEvent; UnexpectedValueException for a body over `$limit`
     *     (`payload_invalid_json`) or already read from a stream that cannot rewind (`payload_wrong_type`)
     */
    public static function constructEventFromRequest(
        \Psr\Http\Message\RequestInterface $request,
        #[\SensitiveParameter] mixed $secret,
        mixed $tolerance = self::DEFAULT_TOLERANCE,
        mixed $now = null,
        ?int $limit = null,
    ): Event {
        return self::constructEvent(Psr\RequestBody::whole($request, $limit), Psr\RequestBody::signatureHeader($request), $secret, $tolerance, $now);
    }

    /** @internal The event of a payload the module judged authentic: an event. */
    public static function decode(string $payload): Event
    {
        try {
            $decoded = json_decode($payload, false, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            // The core accepted it as JSON; PHP's objects cannot hold some (a member
            // name starting with a NUL byte).
            throw Errors::make('payload_invalid_json', 'The payload is authentic JSON that PHP cannot hold as objects: ' . $e->getMessage());
        }
        return new Event($decoded);
    }
}
