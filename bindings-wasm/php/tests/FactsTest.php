<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Exception\EngineException;
use Payvost\Exception\InvalidArgumentException;
use Payvost\Exception\SignatureVerificationException;
use Payvost\Exception\UnexpectedValueException;
use Payvost\Runtime;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/**
 * The drift test: every fact the package states (its constants, the class of
 * each error code, the echo limit, the module calls it makes) is the core's,
 * as the core writes them to tests/vectors/facts.json.
 */
final class FactsTest extends TestCase
{
    private const SECRET = 'whsec_drift';
    private const NOW = 1764000000;
    private const BODY = '{"id":"evt_1","type":"x","data":{"object":{}}}';

    /** @return array<string, mixed> */
    private static function facts(): array
    {
        return json_decode((string) file_get_contents(PAYVOST_ROOT . '/tests/vectors/facts.json'), true, 512, JSON_THROW_ON_ERROR);
    }

    private static function sign(string $body, int $timestamp = self::NOW): string
    {
        return WebhookSignature::generateHeader($body, self::SECRET, $timestamp);
    }

    public function testTheModuleFactsAreTheCommittedOnes(): void
    {
        $this->assertSame(self::facts(), Runtime::get()->facts());
    }

    public function testConstantsAreTheCores(): void
    {
        $facts = self::facts();
        $this->assertSame($facts['tolerance']['default'], Webhook::DEFAULT_TOLERANCE);
        $this->assertSame(array_column($facts['errors'], 'code'), Runtime::get()->codes());
    }

    /** @param array{string, int} $claim what the store's claim answers; its completion always fails */
    private static function guarded(array $claim): void
    {
        $store = new class ($claim) implements \Payvost\Idempotency\Store {
            /** @param array{string, int} $claim */
            public function __construct(private array $claim)
            {
            }

            public function setup(): void
            {
            }

            public function claim(string $key, string $fingerprint, string $token, int $leaseMs, int $retentionMs): array
            {
                return $this->claim;
            }

            public function renew(string $key, string $token, int $leaseMs): bool
            {
                return true;
            }

            public function release(string $key, string $token): bool
            {
                return true;
            }

            public function complete(string $key, string $token, int $retentionMs): bool
            {
                return false;
            }

            public function fail(string $key, string $token, string $body, string $header): bool
            {
                return false;
            }

            public function failed(string $prefix): array
            {
                return [];
            }

            public function purge(): int
            {
                return 0;
            }
        };
        $event = Webhook::constructEvent(self::BODY, self::sign(self::BODY), self::SECRET, 300, self::NOW);
        (new \Payvost\Idempotency\IdempotencyGuard($store))->process($event, self::BODY, static fn () => null);
    }

    public function testEveryCodeGetsTheClassOfItsCategory(): void
    {
        $classOf = [
            'signature' => SignatureVerificationException::class,
            'payload' => UnexpectedValueException::class,
            'configuration' => InvalidArgumentException::class,
            'processing' => \Payvost\Exception\IdempotencyException::class,
        ];
        $construct = fn (mixed $body, string $header, string $secret = self::SECRET, int $tolerance = 300) => fn () => Webhook::constructEvent($body, $header, $secret, $tolerance, self::NOW);
        $calls = [
            'secret_invalid' => $construct(self::BODY, self::sign(self::BODY), 'sk_live_1'),
            'tolerance_invalid' => $construct(self::BODY, self::sign(self::BODY), self::SECRET, 0),
            'header_missing' => $construct(self::BODY, ''),
            'header_malformed' => $construct(self::BODY, 'v1'),
            'no_signatures' => $construct(self::BODY, 't=' . self::NOW),
            'signature_mismatch' => $construct(self::BODY, self::sign('{}')),
            'timestamp_too_old' => $construct(self::BODY, self::sign(self::BODY, self::NOW - 301)),
            'timestamp_too_new' => $construct(self::BODY, self::sign(self::BODY, self::NOW + 301)),
            'payload_invalid_json' => $construct('{', self::sign('{')),
            'payload_invalid_event' => $construct('{}', self::sign('{}')),
            'payload_wrong_type' => $construct([], self::sign(self::BODY)),
            'option_invalid' => fn () => \Payvost\Webhook::constructEventFromRequest(
                new \Nyholm\Psr7\ServerRequest('POST', '/'), self::SECRET, limit: 0),
            // The guard's codes, from a store answering as told (IdempotencyTest reaches them on real stores).
            'event_in_progress' => fn () => self::guarded(['in_progress', 1]),
            'store_unavailable' => fn () => (new \Payvost\Idempotency\IdempotencyGuard(new \Payvost\Idempotency\RedisStore(new \Redis())))
                ->process(Webhook::constructEvent(self::BODY, self::sign(self::BODY), self::SECRET, 300, self::NOW), self::BODY, static fn () => null),
            'event_id_reused' => fn () => self::guarded(['reused', 1]),
            'lease_lost' => fn () => self::guarded(['claimed', 1]),
        ];
        // receiver_busy is only ever answered (503, by a middleware past its
        // maxConcurrent: DeliveryTest), never thrown to the application.
        $thrown = array_values(array_filter(self::facts()['errors'], static fn (array $e) => $e['code'] !== 'receiver_busy'));
        $this->assertSame(array_column($thrown, 'code'), array_keys($calls));
        foreach ($thrown as ['code' => $code, 'category' => $category]) {
            try {
                $calls[$code]();
                $this->fail("{$code}: nothing was thrown");
            } catch (\Throwable $e) {
                $this->assertInstanceOf($classOf[$category], $e, $code);
                $this->assertSame($code, $e->getErrorCode(), $code);
            }
        }
    }

