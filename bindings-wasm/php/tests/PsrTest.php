<?php

declare(strict_types=1);

namespace Payvost\Tests;

use GuzzleHttp\Psr7\HttpFactory;
use GuzzleHttp\Psr7\NoSeekStream;
use GuzzleHttp\Psr7\ServerRequest as GuzzleRequest;
use GuzzleHttp\Psr7\Utils;
use Nyholm\Psr7\Factory\Psr17Factory;
use Payvost\Event;
use Payvost\EventRouter;
use Payvost\Exception\SignatureVerificationException;
use Payvost\Exception\UnexpectedValueException;
use Payvost\Psr\WebhookMiddleware;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use Payvost\WebhookVerifier;
use PHPUnit\Framework\TestCase;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Server\MiddlewareInterface;
use Psr\Http\Server\RequestHandlerInterface;

/**
 * The PSR-7 helpers and the PSR-15 middleware, with two real PSR-7
 * implementations (nyholm/psr7, guzzlehttp/psr7) and PSR-15's interfaces from
 * the php-psr extension (scripts/test-php.sh loads it), then the PSR-15
 * example served by `php -S` over HTTP.
 */
final class PsrTest extends TestCase
{
    private const SECRET = 'whsec_psr_tests';
    private const NOW = 1_767_225_600;
    private const BODY = '{"id":"evt_psr","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}';

    public static function setUpBeforeClass(): void
    {
        self::assertTrue(interface_exists(MiddlewareInterface::class), 'PSR-15 is missing: run through scripts/test-php.sh, which loads php-psr');
    }

    private static function sign(string $body, int $timestamp = self::NOW, string $secret = self::SECRET): string
    {
        return WebhookSignature::generateHeader($body, $secret, $timestamp);
    }

    /** @return array<string, array{callable(string, ?string): ServerRequestInterface}> */
    public static function implementations(): array
    {
        return [
            'nyholm/psr7' => [static function (string $body, ?string $header): ServerRequestInterface {
                $factory = new Psr17Factory();
                $request = $factory->createServerRequest('POST', '/webhooks/payvost')->withBody($factory->createStream($body));
                return $header === null ? $request : $request->withHeader('Payvost-Signature', $header);
            }],
            'guzzlehttp/psr7' => [static fn (string $body, ?string $header): ServerRequestInterface =>
                new GuzzleRequest('POST', '/webhooks/payvost', $header === null ? [] : ['Payvost-Signature' => $header], $body)],
        ];
    }

    /**
     * @dataProvider implementations
     * @param callable(string, ?string): ServerRequestInterface $request
     */
    public function testTheHelpersVerifyTheRawBodyOfARequest(callable $request): void
    {
        $event = Webhook::constructEventFromRequest($request(self::BODY, self::sign(self::BODY)), self::SECRET, 300, self::NOW);
        self::assertSame(['evt_psr', 2000], [$event->id, $event->paymentObject()?->amount]);

        // A body something read first is rewound, not lost.
        $read = $request(self::BODY, self::sign(self::BODY));
        $read->getBody()->rewind();
        self::assertSame(self::BODY, $read->getBody()->getContents());
        self::assertSame('evt_psr', (new WebhookVerifier(self::SECRET))->constructEventFromRequest($read, self::NOW)->id);

        foreach ([
            'signature_mismatch' => $request(self::BODY, self::sign(self::BODY, self::NOW, 'whsec_forged')),
            'timestamp_too_old' => $request(self::BODY, self::sign(self::BODY, self::NOW - 3600)),
            'header_missing' => $request(self::BODY, null),
        ] as $code => $refused) {
            try {
                Webhook::constructEventFromRequest($refused, self::SECRET, 300, self::NOW);
                self::fail("{$code} was accepted");
            } catch (SignatureVerificationException $e) {
                self::assertSame($code, $e->getErrorCode());
            }
        }
    }

