<?php

declare(strict_types=1);

namespace Payvost\Psr;

use Payvost\Errors;
use Payvost\Event;
use Payvost\EventRouter;
use Payvost\Runtime;
use Payvost\Exception\IdempotencyException;
use Payvost\Exception\SignatureVerificationException;
use Payvost\Idempotency\IdempotencyGuard;
use Payvost\Exception\UnexpectedValueException;
use Payvost\WebhookVerifier;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Message\StreamFactoryInterface;
use Psr\Http\Server\MiddlewareInterface;
use Psr\Http\Server\RequestHandlerInterface;

/**
 * A PSR-15 middleware for the webhook route (Slim 4, Mezzio, any PSR-15
 * dispatcher): it reads the raw body, verifies it, and either answers
 * Payvost itself or passes the request on with the event attached.
 *
 * ```php
 * $psr17 = new \Nyholm\Psr7\Factory\Psr17Factory();
 * $webhook = new \Payvost\Psr\WebhookMiddleware(
 *     new \Payvost\WebhookVerifier(getenv('PAYVOST_WEBHOOK_SECRET')),
 *     $psr17,
 *     $psr17,
 * );
 * // Later: $request->getAttribute(\Payvost\Psr\WebhookMiddleware::ATTRIBUTE) is the \Payvost\Event.
 * ```
 *
 * Answers (protocol §10): 400 `{"error": {"code", "message"}}` for a
 * delivery that is not authentic or not an event, 413 for a body over
 * `$limit` bytes; a configuration or engine error propagates. With a `$router`, it runs the event's handlers and answers
 * 200 `{"received": true}`; a handler's exception propagates, for the
 * framework's 500, so that Payvost retries. Without one, the next handler
 * answers.
 *
 * With `acknowledgeFirst: true` and an `onError` callback, it answers 200
 * once the delivery is verified and runs the handlers when the request
 * ends: under PHP-FPM the answer leaves first (`fastcgi_finish_request()`),
 * and a handler's exception goes to `onError($error, $event)`, as Payvost
 * will not retry; should `onError` throw too, that goes to `error_log()`.
 * This rides on PHP-FPM's request end, so it is refused elsewhere
 * (`option_invalid`): a long-running server (RoadRunner, Swoole, a CLI
 * worker) should queue the work instead.
 *
 * The next handler gets the request with its body readable from the start.
 *
 * With `idempotency` (a Payvost\Idempotency\IdempotencyGuard) and a router,
 * the handlers run inside the guard (protocol §11): a duplicate is answered
 * 200 without running them, `event_in_progress` 409, `event_id_reused` 422,
 * `store_unavailable` 503; with `acknowledgeFirst` the 200 goes out once the
 * claim is held.
 */
final class WebhookMiddleware implements MiddlewareInterface
{
    /** The request attribute that holds the verified event. */
    public const ATTRIBUTE = Event::class;

    private int $limit;
    /** @var (callable(\Throwable, Event): mixed)|null */
    private $onError;

    /**
     * @param int|null $limit the largest body read, in bytes; default the core's 5 MiB
     * @param (callable(\Throwable, Event): mixed)|null $onError with `acknowledgeFirst`: gets the errors of handlers run after the answer
     */
    public function __construct(
        private WebhookVerifier $verifier,
        private ResponseFactoryInterface $responses,
        private StreamFactoryInterface $streams,
        private ?EventRouter $router = null,
        ?int $limit = null,
        private bool $acknowledgeFirst = false,
        ?callable $onError = null,
        private ?IdempotencyGuard $idempotency = null,
    ) {
        $this->limit = RequestBody::checkedLimit($limit);
        if ($acknowledgeFirst && ($router === null || $onError === null)) {
            throw new \InvalidArgumentException('WebhookMiddleware: acknowledgeFirst needs a router and an onError($error, $event) callback, '
                . 'which gets the errors of handlers that run after the answer.');
        }
        if ($idempotency !== null && $router === null) {
            throw Errors::make('option_invalid', 'WebhookMiddleware: idempotency runs the handlers of a router: give it a router too.');
        }
        if ($acknowledgeFirst && PHP_SAPI !== 'fpm-fcgi') {
            // Outside PHP-FPM the handlers would wait for the process to end: in a
            // long-running worker that may be never, and a SIGKILL loses them unreported.
            throw Errors::make('option_invalid', 'WebhookMiddleware: acknowledgeFirst works under PHP-FPM only, where '
                . 'fastcgi_finish_request() sends the answer and the handlers run before the worker takes another request; '
                . 'under ' . PHP_SAPI . ' they would wait for the process to end, and be lost if it is killed. '
                . 'Leave it off, so the answer follows the handlers, or queue the event for a worker of your own.');
        }
        $this->onError = $onError;
    }

    public function process(ServerRequestInterface $request, RequestHandlerInterface $handler): ResponseInterface
    {
        try {
            $body = RequestBody::read($request, $this->limit);
            if ($body === null) {
                return $this->json(413, ['error' => ['code' => 'payload_invalid_json', 'message' => RequestBody::tooLargeMessage($this->limit)]]);
            }
            $event = $this->verifier->constructEvent($body, RequestBody::signatureHeader($request));
            $request = RequestBody::rewound($request, $body, $this->streams);
        } catch (SignatureVerificationException | UnexpectedValueException $e) {
            // Configuration and engine errors propagate: no request can fix them, so the framework's 500.
            return $this->json(400, ['error' => ['code' => $e->getErrorCode(), 'message' => $e->getMessage()]]);
        }
        if ($this->router === null) {
            return $handler->handle($request->withAttribute(self::ATTRIBUTE, $event));
        }
        $router = $this->router;
        try {
            // Inside the guard's claim, held before any answer (protocol §11); a duplicate runs nothing.
            $claim = $this->idempotency?->claim($event, $body);
            $run = $claim === null
                ? static fn () => $router->dispatch($event)
                : static fn () => $claim->run(static fn (Event $event) => $router->dispatch($event));
            if ($this->acknowledgeFirst) {
                register_shutdown_function($this->afterAnswer(...), $run, $event);
            } else {
                $run();
            }
        } catch (IdempotencyException $e) {
            return $this->json(Runtime::get()->statusOf($e->getErrorCode()), ['error' => ['code' => $e->getErrorCode(), 'message' => $e->getMessage()]]);
        }
        return $this->json(200, ['received' => true]);
    }

    /** At the request's end: the answer leaves first under PHP-FPM, then the handlers run. */
    private function afterAnswer(\Closure $run, Event $event): void
    {
        if (function_exists('fastcgi_finish_request')) {
            fastcgi_finish_request();
        }
        try {
            $run();
        } catch (\Throwable $error) {
            try {
                ($this->onError)($error, $event);
            } catch (\Throwable $hookError) {
                // The answer has left and the request is ending: the log is all that is left.
                error_log(sprintf('payvost: onError threw %s (%s) while reporting the error of a handler of event %s: %s',
                    $hookError::class, $hookError->getMessage(), $event->id, $error->getMessage()));
            }
        }
    }

    /** @param array<string, mixed> $body */
    private function json(int $status, array $body): ResponseInterface
    {
        return $this->responses->createResponse($status)
            ->withHeader('Content-Type', 'application/json')
            ->withBody($this->streams->createStream(json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE)));
    }
}
