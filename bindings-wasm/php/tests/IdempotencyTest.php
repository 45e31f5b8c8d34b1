<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Event;
use Payvost\Exception\IdempotencyException;
use Payvost\Exception\InvalidArgumentException;
use Payvost\Idempotency\IdempotencyGuard;
use Payvost\Idempotency\Lease;
use Payvost\Idempotency\PdoStore;
use Payvost\Idempotency\ProcessResult;
use Payvost\Idempotency\RedisStore;
use Payvost\Idempotency\Store;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/**
 * The idempotency guard against every store: SQLite and PostgreSQL through
 * PDO, Redis through phpredis, the servers real (scripts/services.sh starts
 * them; `make test` names them in PAYVOST_TEST_REDIS_URL and
 * PAYVOST_TEST_POSTGRES_URL).
 */
final class IdempotencyTest extends TestCase
{
    private const SECRET = 'whsec_guard';

    private static function server(string $variable): string
    {
        $url = getenv($variable);
        if (is_string($url) && $url !== '') {
            return $url;
        }
        if (getenv('CI')) {
            self::fail("{$variable} is not set: make test starts the real servers (scripts/services.sh)");
        }
        self::markTestSkipped("{$variable} is not set: run through make test-php, which starts the real servers");
    }

    /** @return array<string, array{callable(): Store}> */
    public static function stores(): array
    {
        return [
            'pdo sqlite' => [static function (): Store {
                $store = new PdoStore(new \PDO('sqlite:' . tempnam(sys_get_temp_dir(), 'payvost-guard-')));
                $store->setup();
                return $store;
            }],
            'pdo pgsql' => [static function (): Store {
                $url = parse_url(self::server('PAYVOST_TEST_POSTGRES_URL'));
                $store = new PdoStore(new \PDO("pgsql:host={$url['host']};port={$url['port']};dbname=postgres", $url['user']));
                $store->setup();
                return $store;
            }],
            'phpredis' => [static function (): Store {
                $url = parse_url(self::server('PAYVOST_TEST_REDIS_URL'));
                $redis = new \Redis();
                $redis->connect($url['host'], $url['port']);
                return new RedisStore($redis);
            }],
        ];
    }

    /** @return array{Event, string} */
    private static function delivery(string $id, string $extra = ''): array
    {
        $body = "{\"id\":\"{$id}\",\"type\":\"payment.succeeded\",\"data\":{\"object\":{\"id\":\"pay_1\"{$extra}}}}";
        return [Webhook::constructEvent($body, WebhookSignature::generateHeader($body, self::SECRET), self::SECRET), $body];
    }

    /** @return array{IdempotencyGuard, string} a guard in a namespace of the test's own, and that namespace */
    private static function guard(Store $store, int|float|null $lease = null, int|float|null $retention = null): array
    {
        $namespace = 'test-' . bin2hex(random_bytes(8));
        return [new IdempotencyGuard($store, lease: $lease, retention: $retention, namespace: $namespace), $namespace];
    }

    private static function codeOf(callable $call): string
    {
        try {
            $call();
        } catch (IdempotencyException $e) {
            return $e->getErrorCode();
        }
        self::fail('nothing was thrown');
    }

    /** @dataProvider stores */
    public function testProcessedOnceThenADuplicateAndAnErrorReleasesTheClaim(callable $make): void
    {
        [$guard] = self::guard($make());
        [$event, $body] = self::delivery('evt_once');
        $ran = [];
        self::assertEquals(new ProcessResult('processed', 1), $guard->process($event, $body, function (Event $e) use (&$ran): void {
            $ran[] = $e->id;
        }));
        self::assertEquals(new ProcessResult('duplicate', 1), $guard->process($event, $body, function (Event $e) use (&$ran): void {
            $ran[] = $e->id;
        }));
        self::assertSame(['evt_once'], $ran);

        [$failing, $failingBody] = self::delivery('evt_fails_once');
        try {
            $guard->process($failing, $failingBody, function (): void {
                throw new \RuntimeException('the database is down');
            });
            self::fail('the handler threw');
        } catch (\RuntimeException $e) {
            self::assertSame('the database is down', $e->getMessage());
        }
        self::assertEquals(new ProcessResult('processed', 2), $guard->process($failing, $failingBody, static function (): void {
        }));
    }