    public function testABodyOverTheLimitOrGoneIsAClearError(): void
    {
        $request = new GuzzleRequest('POST', '/', ['Payvost-Signature' => self::sign(self::BODY)], self::BODY);
        try {
            Webhook::constructEventFromRequest($request, self::SECRET, 300, self::NOW, 64);
            self::fail('a body over the limit was read');
        } catch (UnexpectedValueException $e) {
            self::assertSame(['payload_invalid_json', "The body is larger than the 64-byte limit; Payvost's events are far smaller."],
                [$e->getErrorCode(), $e->getMessage()]);
        }

        // A stream that cannot rewind, and that something already read.
        $gone = $request->withBody(new NoSeekStream(Utils::streamFor(self::BODY)));
        $gone->getBody()->getContents();
        try {
            Webhook::constructEventFromRequest($gone, self::SECRET, 300, self::NOW);
            self::fail('an empty remainder was verified');
        } catch (UnexpectedValueException $e) {
            self::assertSame('payload_wrong_type', $e->getErrorCode());
            self::assertStringStartsWith('The request body was already read from a stream that cannot rewind', $e->getMessage());
        }
        // One that cannot rewind but was not read is read once, as a request's php://input is.
        $once = $request->withBody(new NoSeekStream(Utils::streamFor(self::BODY)));
        self::assertSame('evt_psr', Webhook::constructEventFromRequest($once, self::SECRET, 300, self::NOW)->id);
    }

