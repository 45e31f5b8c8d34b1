<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/** examples/php/webhook.php served by `php -S 127.0.0.1:PORT` and sent real deliveries. */
final class ExampleTest extends TestCase
{
    private const SECRET = 'whsec_php_example';

    private BuiltInServer $server;
    private string $store;

    protected function setUp(): void
    {
        $this->store = tempnam(sys_get_temp_dir(), 'payvost-events-');
        unlink($this->store);
        $env = ['PAYVOST_WEBHOOK_SECRET' => self::SECRET, 'PAYVOST_EVENTS_FILE' => $this->store,
            'PAYVOST_IDEMPOTENCY_DB' => $this->store . '.db'];
        $this->server = new BuiltInServer(PAYVOST_ROOT . '/examples/php', 'webhook.php', $env);
    }

    protected function tearDown(): void
    {
        $this->server->stop();
        @unlink($this->store);
        array_map('unlink', glob($this->store . '.db*') ?: []);
    }

    /** @return array{int, string} */
    private function post(string $body, ?string $header): array
    {
        return $this->server->post('/webhooks/payvost', $body, $header);
    }

    public function testTheExampleAcceptsSignedDeliveriesOnceAndRejectsTheRest(): void
    {
        $now = time();
        $body = json_encode(['id' => 'evt_php_example', 'type' => 'payment.succeeded', 'created' => $now,
            'data' => ['object' => ['id' => 'pay_1', 'amount' => 2000, 'currency' => 'eur']]]);
        $sign = fn (string $payload, int $t = 0, string $secret = self::SECRET): string =>
            WebhookSignature::generateHeader($payload, $secret, $t ?: $now);

        self::assertSame([200, '{"received":true}'], $this->post($body, $sign($body)));
        self::assertSame([200, '{"received":true,"duplicate":true}'], $this->post($body, $sign($body, $now + 1)));
        self::assertSame(400, $this->post($body, $sign($body, 0, 'whsec_attacker'))[0]);
        self::assertSame(400, $this->post(str_replace('2000', '1', $body), $sign($body))[0]);
        self::assertSame(400, $this->post($body, $sign($body, $now - 3600))[0]);
        self::assertSame(400, $this->post($body, $sign($body, $now + 3600))[0]);
        self::assertSame(400, $this->post('{"hello":"world"}', $sign('{"hello":"world"}'))[0]);
        self::assertSame(['evt_php_example'], json_decode(file_get_contents("{$this->server->url}/processed"), true));
    }
}
