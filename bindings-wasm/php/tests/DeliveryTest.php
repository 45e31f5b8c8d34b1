<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Monolog\Handler\TestHandler;
use Monolog\Logger;
use Nyholm\Psr7\Factory\Psr17Factory;
use Payvost\Delivery\DeliveryStats;
use Payvost\Event;
use Payvost\EventRouter;
use Payvost\Idempotency\IdempotencyGuard;
use Payvost\Idempotency\PdoStore;
use Payvost\Psr\WebhookMiddleware;
use Payvost\WebhookSignature;
use Payvost\WebhookVerifier;
use PHPUnit\Framework\TestCase;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Server\RequestHandlerInterface;

/**
 * The delivery record (protocol §10.2) of the PSR-15 middleware: processed,
 * duplicate, refused, failed, in progress and shed deliveries, each handed
 * to onDelivery, logged by a real PSR-3 logger (Monolog, Debian's) at its
 * level, and counted; then the PSR-15 example's records over HTTP.
 */
final class DeliveryTest extends TestCase
{
    private const SECRET = 'whsec_delivery_tests';
    private const BUSY = 'This receiver was already handling its limit of deliveries at once (1), so it answered 503 without reading this one; '
        . 'Payvost delivers it again later.';

    private static function event(string $type, string $id): string
    {
        return json_encode(['id' => $id, 'type' => $type, 'data' => ['object' => ['id' => 'obj_1']]], JSON_THROW_ON_ERROR);
    }

    private static function post(string $body, ?string $secret = self::SECRET): ServerRequestInterface
    {
        $factory = new Psr17Factory();
        $request = $factory->createServerRequest('POST', '/webhooks/payvost', ['REMOTE_ADDR' => '198.51.100.7'])
            ->withBody($factory->createStream($body));
        return $secret === null ? $request : $request->withHeader('Payvost-Signature', WebhookSignature::generateHeader($body, $secret, time() - 5));
    }

    /** @param callable(ServerRequestInterface): ResponseInterface $handle */
    private static function next(callable $handle): RequestHandlerInterface
    {
        return new class ($handle) implements RequestHandlerInterface {
            /** @var callable(ServerRequestInterface): ResponseInterface */
            private $handle;

            public function __construct(callable $handle)
            {
                $this->handle = $handle;
            }

            public function handle(ServerRequestInterface $request): ResponseInterface
            {
                return ($this->handle)($request);
            }
        };
    }

