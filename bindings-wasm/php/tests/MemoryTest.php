<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Exception\ExceptionInterface;
use Payvost\Runtime;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/** No crash and flat memory over 100,000 calls mixing valid and invalid inputs. */
final class MemoryTest extends TestCase
{
    private static function rss(): int
    {
        return (int) explode(' ', file_get_contents('/proc/self/statm'))[1] * 4096;
    }

    public function testOneHundredThousandMixedCalls(): void
    {
        $secret = 'whsec_memory';
        $now = 1764000000;
        $body = '{"id":"evt_m","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":1}}}';
        $header = WebhookSignature::generateHeader($body, $secret, $now);
        $inputs = [
            [$body, $header, $secret, 300, $now, null],
            [$body . ' ', $header, $secret, 300, $now, 'signature_mismatch'],
            [$body, 't=1,v1=zz', $secret, 300, $now, 'signature_mismatch'],
            [$body, '', $secret, 300, $now, 'header_missing'],
            [$body, $header, $secret, 300, $now + 999, 'timestamp_too_old'],
            [str_repeat('{', 300), $header, $secret, 300, $now, 'signature_mismatch'],
            [['parsed'], $header, $secret, 300, $now, 'payload_wrong_type'],
            [$body, $header, 'sk_wrong', 300, $now, 'secret_invalid'],
            [$body, $header, [$secret, 'whsec_other'], 300, $now, null],
            [$body, $header, $secret, 0, $now, 'tolerance_invalid'],
        ];
        $run = function (int $calls) use ($inputs): void {
            for ($i = 0; $i < $calls; $i++) {
                [$payload, $h, $s, $tolerance, $t, $code] = $inputs[$i % count($inputs)];
                try {
                    Webhook::constructEvent($payload, $h, $s, $tolerance, $t);
                    $got = null;
                } catch (ExceptionInterface $e) {
                    $got = $e->getErrorCode();
                }
                if ($got !== $code) {
                    self::fail("call {$i}: expected " . var_export($code, true) . ', got ' . var_export($got, true));
                }
            }
        };
        $run(10_000); // warm-up: the engine, the module and PHP reach their sizes
        gc_collect_cycles();
        [$php, $rss] = [memory_get_usage(), self::rss()];
        $run(90_000);
        gc_collect_cycles();
        self::assertLessThan(1 << 20, memory_get_usage() - $php, 'PHP heap growth');
        self::assertLessThan(10 << 20, self::rss() - $rss, 'resident memory growth');
        self::assertSame('evt_m', Webhook::constructEvent($body, $header, $secret, 300, $now)->id);
        self::assertGreaterThan(0, Runtime::get()->generation());
    }
}