    /** @return array{WebhookMiddleware, RequestHandlerInterface&\Countable} */
    private static function middleware(?EventRouter $router = null, ?int $limit = null): array
    {
        $factory = new Psr17Factory();
        $next = new class ($factory) implements RequestHandlerInterface, \Countable {
            /** @var list<Event> */
            public array $events = [];

            public function __construct(private Psr17Factory $factory)
            {
            }

            public function handle(ServerRequestInterface $request): ResponseInterface
            {
                $this->events[] = $request->getAttribute(WebhookMiddleware::ATTRIBUTE);
                return $this->factory->createResponse(204);
            }

            public function count(): int
            {
                return count($this->events);
            }
        };
        return [new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, $router, $limit), $next];
    }

    /** @return array{int, string} */
    private static function answer(ResponseInterface $response): array
    {
        return [$response->getStatusCode(), (string) $response->getBody()];
    }

    public function testTheMiddlewarePassesAVerifiedEventOnAndAnswersTheRest(): void
    {
        [$middleware, $next] = self::middleware(limit: 1024);
        $now = time();
        $request = static fn (string $body, ?string $header) => self::implementations()['guzzlehttp/psr7'][0]($body, $header);

        self::assertSame(204, $middleware->process($request(self::BODY, self::sign(self::BODY, $now)), $next)->getStatusCode());
        self::assertSame(['evt_psr'], array_map(static fn (Event $e) => $e->id, $next->events));

        $forged = self::answer($middleware->process($request(self::BODY, self::sign(self::BODY, $now, 'whsec_forged')), $next));
        self::assertSame(400, $forged[0]);
        self::assertSame('signature_mismatch', json_decode($forged[1], true)['error']['code']);
        foreach ([
            'timestamp_too_old' => self::sign(self::BODY, $now - 3600),
            'header_missing' => null,
            'header_malformed' => 'v1',
            // Bytes that are not UTF-8: still a JSON answer, with the code.
            'no_signatures' => "t={$now},v0=\xff\xfe",
        ] as $code => $header) {
            $refused = self::answer($middleware->process($request(self::BODY, $header), $next));
            self::assertSame([400, $code], [$refused[0], json_decode($refused[1], true)['error']['code']], $code);
        }
        $big = str_repeat(' ', 1025);
        self::assertSame(
            [413, '{"error":{"code":"payload_invalid_json","message":"The body is larger than the 1024-byte limit; Payvost\'s events are far smaller."}}'],
            self::answer($middleware->process($request($big, self::sign($big, $now)), $next)),
        );
        self::assertCount(1, $next, 'only the verified delivery reached the handler');
    }

    public function testWithARouterItRunsTheHandlersAndLetsTheirErrorsThrough(): void
    {
        $handled = [];
        $router = (new EventRouter())
            ->on('payment.succeeded', function (Event $event) use (&$handled): void {
                $handled[] = $event->id;
            })
            ->on('payment.failed', function (): void {
                throw new \RuntimeException('cannot record the failure');
            });
        [$middleware, $next] = self::middleware($router);
        $factory = new Psr17Factory();
        $post = static fn (string $body) => $factory->createServerRequest('POST', '/')
            ->withBody($factory->createStream($body))->withHeader('Payvost-Signature', self::sign($body, time()));

        self::assertSame([200, '{"received":true}'], self::answer($middleware->process($post(self::BODY), $next)));
        self::assertSame(['evt_psr'], $handled);
        self::assertCount(0, $next, 'the router answers; the next handler does not run');
        $this->expectExceptionObject(new \RuntimeException('cannot record the failure'));
        $middleware->process($post('{"id":"evt_fail","type":"payment.failed","data":{"object":{"id":"pay_2"}}}'), $next);
    }

    public function testTheMiddlewareRefusesANonsenseLimit(): void
    {
        foreach ([0, -1] as $limit) {
            try {
                self::middleware(limit: $limit);
                self::fail("limit {$limit} was taken");
            } catch (\Payvost\Exception\InvalidArgumentException $e) {
                self::assertSame(['option_invalid', "The body limit must be a positive whole number of bytes (for example 1048576 for 1 MiB), not {$limit}."],
                    [$e->getErrorCode(), $e->getMessage()]);
            }
        }
    }

    /** With idempotency, the router's handlers run inside the guard; its refusals are answered in the protocol's JSON. */
    public function testWithIdempotencyEachEventsHandlersRunOnce(): void
    {
        $store = new \Payvost\Idempotency\PdoStore(new \PDO('sqlite::memory:'));
        $store->setup();
        $handled = [];
        $failedOnce = [];
        $router = (new EventRouter())
            ->on('payment.succeeded', function (Event $event) use (&$handled): void {
                $handled[] = $event->id;
            })
            ->on('refund.created', function (Event $event) use (&$handled, &$failedOnce): void {
                if (!isset($failedOnce[$event->id])) {
                    $failedOnce[$event->id] = true;
                    throw new \RuntimeException('the database is down for a moment');
                }
                $handled[] = $event->id;
            });
        $factory = new Psr17Factory();
        $guard = new \Payvost\Idempotency\IdempotencyGuard($store, namespace: 'psr');
        $middleware = new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, $router, idempotency: $guard);
        [, $next] = self::middleware();
        $post = static fn (string $body) => $factory->createServerRequest('POST', '/')
            ->withBody($factory->createStream($body))->withHeader('Payvost-Signature', self::sign($body, time()));
        $refusal = static fn (ResponseInterface $r) => [$r->getStatusCode(), json_decode((string) $r->getBody(), true)['error']['code'] ?? null];

        self::assertSame([200, '{"received":true}'], self::answer($middleware->process($post(self::BODY), $next)));
        self::assertSame([200, '{"received":true}'], self::answer($middleware->process($post(self::BODY), $next)), 'a duplicate');
        self::assertSame(['evt_psr'], $handled);

        self::assertSame([422, 'event_id_reused'], $refusal($middleware->process($post(str_replace('pay_1', 'pay_2', self::BODY)), $next)));

        $held = str_replace('evt_psr', 'evt_psr_held', self::BODY);
        self::assertSame(['claimed', 1], $store->claim('psr:evt_psr_held', \Payvost\Idempotency\IdempotencyGuard::fingerprint($held), 'theirs', 60_000, 60_000));
        self::assertSame([409, 'event_in_progress'], $refusal($middleware->process($post($held), $next)));

        $refund = '{"id":"evt_psr_refund","type":"refund.created","data":{"object":{"id":"re_1"}}}';
        try {
            $middleware->process($post($refund), $next);
            self::fail('the handler threw');
        } catch (\RuntimeException $e) {
            self::assertSame('the database is down for a moment', $e->getMessage());
        }
        self::assertSame([200, '{"received":true}'], self::answer($middleware->process($post($refund), $next)), 'the claim was released');
        self::assertSame(['evt_psr', 'evt_psr_refund'], $handled);

        $down = new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, $router,
            idempotency: new \Payvost\Idempotency\IdempotencyGuard(new \Payvost\Idempotency\RedisStore(new \Redis())));
        self::assertSame([503, 'store_unavailable'], $refusal($down->process($post(self::BODY), $next)));
        self::assertCount(0, $next);
    }

    public function testIdempotencyNeedsARouter(): void
    {
        $factory = new Psr17Factory();
        $guard = new \Payvost\Idempotency\IdempotencyGuard(new \Payvost\Idempotency\PdoStore(new \PDO('sqlite::memory:')));
        try {
            new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, idempotency: $guard);
            self::fail('taken without a router');
        } catch (\Payvost\Exception\InvalidArgumentException $e) {
            self::assertSame(['option_invalid', 'WebhookMiddleware: idempotency runs the handlers of a router: give it a router too.'],
                [$e->getErrorCode(), $e->getMessage()]);
        }
    }

    public function testAcknowledgeFirstIsRefusedOutsidePhpFpm(): void
    {
        $factory = new Psr17Factory();
        try {
            new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, new EventRouter(),
                acknowledgeFirst: true, onError: static function (): void {
                });
            self::fail('acknowledgeFirst was taken under ' . PHP_SAPI);
        } catch (\Payvost\Exception\InvalidArgumentException $e) {
            self::assertSame('option_invalid', $e->getErrorCode());
            self::assertSame('WebhookMiddleware: acknowledgeFirst works under PHP-FPM only, where fastcgi_finish_request() sends the '
                . 'answer and the handlers run before the worker takes another request; under cli they would wait for the process '
                . 'to end, and be lost if it is killed. Leave it off, so the answer follows the handlers, or queue the event for a '
                . 'worker of your own.', $e->getMessage());
        }
    }

    /** The next handler reads the body from its start, whether the stream could rewind or not. */
    public function testTheNextHandlerGetsTheWholeBody(): void
    {
        $factory = new Psr17Factory();
        $read = [];
        $next = new class ($factory, $read) implements RequestHandlerInterface {
            /** @param list<string> $read */
            public function __construct(private Psr17Factory $factory, private array &$read)
            {
            }

            public function handle(ServerRequestInterface $request): ResponseInterface
            {
                $this->read[] = (string) $request->getBody();
                return $this->factory->createResponse(204);
            }
        };
        $middleware = new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory);
        $header = self::sign(self::BODY, time());
        $seekable = $factory->createServerRequest('POST', '/')->withBody($factory->createStream(self::BODY))
            ->withHeader('Payvost-Signature', $header);
        $once = (new GuzzleRequest('POST', '/', ['Payvost-Signature' => $header]))
            ->withBody(new NoSeekStream(Utils::streamFor(self::BODY)));
        self::assertSame(204, $middleware->process($seekable, $next)->getStatusCode());
        self::assertSame(204, $middleware->process($once, $next)->getStatusCode());
        self::assertSame([self::BODY, self::BODY], $read);
    }

    /** PSR-7 joins a header's lines by ", " (getHeaderLine): the header sent twice is refused (protocol §2). */
    public function testTheHeaderSentTwiceIsRefused(): void
    {
        [$middleware, $next] = self::middleware();
        $header = self::sign(self::BODY, time());
        foreach (self::implementations() as $name => [$request]) {
            $twice = $request(self::BODY, $header)->withAddedHeader('Payvost-Signature', $header);
            [$status, $body] = self::answer($middleware->process($twice, $next));
            self::assertSame([400, 'header_malformed'], [$status, json_decode($body, true)['error']['code']], $name);
        }
        self::assertCount(0, $next);
    }

    /** A body of unknown size (chunked) over the limit: at most limit + 1 bytes are read, and it is refused. */
    public function testABodyOfUnknownSizeIsReadToTheLimitAndNoFurther(): void
    {
        [$middleware, $next] = self::middleware(limit: 1024);
        $big = str_repeat(' ', 64 * 1024);
        $counted = 0;
        $stream = new class (Utils::streamFor($big), $counted) implements \Psr\Http\Message\StreamInterface {
            use \GuzzleHttp\Psr7\StreamDecoratorTrait;

            public function __construct(private \Psr\Http\Message\StreamInterface $stream, private int &$counted)
            {
            }

            public function getSize(): ?int
            {
                return null;
            }

            public function isSeekable(): bool
            {
                return false;
            }

            public function read($length): string
            {
                $data = $this->stream->read($length);
                $this->counted += strlen($data);
                return $data;
            }
        };
        $request = (new GuzzleRequest('POST', '/', ['Payvost-Signature' => self::sign($big, time())]))->withBody($stream);
        self::assertSame(413, $middleware->process($request, $next)->getStatusCode());
        self::assertSame(1025, $counted);
        self::assertCount(0, $next);
    }

    public function testAcknowledgeFirstNeedsARouterAndOnError(): void
    {
        $factory = new Psr17Factory();
        $this->expectExceptionObject(new \InvalidArgumentException('WebhookMiddleware: acknowledgeFirst needs a router and an onError($error, $event) '
            . 'callback, which gets the errors of handlers that run after the answer.'));
        new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, new EventRouter(), acknowledgeFirst: true);
    }

    public function testThePsr15ExampleOverHttp(): void
    {
        $store = sys_get_temp_dir() . '/payvost-psr15-' . getmypid() . '-' . bin2hex(random_bytes(4));
        $server = new BuiltInServer(PAYVOST_ROOT . '/examples/php-psr15', 'index.php',
            ['PAYVOST_WEBHOOK_SECRET' => self::SECRET, 'PAYVOST_EVENTS_FILE' => $store, 'PAYVOST_IDEMPOTENCY_DB' => "{$store}.db",
                'PAYVOST_DELIVERY_LOG' => "{$store}.deliveries"],
            ['extension=' . getenv('PAYVOST_PSR_EXTENSION')]);
        try {
            $now = time();
            $body = str_replace('evt_psr', 'evt_http', self::BODY);
            self::assertSame([200, '{"received":true}'], $server->post('/webhooks/payvost', $body, self::sign($body, $now)));
            self::assertSame([200, '{"received":true}'], $server->post('/webhooks/payvost', $body, self::sign($body, $now + 1)), 'a retry');
            self::assertSame(['evt_http'], file($store, FILE_IGNORE_NEW_LINES), 'processed once');
            foreach ([
                'signature_mismatch' => self::sign($body, $now, 'whsec_forged'),
                'timestamp_too_old' => self::sign($body, $now - 3600),
                'header_missing' => null,
            ] as $code => $header) {
                [$status, $answer] = $server->post('/webhooks/payvost', $body, $header);
                self::assertSame([400, $code], [$status, json_decode($answer, true)['error']['code'] ?? $answer]);
            }
            $big = str_repeat(' ', 5 * 1024 * 1024 + 1);
            [$status, $answer] = $server->post('/webhooks/payvost', $big, self::sign($big, $now));
            self::assertSame([413, 'payload_invalid_json'], [$status, json_decode($answer, true)['error']['code'] ?? $answer]);
            self::assertSame(404, $server->post('/elsewhere', $body, null)[0]);
            // Each delivery's record, in the order answered (protocol §10.2).
            $records = array_map(static fn (string $line) => json_decode($line, true), file("{$store}.deliveries", FILE_IGNORE_NEW_LINES) ?: []);
            self::assertSame([
                ['processed', 200, null, 'evt_http', 1], ['duplicate', 200, null, 'evt_http', 1],
                ['refused', 400, 'signature_mismatch', null, null], ['refused', 400, 'timestamp_too_old', null, null],
                ['refused', 400, 'header_missing', null, null], ['refused', 413, 'payload_invalid_json', null, null],
            ], array_map(static fn (array $r) => [$r['outcome'], $r['status'], $r['code'] ?? null, $r['event_id'] ?? null, $r['attempt'] ?? null], $records));
            self::assertSame('127.0.0.1', $records[0]['remote_address']);
        } finally {
            $server->stop();
            @unlink($store);
            @unlink("{$store}.deliveries");
            array_map('unlink', glob($store . '.db*') ?: []);
        }
    }
}