    public function testEveryDeliveryIsRecordedLoggedAndCounted(): void
    {
        self::assertTrue(class_exists(Logger::class), 'Monolog is missing: scripts/ensure-tools.sh php installs Debian\'s php-monolog');
        $store = new PdoStore(new \PDO('sqlite::memory:'));
        $store->setup();
        $router = (new EventRouter())
            ->on('payment.succeeded', static function (): void {
            })
            ->on('refund.created', static function (): void {
                throw new \RuntimeException('the database is down');
            });
        $records = [];
        $logs = new TestHandler();
        $stats = new DeliveryStats();
        $factory = new Psr17Factory();
        $slots = sys_get_temp_dir() . '/payvost-slots-' . getmypid() . '-' . bin2hex(random_bytes(4));
        $guarded = new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, $router, limit: 2048,
            idempotency: new IdempotencyGuard($store, namespace: 'delivery'),
            onDelivery: static function (array $record) use (&$records): void {
                $records[] = $record;
            },
            logger: new Logger('payvost', [$logs]), stats: $stats);
        $answers = [];
        // The application answers this one itself; inside it, a delivery to the
        // limited middleware finds its one slot taken by the first, and is shed.
        $limited = new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, maxConcurrent: 1, slots: $slots,
            onDelivery: static function (array $record) use (&$records): void {
                $records[] = $record;
            },
            logger: new Logger('payvost', [$logs]), stats: $stats);
        $plain = self::next(static function (ServerRequestInterface $request) use ($limited, $factory, &$answers): ResponseInterface {
            $paid = self::event('payment.succeeded', 'evt_paid');
            $answers[] = $limited->process(self::post($paid), self::next(static fn () => $factory->createResponse(204)));
            return $factory->createResponse(202);
        });
        $status = static fn (ResponseInterface $r): int => $r->getStatusCode();

        $paid = self::event('payment.succeeded', 'evt_paid');
        self::assertSame(200, $status($guarded->process(self::post($paid), $plain)));
        self::assertSame(200, $status($guarded->process(self::post($paid), $plain)));
        self::assertSame(400, $status($guarded->process(self::post($paid, 'whsec_forger'), $plain)));
        self::assertSame(413, $status($guarded->process(self::post(str_repeat('x', 2049)), $plain)));
        try {
            $guarded->process(self::post(self::event('refund.created', 'evt_refund')), $plain);
            self::fail('the handler threw');
        } catch (\RuntimeException $e) {
            self::assertSame('the database is down', $e->getMessage());
        }
        $held = self::event('payment.succeeded', 'evt_held');
        $store->claim('delivery:evt_held', IdempotencyGuard::fingerprint($held), 'theirs', 60_000, 60_000);
        self::assertSame(409, $status($guarded->process(self::post($held), $plain)));
        self::assertSame(202, $status($limited->process(self::post(self::event('customer.created', 'evt_plain')), $plain)));
        [$shed] = $answers;
        self::assertSame([503, '30'], [$shed->getStatusCode(), $shed->getHeaderLine('Retry-After')]);
        self::assertSame(['error' => ['code' => 'receiver_busy', 'message' => self::BUSY]], json_decode((string) $shed->getBody(), true));
        self::assertSame(204, $status($limited->process(self::post($paid), self::next(static fn () => $factory->createResponse(204)))), 'its slot is free again');
        array_map('unlink', glob("{$slots}/*") ?: []);
        @rmdir($slots);

        $fields = DeliveryStats::facts()['fields'];
        foreach ($records as $i => $record) {
            self::assertSame(array_values(array_intersect($fields, array_keys($record))), array_keys($record), 'the core\'s field order');
            self::assertGreaterThanOrEqual(0, $record['duration_ms']);
            self::assertEqualsWithDelta(time(), $record['received_at'], 60);
            self::assertSame('198.51.100.7', $record['remote_address']);
            if (isset($record['signature_age'])) {
                self::assertGreaterThanOrEqual(5, $record['signature_age']);
                self::assertLessThan(15, $record['signature_age']);
            }
            unset($record['duration_ms'], $record['received_at'], $record['remote_address'], $record['signature_age']);
            $records[$i] = $record;
        }
        $paidRecord = static fn (string $outcome): array => [
            'event_id' => 'evt_paid', 'event_type' => 'payment.succeeded', 'outcome' => $outcome, 'status' => 200, 'secret_index' => 0, 'attempt' => 1,
        ];
        self::assertSame([
            $paidRecord('processed'),
            $paidRecord('duplicate'),
            ['outcome' => 'refused', 'code' => 'signature_mismatch', 'status' => 400],
            ['outcome' => 'refused', 'code' => 'payload_invalid_json', 'status' => 413],
            ['event_id' => 'evt_refund', 'event_type' => 'refund.created', 'outcome' => 'failed', 'status' => 500, 'secret_index' => 0, 'attempt' => 1],
            ['event_id' => 'evt_held', 'event_type' => 'payment.succeeded', 'outcome' => 'in_progress', 'code' => 'event_in_progress', 'status' => 409, 'secret_index' => 0],
            ['outcome' => 'shed', 'code' => 'receiver_busy', 'status' => 503],
            ['event_id' => 'evt_plain', 'event_type' => 'customer.created', 'outcome' => 'processed', 'status' => 202, 'secret_index' => 0],
            ['event_id' => 'evt_paid', 'event_type' => 'payment.succeeded', 'outcome' => 'processed', 'status' => 204, 'secret_index' => 0],
        ], $records);
        // The same records through Monolog, each at its outcome's level, the record as the context.
        self::assertSame([
            ['INFO', 'processed'], ['INFO', 'duplicate'], ['WARNING', 'refused'], ['WARNING', 'refused'], ['ERROR', 'failed'],
            ['INFO', 'in_progress'], ['WARNING', 'shed'], ['INFO', 'processed'], ['INFO', 'processed'],
        ], array_map(static fn ($r) => [$r['level_name'], $r['context']['outcome']], $logs->getRecords()));
        self::assertSame('payvost delivery refused: 400', $logs->getRecords()[2]['message']);
        self::assertSame([
            'total' => 9,
            'outcomes' => ['processed' => 3, 'duplicate' => 1, 'refused' => 2, 'failed' => 1, 'in_progress' => 1, 'shed' => 1],
            'codes' => ['event_in_progress' => 1, 'payload_invalid_json' => 1, 'receiver_busy' => 1, 'signature_mismatch' => 1],
        ], $stats->snapshot());
        self::assertSame($stats->snapshot(), $guarded->stats(), 'the middleware counts into the stats it was given');
        self::assertSame([
            '1 refused with payload_invalid_json since the last summary, from 1 address; likely cause: a probe: one address sending requests that are not Payvost deliveries',
            "1 refused with signature_mismatch since the last summary, from 1 address; likely cause: a probe, if that address is neither Payvost's nor your proxy's; otherwise the secret",
        ], $guarded->anomalies());
        self::assertSame([], $stats->anomalies(), 'a summary starts the next window');
    }

    public function testAnOnDeliveryThatThrowsIsLoggedAndTheAnswerStands(): void
    {
        $logs = new TestHandler();
        $factory = new Psr17Factory();
        $middleware = new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, new EventRouter(),
            onDelivery: static function (): void {
                throw new \RuntimeException('the log is full');
            }, logger: new Logger('payvost', [$logs]));
        $answer = $middleware->process(self::post(self::event('payment.succeeded', 'evt_hooked')), self::next(static fn () => $factory->createResponse(500)));
        self::assertSame([200, '{"received":true}'], [$answer->getStatusCode(), (string) $answer->getBody()]);
        $errors = array_values(array_filter($logs->getRecords(), static fn ($r) => $r['level_name'] === 'ERROR'));
        self::assertSame(['payvost: onDelivery threw RuntimeException (the log is full) for a delivery answered 200'], array_map(static fn ($r) => $r['message'], $errors));
    }

    public function testTheLikelyCausesAreTheCores(): void
    {
        $stats = new DeliveryStats();
        foreach (['198.51.100.1', '198.51.100.2', null] as $address) {
            $stats->record(['outcome' => 'refused', 'code' => 'signature_mismatch', 'status' => 400] + ($address === null ? [] : ['remote_address' => $address]));
        }
        $stats->record(['outcome' => 'refused', 'code' => 'timestamp_too_old', 'status' => 400]);
        self::assertSame([
            "3 refused with signature_mismatch since the last summary, from 2 addresses; likely cause: the secret: it was rotated, or is another endpoint's; compare it with the endpoint's signing secret in the Payvost dashboard",
            "1 refused with timestamp_too_old since the last summary, from addresses not known; likely cause: this server's clock (is NTP running?), or a queue that holds deliveries back before they reach the receiver",
        ], $stats->anomalies());
    }

    public function testMaxConcurrentIsCheckedWhenTheMiddlewareIsBuilt(): void
    {
        $factory = new Psr17Factory();
        try {
            new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, maxConcurrent: 0);
            self::fail('a limit of 0 was taken');
        } catch (\Payvost\Exception\InvalidArgumentException $e) {
            self::assertSame(['option_invalid', 'WebhookMiddleware: maxConcurrent takes a whole number of deliveries at once, 1 or more, not 0.'],
                [$e->getErrorCode(), $e->getMessage()]);
        }
    }
}