    /** @dataProvider stores */
    public function testAnAcknowledgedHandlerThatFailsLeavesTheEventFailedUntilRetried(callable $make): void
    {
        [$guard] = self::guard($make());
        [$event, $body] = self::delivery('evt_after');
        $header = 't=1764000000,v1=' . str_repeat('ab', 32);
        $down = static function (): void {
            throw new \RuntimeException('the mailer is down');
        };
        foreach ([fn () => $guard->claim($event, $body)->run($down, $header), fn () => $guard->retry('evt_after', $down)] as $attempt => $fails) {
            try {
                $fails();
                self::fail('the handler threw');
            } catch (\RuntimeException $e) {
                self::assertSame('the mailer is down', $e->getMessage());
            }
            self::assertEquals([new \Payvost\Idempotency\FailedEvent('evt_after', $attempt + 1, $body, $header)], $guard->failed());
        }
        $ran = [];
        self::assertEquals(new ProcessResult('processed', 3), $guard->retry('evt_after', function (Event $e) use (&$ran): void {
            $ran[] = [$e->id, $e->data->object->id];
        }));
        self::assertSame([['evt_after', 'pay_1']], $ran);
        self::assertSame([], $guard->failed());
        self::assertEquals(new ProcessResult('duplicate', 3), $guard->process($event, $body, $down));
        try {
            $guard->retry('evt_after', $down);
            self::fail('a completed event was retried');
        } catch (\Payvost\Exception\InvalidArgumentException $e) {
            self::assertSame(['option_invalid', "IdempotencyGuard::retry: no failed event 'evt_after' in this guard's store "
                . '(its handlers completed since, or it never failed after an acknowledgement).'], [$e->getErrorCode(), $e->getMessage()]);
        }
    }

    /** @dataProvider stores */
    public function testTheSameIdWithAnotherBodyIsRefusedUnprocessed(callable $make): void
    {
        [$guard] = self::guard($make());
        [$event, $body] = self::delivery('evt_reused');
        $guard->process($event, $body, static function (): void {
        });
        [$other, $otherBody] = self::delivery('evt_reused', ',"amount":1');
        try {
            $guard->process($other, $otherBody, static function (): void {
                self::fail('the handler ran');
            });
            self::fail('a reused id was processed');
        } catch (IdempotencyException $e) {
            self::assertSame('event_id_reused', $e->getErrorCode());
            self::assertSame('Event evt_reused was received before with a different body; an event id always carries the same event, '
                . 'so this delivery is refused and its handler not run.', $e->getMessage());
        }
    }

    /** @dataProvider stores */
    public function testAHeldLeaseIsInProgressAndALapsedOneIsFree(callable $make): void
    {
        $store = $make();
        [$guard, $namespace] = self::guard($store, lease: 0.3);
        [$event, $body] = self::delivery('evt_held');
        $key = "{$namespace}:evt_held";
        self::assertSame(['claimed', 1], $store->claim($key, IdempotencyGuard::fingerprint($body), 'their-token', 300, 60_000));
        self::assertSame('event_in_progress', self::codeOf(fn () => $guard->process($event, $body, static function (): void {
        })));
        usleep(400_000);
        self::assertEquals(new ProcessResult('processed', 2), $guard->process($event, $body, static function (): void {
        }));
    }

