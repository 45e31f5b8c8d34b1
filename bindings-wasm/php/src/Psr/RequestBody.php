<?php

declare(strict_types=1);

namespace Payvost\Psr;

use Payvost\Errors;
use Payvost\Runtime;
use Psr\Http\Message\MessageInterface;
use Psr\Http\Message\StreamFactoryInterface;

/**
 * @internal The raw body of a PSR-7 request, read once, never past a limit
 * (protocol §10).
 */
final class RequestBody
{
    /** The core's default limit, in bytes. */
    public static function defaultLimit(): int
    {
        return Runtime::get()->facts()['body_limit'];
    }

    /**
     * The body as received, or null when it is larger than `$limit` bytes.
     *
     * @throws \Payvost\Exception\UnexpectedValueException (`payload_wrong_type`) for a body already read from a stream that cannot rewind
     */
    public static function read(MessageInterface $request, int $limit): ?string
    {
        $stream = $request->getBody();
        $size = $stream->getSize();
        if ($size !== null && $size > $limit) {
            return null;
        }
        if ($stream->isSeekable()) {
            $stream->rewind();
        } elseif ($stream->tell() > 0) {
            throw Errors::make(
                'payload_wrong_type',
                'The request body was already read from a stream that cannot rewind, so its raw bytes are gone: '
                . 'verify before anything else reads (string) $request->getBody().',
            );
        }
        $body = '';
        while (!$stream->eof() && strlen($body) <= $limit) {
            $body .= $stream->read(min(65536, $limit + 1 - strlen($body)));
        }
        return strlen($body) > $limit ? null : $body;
    }

    /**
     * The body as received, for the helpers that throw rather than answer.
     *
     * @throws \Payvost\Exception\UnexpectedValueException `payload_invalid_json` for a body over `$limit` bytes, or as read()
     */
    public static function whole(MessageInterface $request, ?int $limit): string
    {
        $limit = self::checkedLimit($limit);
        return self::read($request, $limit) ?? throw Errors::make('payload_invalid_json', self::tooLargeMessage($limit));
    }

    /**
     * A body limit: a positive whole number of bytes, the core's 5 MiB when null.
     *
     * @throws \Payvost\Exception\InvalidArgumentException (`option_invalid`) for anything else
     */
    public static function checkedLimit(mixed $limit): int
    {
        if ($limit === null) {
            return self::defaultLimit();
        }
        if (!is_int($limit) || $limit < 1) {
            throw Errors::make('option_invalid', str_replace('{value}', var_export($limit, true),
                Runtime::get()->facts()['messages']['limit_invalid']));
        }
        return $limit;
    }

    /**
     * $request as the next handler should get it, its body readable from
     * the start: the same stream rewound, or, when it cannot rewind, a new
     * one holding the $body that was read.
     *
     * @template T of MessageInterface
     * @param T $request
     * @return T
     */
    public static function rewound(MessageInterface $request, string $body, StreamFactoryInterface $streams): MessageInterface
    {
        $stream = $request->getBody();
        if ($stream->isSeekable()) {
            $stream->rewind();
            return $request;
        }
        return $request->withBody($streams->createStream($body));
    }

    /**
     * The Payvost-Signature header's value, null when it is absent; its lines
     * joined by ", " (PSR-7's getHeaderLine), which protocol §2 refuses when
     * the header came twice.
     */
    public static function signatureHeader(MessageInterface $request): ?string
    {
        $name = Runtime::get()->facts()['signature_header'];
        return $request->hasHeader($name) ? $request->getHeaderLine($name) : null;
    }

    /** The 413's message for a body over `$limit` bytes: the core's. */
    public static function tooLargeMessage(int $limit): string
    {
        return str_replace('{limit}', (string) $limit, Runtime::get()->facts()['messages']['body_too_large']);
    }
}
