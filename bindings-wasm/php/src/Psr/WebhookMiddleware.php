<?php

declare(strict_types=1);

namespace Payvost\Psr;

use Payvost\Delivery\DeliveryStats;
use Payvost\Delivery\Recorder;
use Payvost\Delivery\Slots;
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
 *
 * Every delivery is recorded (protocol §10.2): `onDelivery($record)` gets
 * it (an array in the core's field order: event_id, event_type, outcome,
 * code, status, signature_age, secret_index, attempt, duration_ms,
 * received_at, remote_address; never the secret or the body), a PSR-3
 * `logger` logs it (info for processed, duplicate and in progress, warning
 * for refused and shed, error for failed; the record is the context), and
 * stats() counts it, with anomalies() to say what a burst of refusals likely
 * means. With `maxConcurrent`, a delivery that arrives while that many run
 * on this host (every PHP-FPM worker counted: lock files in `slots`, by
 * default the temporary directory's `payvost-webhook-slots`) is answered
 * 503 `receiver_busy` with `Retry-After: 30` before its body is read, and
 * recorded `shed`: Payvost delivers it again later.
 */
final class WebhookMiddleware implements MiddlewareInterface
{
    /** The request attribute that holds the verified event. */
    public const ATTRIBUTE = Event::class;

    private int $limit;
    /** @var (callable(\Throwable, Event): mixed)|null */
    private $onError;
    private Recorder $recorder;
    private ?Slots $slots = null;

    /**
     * @param int|null $limit the largest body read, in bytes; default the core's 5 MiB
     * @param (callable(\Throwable, Event): mixed)|null $onError with `acknowledgeFirst`: gets the errors of handlers run after the answer
     * @param (callable(array<string, mixed>): mixed)|null $onDelivery gets the record of every delivery answered
     * @param int|null $maxConcurrent at most this many deliveries at once on this host; past it, 503 `receiver_busy`
     * @param string|null $slots where `maxConcurrent` keeps its lock files; default sys_get_temp_dir() . '/payvost-webhook-slots'
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
        ?callable $onDelivery = null,
        ?\Psr\Log\LoggerInterface $logger = null,
        ?int $maxConcurrent = null,
        ?DeliveryStats $stats = null,
        ?string $slots = null,
    ) {
        $this->limit = RequestBody::checkedLimit($limit);
        if ($maxConcurrent !== null) {
            if ($maxConcurrent < 1) {
                throw Errors::make('option_invalid', "WebhookMiddleware: maxConcurrent takes a whole number of deliveries at once, 1 or more, not {$maxConcurrent}.");
            }
            $this->slots = new Slots($maxConcurrent, $slots);
        }
        $this->recorder = new Recorder($stats ?? new DeliveryStats(), $onDelivery, $logger);
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
        $arrival = Recorder::arrival($request);
        $slot = $this->slots?->enter();
        if ($this->slots !== null && $slot === null) {
            $limit = (string) $this->slots->limit();
            $message = str_replace('{limit}', $limit, Runtime::get()->facts()['messages']['receiver_busy']) . '.';
            return $this->refuse($arrival, Runtime::get()->statusOf('receiver_busy'), 'receiver_busy', $message)
                ->withHeader('Retry-After', (string) DeliveryStats::facts()['retry_after']);
        }
        try {
            return $this->deliver($request, $handler, $arrival);
        } finally {
            if ($slot !== null) {
                $this->slots?->release($slot);
            }
        }
    }

    /** @return array{total: int, outcomes: array<string, int>, codes: array<string, int>} the deliveries counted so far */
    public function stats(): array
    {
        return $this->recorder->stats->snapshot();
    }

    /** @return list<string> the refusals since the last call, one line per code with its likely cause */
    public function anomalies(): array
    {
        return $this->recorder->stats->anomalies();
    }

    /** @param array{float, int, ?string} $arrival */
    private function deliver(ServerRequestInterface $request, RequestHandlerInterface $handler, array $arrival): ResponseInterface
    {
        try {
            $body = RequestBody::read($request, $this->limit);
            if ($body === null) {
                return $this->refuse($arrival, 413, 'payload_invalid_json', RequestBody::tooLargeMessage($this->limit));
            }
            $header = RequestBody::signatureHeader($request);
            $proven = $this->verifier->constructVerified($body, $header);
            $request = RequestBody::rewound($request, $body, $this->streams);
        } catch (SignatureVerificationException | UnexpectedValueException $e) {
            // Configuration and engine errors propagate: no request can fix them, so the framework's 500.
            return $this->refuse($arrival, 400, $e->getErrorCode(), $e->getMessage());
        }
        [$event] = $proven;
        if ($this->router === null) {
            try {
                $response = $handler->handle($request->withAttribute(self::ATTRIBUTE, $event));
            } catch (\Throwable $error) {
                $this->recorder->record($arrival, 'failed', 500, $proven);
                throw $error;
            }
            $status = $response->getStatusCode();
            $this->recorder->record($arrival, $status < 400 ? 'processed' : 'failed', $status, $proven);
            return $response;
        }
        $router = $this->router;
        $attempt = null;
        try {
            // Inside the guard's claim, held before any answer (protocol §11); a duplicate runs nothing.
            $claim = $this->idempotency?->claim($event, $body);
            $acknowledgedWith = $this->acknowledgeFirst ? (string) $header : null;
            $attempt = $claim?->attempt;
            if ($claim !== null && $claim->outcome === 'duplicate') {
                $this->recorder->record($arrival, 'duplicate', 200, $proven, null, $attempt);
                return $this->json(200, ['received' => true]);
            }
            $run = $claim === null
                ? static fn () => $router->dispatch($event)
                // Answered first, a handler's failure is kept by the guard for retry(): Payvost will not deliver it again.
                : static fn () => $claim->run(static fn (Event $event) => $router->dispatch($event), $acknowledgedWith);
            if ($this->acknowledgeFirst) {
                register_shutdown_function($this->afterAnswer(...), $run, $proven, $arrival, $attempt);
            } else {
                $run();
                $this->recorder->record($arrival, 'processed', 200, $proven, null, $attempt);
            }
        } catch (IdempotencyException $e) {
            $code = $e->getErrorCode();
            return $this->refuse($arrival, Runtime::get()->statusOf($code), $code, $e->getMessage(), $proven, $attempt);
        } catch (\Throwable $error) {
            $this->recorder->record($arrival, 'failed', 500, $proven, null, $attempt);
            throw $error;
        }
        return $this->json(200, ['received' => true]);
    }

    /**
     * The answer to a refused delivery, recorded with its code's outcome.
     *
     * @param array{float, int, ?string} $arrival
     * @param array{Event, \Payvost\Verified}|null $proven
     */
    private function refuse(array $arrival, int $status, string $code, string $message, ?array $proven = null, ?int $attempt = null): ResponseInterface
    {
        $outcome = DeliveryStats::facts()['outcome_of_code'][$code] ?? 'failed';
        $this->recorder->record($arrival, $outcome, $status, $proven, $code, $attempt);
        return $this->json($status, ['error' => ['code' => $code, 'message' => $message]]);
    }

    /**
     * At the request's end: the answer leaves first under PHP-FPM, then the handlers run, and the delivery is recorded.
     *
     * @param array{Event, \Payvost\Verified} $proven
     * @param array{float, int, ?string} $arrival
     */
    private function afterAnswer(\Closure $run, array $proven, array $arrival, ?int $attempt): void
    {
        if (function_exists('fastcgi_finish_request')) {
            fastcgi_finish_request();
        }
        [$event] = $proven;
        try {
            $run();
            $this->recorder->record($arrival, 'processed', 200, $proven, null, $attempt);
        } catch (\Throwable $error) {
            $this->recorder->record($arrival, 'failed', 200, $proven, null, $attempt);
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