    /** @dataProvider stores */
    public function testOnlyTheTokenThatClaimedCompletes(callable $make): void
    {
        $store = $make();
        [$guard, $namespace] = self::guard($store);
        [$event, $body] = self::delivery('evt_fenced');
        $key = "{$namespace}:evt_fenced";
        self::assertSame(['claimed', 1], $store->claim($key, IdempotencyGuard::fingerprint($body), 'stopped-worker', 50, 60_000));
        usleep(100_000);
        self::assertEquals(new ProcessResult('processed', 2), $guard->process($event, $body, static function (): void {
        }));
        self::assertFalse($store->complete($key, 'stopped-worker', 60_000));
        self::assertFalse($store->renew($key, 'stopped-worker', 60_000));
        self::assertEquals(new ProcessResult('duplicate', 2), $guard->process($event, $body, static function (): void {
        }));
    }

    /** @dataProvider stores */
    public function testALeaseLostWhileTheHandlerRanIsReported(callable $make): void
    {
        $store = $make();
        [$guard, $namespace] = self::guard($store, lease: 0.2);
        [$event, $body] = self::delivery('evt_lost');
        $key = "{$namespace}:evt_lost";
        try {
            $guard->process($event, $body, function (Event $e, Lease $lease) use ($store, $key, $body): void {
                self::assertTrue($lease->renew());
                usleep(300_000); // past the lease, unrenewed: another worker takes the event
                self::assertSame(['claimed', 2], $store->claim($key, IdempotencyGuard::fingerprint($body), 'other-worker', 60_000, 60_000));
                self::assertFalse($lease->renew());
            });
            self::fail('the completion was recorded');
        } catch (IdempotencyException $e) {
            self::assertSame('lease_lost', $e->getErrorCode());
            self::assertSame("This worker's lease on event evt_lost ended and another worker took the event, so this completion was not "
                . "recorded and the other worker's stands; set a lease longer than the handler's longest run.", $e->getMessage());
        }
        self::assertTrue($store->complete($key, 'other-worker', 60_000));
    }

    /** @dataProvider stores */
    public function testACompletedRecordPastItsRetentionIsProcessedAgain(callable $make): void
    {
        [$guard] = self::guard($make(), retention: 0.2);
        [$event, $body] = self::delivery('evt_retained');
        $nothing = static function (): void {
        };
        self::assertSame('processed', $guard->process($event, $body, $nothing)->outcome);
        self::assertSame('duplicate', $guard->process($event, $body, $nothing)->outcome);
        usleep(350_000);
        self::assertEquals(new ProcessResult('processed', 1), $guard->process($event, $body, $nothing));
    }

    public function testAnUnreachableStoreIsStoreUnavailableAndTheHandlerDoesNotRun(): void
    {
        [$event, $body] = self::delivery('evt_down');
        $redis = new \Redis();
        $stores = [
            'phpredis' => fn () => new RedisStore($redis),  // never connected
            'pdo sqlite' => function (): PdoStore {
                $pdo = new \PDO('sqlite::memory:');
                return new PdoStore($pdo); // no table: setup() was not called
            },
        ];
        foreach ($stores as $name => $make) {
            try {
                (new IdempotencyGuard($make()))->process($event, $body, static function (): void {
                    self::fail('the handler ran');
                });
                self::fail("{$name}: processed without a store");
            } catch (IdempotencyException $e) {
                self::assertSame('store_unavailable', $e->getErrorCode(), $name);
                self::assertMatchesRegularExpression('/^The idempotency store could not be reached or answered an error \(.+\); '
                    . 'the handler did not run: answer 503, and Payvost retries\.$/', $e->getMessage(), $name);
            }
        }
    }

    public function testOptionsThatCannotWorkAreOptionInvalid(): void
    {
        $store = new PdoStore(new \PDO('sqlite::memory:'));
        foreach ([
            [fn () => new IdempotencyGuard($store, lease: 0), "IdempotencyGuard's lease must be a positive number of seconds, not 0."],
            [fn () => new IdempotencyGuard($store, retention: -1), "IdempotencyGuard's retention must be a positive number of seconds, not -1."],
            [fn () => new IdempotencyGuard($store, namespace: ''), "IdempotencyGuard's namespace must be a non-empty string, not ''."],
            [fn () => new RedisStore(new \stdClass()), 'RedisStore takes a phpredis \\Redis or a Predis client, not stdClass.'],
        ] as [$make, $message]) {
            try {
                $make();
                self::fail("taken: {$message}");
            } catch (InvalidArgumentException $e) {
                self::assertSame(['option_invalid', $message], [$e->getErrorCode(), $e->getMessage()]);
            }
        }
    }