    public function testAnEchoIsCutAtTheCoresLimit(): void
    {
        $body = '{"id":"evt_1","pad":"' . str_repeat('x', 300) . '"}';
        try {
            Webhook::constructEvent($body, self::sign('{}'), self::SECRET, 300, self::NOW);
            $this->fail('a mismatch was expected');
        } catch (SignatureVerificationException $e) {
            $this->assertSame(substr($body, 0, self::facts()['echo_limit']), $e->getHttpBody());
        }
    }

    public function testTheCallsThePackageMakesAreTheModulesExports(): void
    {
        $exported = Runtime::get()->exportedSignatures();
        $sources = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator(__DIR__ . '/../src', \FilesystemIterator::SKIP_DOTS));
        $text = '';
        foreach ($sources as $file) {
            $text .= (string) file_get_contents((string) $file);
        }
        preg_match_all("/'(pv_[a-z_]+)'/", $text, $called);
        $called = array_values(array_unique($called[1]));
        sort($called);
        $this->assertSame(['pv_abi_version', 'pv_construct', 'pv_echo', 'pv_facts', 'pv_fingerprint', 'pv_input', 'pv_output_len',
            'pv_output_ptr', 'pv_sign', 'pv_unix_seconds', 'pv_verifier_free', 'pv_verifier_new', 'pv_verify'], $called);
        $this->assertSame([], array_diff($called, array_keys($exported)), 'calls to exports the module lacks');
        // The released module has no test hook; the test build has.
        $this->assertArrayNotHasKey('pv_trap_for_tests', $exported);
        $this->assertSame(Runtime::ABI_VERSION, Runtime::get()->call('pv_abi_version'));
    }

    /**
     * A module that exports its memory and, unless `$version` is null,
     * `pv_abi_version` answering it: the smallest module a host checks.
     */
    private static function moduleOfVersion(?int $version): string
    {
        $exports = "\x06memory\x02\x00" . ($version === null ? '' : "\x0epv_abi_version\x00\x00");
        $exports = chr($version === null ? 1 : 2) . $exports;
        return "\x00asm\x01\x00\x00\x00"
            . "\x01\x05\x01\x60\x00\x01\x7f"           // one type: () -> i32
            . "\x03\x02\x01\x00"                       // one function of it
            . "\x05\x03\x01\x00\x01"                   // one memory of one page
            . "\x07" . chr(strlen($exports)) . $exports
            . "\x0a\x06\x01\x04\x00\x41" . chr($version ?? 0) . "\x0b"; // i32.const $version
    }

    public function testAModuleOfAnotherAbiVersionIsRefused(): void
    {
        foreach ([2 => 2, 'none' => null] as $said => $version) {
            $other = sys_get_temp_dir() . '/payvost-abi-' . getmypid() . "-{$said}.wasm";
            file_put_contents($other, self::moduleOfVersion($version));
            try {
                Runtime::useModuleForTests($other);
                Runtime::get();
                $this->fail("a module of ABI version {$said} was loaded");
            } catch (EngineException $e) {
                $this->assertSame('engine_unavailable', $e->getErrorCode());
                $this->assertSame("The WebAssembly module {$other} speaks ABI version " . ($version ?? 0) . '; this package calls '
                    . 'version 1: reinstall payvost/payvost-php, whose module and PHP code come together', $e->getMessage());
            } finally {
                Runtime::useModuleForTests(null);
                unlink($other);
            }
        }
        // And the package's own module is loaded again.
        $this->assertSame(Runtime::ABI_VERSION, Runtime::get()->call('pv_abi_version'));
    }

    public function testTheClockIsTheCores(): void
    {
        $before = time();
        $now = Runtime::get()->now();
        $this->assertGreaterThanOrEqual($before, $now);
        $this->assertLessThanOrEqual(time(), $now);
    }
}
