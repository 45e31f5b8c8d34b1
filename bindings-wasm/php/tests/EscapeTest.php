<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Exception\ExceptionInterface;
use Payvost\Runtime;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/** Seeded random and mutated inputs, 100,000 calls: only the package's exceptions, with codes of protocol §6. */
final class EscapeTest extends TestCase
{
    public function testRandomAndMutatedCallsThrowOnlyPackageExceptions(): void
    {
        mt_srand(20261128);
        $secret = 'whsec_escape';
        $now = 1764000000;
        $body = '{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}';
        $header = WebhookSignature::generateHeader($body, $secret, $now);
        $pick = static fn (array $items): mixed => $items[mt_rand(0, count($items) - 1)];
        $mutate = static function (string $s): string {
            for ($k = mt_rand(1, 4); $k > 0; $k--) {
                $s[mt_rand(0, strlen($s) - 1)] = chr(mt_rand(0, 255));
            }
            return mt_rand(0, 9) < 3 ? substr($s, 0, mt_rand(0, strlen($s))) : $s;
        };
        $odd = [null, true, 0, -1, PHP_INT_MAX, 1.5, NAN, INF, '', 'x', [], [1], ['a' => 1], new \stdClass(), new \DateTimeImmutable('@0')];
        $codes = Runtime::get()->codes();
        [$events, $errors] = [0, 0];
        for ($i = 0; $i < 100_000; $i++) {
            $payload = $pick([$body, $mutate($body), random_bytes(mt_rand(1, 64)), $pick($odd)]);
            $sig = $pick([$header, substr($header, 0, mt_rand(0, strlen($header))), random_bytes(20), $pick($odd)]);
            $key = $pick([$secret, [$secret, 'whsec_b'], 'sk_live', " {$secret}", random_bytes(8), $pick($odd)]);
            $tolerance = $pick([300, 600, 0, -5, 1.5, '300', $pick($odd)]);
            $time = $pick([$now, new \DateTimeImmutable("@{$now}"), '1', $pick($odd)]);
            try {
                $i % 2
                    ? Webhook::constructEvent($payload, $sig, $key, $tolerance, $time)
                    : WebhookSignature::verifyHeader($payload, $sig, $key, $tolerance, $time);
                $events++;
            } catch (ExceptionInterface $e) {
                self::assertContains($e->getErrorCode(), $codes, $e->getMessage());
                $errors++;
            }
        }
        self::assertGreaterThan(0, $events);
        self::assertGreaterThan(0, $errors);
    }
}