    /** @return array<string, array{callable(): PdoStore}> */
    public static function pdoStores(): array
    {
        $stores = self::stores();
        return ['pdo sqlite' => $stores['pdo sqlite'], 'pdo pgsql' => $stores['pdo pgsql']];
    }

    /** @dataProvider pdoStores */
    public function testAHandlerInTheCompletionsTransactionCommitsWithItOrNotAtAll(callable $make): void
    {
        $store = $make();
        $pdo = (new \ReflectionProperty($store, 'pdo'))->getValue($store);
        $pdo->exec('CREATE TABLE IF NOT EXISTS guard_orders (event_id text, note text)');
        [$guard, $namespace] = self::guard($store);
        $run = bin2hex(random_bytes(4));
        $written = static fn (string $id) => $pdo->query("SELECT note FROM guard_orders WHERE event_id = '{$id}'")->fetchAll(\PDO::FETCH_COLUMN);
        $insert = static fn (string $note) => static fn (Event $e, \PDO $db) => $db->prepare('INSERT INTO guard_orders (event_id, note) VALUES (?, ?)')
            ->execute([$e->id, $note]);

        [$event, $body] = self::delivery("evt_tx_{$run}");
        self::assertEquals(new ProcessResult('processed', 1), $guard->processInTransaction($event, $body, $insert('fulfilled')));
        self::assertEquals(new ProcessResult('duplicate', 1), $guard->processInTransaction($event, $body, $insert('again')));
        self::assertSame(['fulfilled'], $written("evt_tx_{$run}"));

        [$failing, $failingBody] = self::delivery("evt_tx_fails_{$run}");
        try {
            $guard->processInTransaction($failing, $failingBody, static function (Event $e, \PDO $db) use ($insert): void {
                $insert('half')($e, $db);
                throw new \RuntimeException('the card network is down');
            });
            self::fail('the handler threw');
        } catch (\RuntimeException $e) {
            self::assertSame('the card network is down', $e->getMessage());
        }
        self::assertSame([], $written("evt_tx_fails_{$run}"), 'rolled back');
        self::assertEquals(new ProcessResult('processed', 2), $guard->processInTransaction($failing, $failingBody, $insert('fulfilled')));

        [$lost, $lostBody] = self::delivery("evt_tx_lost_{$run}");
        $code = self::codeOf(fn () => $guard->processInTransaction($lost, $lostBody, static function (Event $e, \PDO $db) use ($insert, $namespace, $run): void {
            $insert('overtaken')($e, $db);
            // Another worker takes the event from under this one (in this transaction, as one connection is all there is).
            $db->prepare("UPDATE payvost_events SET token = 'other-worker' WHERE key = ?")->execute(["{$namespace}:evt_tx_lost_{$run}"]);
        }));
        self::assertSame('lease_lost', $code);
        self::assertSame([], $written("evt_tx_lost_{$run}"), "the handler's write was rolled back with the completion");
    }

    public function testPurgeDropsExpiredRecords(): void
    {
        $store = new PdoStore(new \PDO('sqlite:' . tempnam(sys_get_temp_dir(), 'payvost-purge-')));
        $store->setup();
        [$guard] = self::guard($store, retention: 0.1);
        foreach (['evt_purge_1', 'evt_purge_2'] as $id) {
            [$event, $body] = self::delivery($id);
            $guard->process($event, $body, static function (): void {
            });
        }
        usleep(200_000);
        self::assertSame(2, $guard->purge());
        self::assertSame(0, $guard->purge());
    }
}
