<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Exception\InvalidArgumentException;
use Payvost\Exception\SignatureVerificationException;
use Payvost\Verifiers;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use Payvost\WebhookVerifier;
use PHPUnit\Framework\TestCase;

/** The reusable verifier, and the one-line calls' cache of the last 16. */
final class VerifierTest extends TestCase
{
    private const NOW = 1764000000;
    private const BODY = '{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}';

    private static function sign(string $secret, int $timestamp = self::NOW): string
    {
        return WebhookSignature::generateHeader(self::BODY, $secret, $timestamp);
    }

    public function testAVerifierBuiltOnceChecksManyDeliveries(): void
    {
        $verifier = new WebhookVerifier('whsec_endpoint_a', 600);
        for ($i = 0; $i < 3; $i++) {
            $this->assertSame('evt_1', $verifier->constructEvent(self::BODY, self::sign('whsec_endpoint_a'), self::NOW + 500)->id);
        }
        $verified = $verifier->verifyHeader(self::BODY, self::sign('whsec_endpoint_a'), self::NOW);
        $this->assertSame([self::NOW, 0], [$verified->timestamp, $verified->secretIndex]);
        try {
            $verifier->constructEvent(self::BODY, self::sign('whsec_endpoint_b'), self::NOW);
            $this->fail('a mismatch was expected');
        } catch (SignatureVerificationException $e) {
            $this->assertSame('signature_mismatch', $e->getErrorCode());
        }
    }

    public function testARotatingVerifierReportsWhichSecretMatched(): void
    {
        $verifier = new WebhookVerifier(['whsec_old', 'whsec_new']);
        $this->assertSame(1, $verifier->verifyHeader(self::BODY, self::sign('whsec_new'), self::NOW)->secretIndex);
    }

    public function testABadSecretFailsWhenTheVerifierIsBuilt(): void
    {
        $this->expectException(InvalidArgumentException::class);
        $this->expectExceptionMessage('is false: is PAYVOST_WEBHOOK_SECRET set?');
        new WebhookVerifier(false);
    }

    public function testVarDumpShowsNoSecret(): void
    {
        ob_start();
        var_dump(new WebhookVerifier('whsec_supersecret_1'));
        $shown = (string) ob_get_clean();
        $this->assertStringNotContainsString('supersecret', $shown);
        $this->assertStringContainsString('tolerance', $shown);
        $this->assertStringNotContainsString('supersecret', print_r(new WebhookVerifier('whsec_supersecret_2'), true));
    }

    public function testTheOneLineCallsKeepTheLast16Verifiers(): void
    {
        $secrets = array_map(fn (int $i) => "whsec_endpoint_{$i}", range(0, 19));
        for ($round = 0; $round < 2; $round++) {
            foreach ($secrets as $secret) {
                $this->assertSame('evt_1', Webhook::constructEvent(self::BODY, self::sign($secret), $secret, 300, self::NOW)->id);
            }
        }
        $this->assertSame(Verifiers::SIZE, Verifiers::count());
        $handles = array_map(fn (string $s) => Verifiers::for($s, 300), array_slice($secrets, -8));
        $this->assertSame($handles, array_map(fn (string $s) => Verifiers::for($s, 300), array_slice($secrets, -8)));
    }
}
