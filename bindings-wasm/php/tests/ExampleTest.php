<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/** examples/php/webhook.php served by `php -S 127.0.0.1:PORT` and sent real deliveries. */
final class ExampleTest extends TestCase
{
    private const SECRET = 'whsec_php_example';

    /** @var resource */
    private $server;
    private string $url;
    private string $store;

    protected function setUp(): void
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $this->store = tempnam(sys_get_temp_dir(), 'payvost-events-');
        unlink($this->store);
        $env = [
            'PAYVOST_WEBHOOK_SECRET' => self::SECRET,
            'PAYVOST_EVENTS_FILE' => $this->store,
            'PAYVOST_AUTOLOAD' => getenv('PAYVOST_PHP_AUTOLOAD') ?: dirname(__DIR__) . '/vendor/autoload.php',
        ] + getenv();
        $this->server = proc_open(
            // Debian's php.ini has ffi.enable=preload, which allows FFI in the CLI only.
            [PHP_BINARY, '-d', 'ffi.enable=1', '-S', "127.0.0.1:{$port}", 'webhook.php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']],
            $pipes,
            PAYVOST_ROOT . '/examples/php',
            $env,
        );
        $this->url = "http://127.0.0.1:{$port}";
        for ($i = 0; $i < 100 && @file_get_contents("{$this->url}/processed") === false; $i++) {
            usleep(50_000);
        }
    }

    protected function tearDown(): void
    {
        proc_terminate($this->server);
        proc_close($this->server);
        @unlink($this->store);
        @unlink($this->store . '.lock');
    }

    /** @return array{int, string} */
    private function post(string $body, ?string $header): array
    {
        $headers = "Content-Type: application/json\r\n" . ($header === null ? '' : "Payvost-Signature: {$header}\r\n");
        $context = stream_context_create(['http' => ['method' => 'POST', 'header' => $headers, 'content' => $body, 'ignore_errors' => true]]);
        $answer = file_get_contents("{$this->url}/webhooks/payvost", false, $context);
        preg_match('{^HTTP/\S+ (\d+)}', $http_response_header[0], $status);
        return [(int) $status[1], (string) $answer];
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
        self::assertSame(['evt_php_example'], json_decode(file_get_contents("{$this->url}/processed"), true));
    }
}
