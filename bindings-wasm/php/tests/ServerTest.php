<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Engine;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/**
 * The docs' snippet under the servers users run: Debian's PHP-FPM, driven
 * through FastCGI (cgi-fcgi), and `php -S`, each with every setup the README
 * documents. Per-request times are printed, not asserted: machines are noisy.
 */
final class ServerTest extends TestCase
{
    private const SECRET = 'whsec_server_tests';
    private const REQUESTS = 1000;

    private string $directory;
    /** @var resource|null */
    private $server = null;

    protected function setUp(): void
    {
        $this->directory = sys_get_temp_dir() . '/payvost-server-test-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir($this->directory, 0700);
        file_put_contents($this->directory . '/webhook.php', <<<'PHP'
            <?php
            require getenv('PAYVOST_PHP_AUTOLOAD');
            // From the Payvost webhook docs:
            $payload = @file_get_contents('php://input');
            $sig_header = $_SERVER['HTTP_PAYVOST_SIGNATURE'];
            $secret = getenv('PAYVOST_WEBHOOK_SECRET');
            $started = hrtime(true);
            try {
                $event = \Payvost\Webhook::constructEvent($payload, $sig_header, $secret);
            } catch(\Payvost\Exception\SignatureVerificationException $e) {
                http_response_code(400);
                exit();
            }
            // For the test: what the first call cost, and which worker answered.
            header('X-Micros: ' . intdiv(hrtime(true) - $started, 1000));
            header('X-Pid: ' . getmypid());
            header('X-Module: ' . \Payvost\Runtime::get()->source());
            echo $event->id;
            PHP);
    }

    protected function tearDown(): void
    {
        if ($this->server !== null) {
            proc_terminate($this->server);
            proc_close($this->server);
        }
        exec('rm -rf ' . escapeshellarg($this->directory));
    }

    /** @return array<string, array{list<string>}> the php.ini lines of each documented setup */
    public static function setups(): array
    {
        return [
            'ffi.enable=true' => [['ffi.enable=true']],
            'ffi.enable=preload' => [[
                'ffi.enable=preload',
                'ffi.preload=' . self::package() . '/resources/wasm.h',
                'opcache.enable=1',
                'opcache.preload=' . self::package() . '/preload.php',
                'opcache.preload_user=' . (posix_getpwuid(posix_geteuid())['name'] ?? 'root'),
            ]],
        ];
    }

    /** The package as Composer installed it. */
    private static function package(): string
    {
        return dirname((string) getenv('PAYVOST_PHP_AUTOLOAD')) . '/payvost/payvost-php';
    }

    /** The environment the server passes to PHP: nothing names the engine. */
    private static function environment(): array
    {
        return [
            'PAYVOST_PHP_AUTOLOAD' => (string) getenv('PAYVOST_PHP_AUTOLOAD'),
            'PAYVOST_WEBHOOK_SECRET' => self::SECRET,
        ];
    }

    /**
     * ffi.preload opens wasm.h's FFI_LIB ("libwasmtime.so") through the
     * dynamic loader; the README's symbolic link in /usr/local/lib gives it
     * the bundled engine, and this path stands in for that link here.
     */
    private static function loaderPath(): array
    {
        return ['LD_LIBRARY_PATH' => dirname(Engine::bundledLibrary())];
    }

    /**
     * @param list<string> $ini
     * @param list<string> $pool more lines of the pool's configuration
     */
    private function startFpm(array $ini, array $pool = []): string
    {
        $socket = $this->directory . '/fpm.sock';
        $pool = [
            '[global]', 'error_log = ' . $this->directory . '/fpm.log', 'daemonize = no',
            '[www]', 'listen = ' . $socket, 'pm = static', 'pm.max_children = 1', 'clear_env = yes',
            ...$pool,
        ];
        foreach (self::environment() as $name => $value) {
            $pool[] = "env[{$name}] = {$value}";
        }
        file_put_contents($this->directory . '/fpm.conf', implode("\n", $pool) . "\n");
        // -R: this test may run as root, as containers do.
        $command = [self::binary($fpm = 'php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION, "/usr/sbin/{$fpm}"), '-n', '-R', '-y', $this->directory . '/fpm.conf'];
        foreach (self::extensions() as $extension) {
            array_push($command, '-d', $extension);
        }
        foreach ($ini as $line) {
            array_push($command, '-d', $line);
        }
        $this->start($command, self::loaderPath() + ['PATH' => (string) getenv('PATH')]);
        $this->waitFor(fn () => file_exists($socket), 'php-fpm to listen');
        return $socket;
    }

    /** @param list<string> $ini */
    private function startBuiltIn(array $ini): string
    {
        $port = BuiltInServer::freePort();
        $command = [PHP_BINARY, '-n'];
        foreach (self::extensions() as $extension) {
            array_push($command, '-d', $extension);
        }
        foreach ($ini as $line) {
            array_push($command, '-d', $line);
        }
        array_push($command, '-S', "127.0.0.1:{$port}", '-t', $this->directory);
        $this->start($command, self::loaderPath() + self::environment());
        $url = "http://127.0.0.1:{$port}/webhook.php";
        $this->waitFor(fn () => @fsockopen('127.0.0.1', $port) !== false, 'php -S to listen');
        return $url;
    }

    /** Extensions Debian loads from conf.d, which `-n` skips, and php-psr for PSR-15 (scripts/php-env.sh). */
    private static function extensions(): array
    {
        $lines = [];
        foreach (['ffi', 'opcache', 'posix'] as $name) {
            $lines[] = ($name === 'opcache' ? 'zend_extension=' : 'extension=') . $name;
        }
        if (getenv('PAYVOST_PSR_EXTENSION')) {
            $lines[] = 'extension=' . getenv('PAYVOST_PSR_EXTENSION');
        }
        return $lines;
    }

    private static function binary(string $name, string $fallback): string
    {
        $found = trim((string) shell_exec('command -v ' . escapeshellarg($name)));
        return $found !== '' ? $found : $fallback;
    }

    /** @param list<string> $command @param array<string, string>|null $env */
    private function start(array $command, ?array $env = null): void
    {
        $log = $this->directory . '/server.log';
        $environment = $env === null ? null : $env + ['PATH' => (string) getenv('PATH')];
        $this->server = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'], 2 => ['file', $log, 'a']],
            $pipes, $this->directory, $environment) ?: null;
        self::assertNotNull($this->server, 'server did not start: ' . implode(' ', $command));
    }

    private function waitFor(callable $ready, string $what): void
    {
        for ($i = 0; $i < 200; $i++) {
            if ($ready()) {
                return;
            }
            usleep(25_000);
        }
        self::fail("timed out waiting for {$what}: " . @file_get_contents($this->directory . '/server.log')
            . @file_get_contents($this->directory . '/fpm.log'));
    }

    /** @return array{int, array<string, string>, string} status, headers (lower-case), body */
    private function fastcgi(string $socket, string $body, string $signature, string $script = 'webhook.php'): array
    {
        $env = [
            'SCRIPT_FILENAME' => $this->directory . '/' . $script, 'REQUEST_METHOD' => 'POST',
            'CONTENT_TYPE' => 'application/json', 'CONTENT_LENGTH' => (string) strlen($body),
            'HTTP_PAYVOST_SIGNATURE' => $signature, 'SERVER_PROTOCOL' => 'HTTP/1.1',
        ];
        $process = proc_open([self::binary('cgi-fcgi', '/usr/bin/cgi-fcgi'), '-bind', '-connect', $socket],
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
        self::assertIsResource($process);
        fwrite($pipes[0], $body);
        fclose($pipes[0]);
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        proc_close($process);
        [$head, $content] = explode("\r\n\r\n", $out, 2) + ['', ''];
        $headers = [];
        foreach (explode("\r\n", $head) as $line) {
            if (str_contains($line, ':')) {
                [$name, $value] = explode(':', $line, 2);
                $headers[strtolower($name)] = trim($value);
            }
        }
        $status = isset($headers['status']) ? (int) $headers['status'] : 200;
        self::assertNotSame('', $out, "no FastCGI answer: {$err}" . @file_get_contents($this->directory . '/fpm.log'));
        return [$status, $headers, $content];
    }

    /** @return array{int, array<string, string>, string} */
    private function http(string $url, string $body, string $signature): array
    {
        $context = stream_context_create(['http' => [
            'method' => 'POST', 'ignore_errors' => true, 'timeout' => 30,
            'header' => "Content-Type: application/json\r\nPayvost-Signature: {$signature}\r\n", 'content' => $body,
        ]]);
        $content = (string) @file_get_contents($url, false, $context);
        $headers = [];
        $status = 0;
        foreach ($http_response_header ?? [] as $line) {
            if (preg_match('#^HTTP/\S+ (\d+)#', $line, $m) === 1) {
                $status = (int) $m[1];
            } elseif (str_contains($line, ':')) {
                [$name, $value] = explode(':', $line, 2);
                $headers[strtolower($name)] = trim($value);
            }
        }
        return [$status, $headers, $content];
    }

    private static function delivery(int $n): array
    {
        $body = '{"id":"evt_' . $n . '","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}';
        return [$body, WebhookSignature::generateHeader($body, self::SECRET)];
    }

    private static function rss(int $pid): int
    {
        preg_match('/^VmRSS:\s+(\d+) kB/m', (string) @file_get_contents("/proc/{$pid}/status"), $m);
        return (int) ($m[1] ?? 0);
    }

    /** @param callable(string, string): array{int, array<string, string>, string} $send */
    private function drive(string $server, string $setup, callable $send, int $requests): void
    {
        [$body, $signature] = self::delivery(0);
        [$status, $headers, $content] = $send($body, $signature);
        self::assertSame(200, $status, "{$server} {$setup}: {$content}" . @file_get_contents($this->directory . '/server.log'));
        self::assertSame('evt_0', $content);
        [$status] = $send($body, WebhookSignature::generateHeader($body, 'whsec_forged'));
        self::assertSame(400, $status, "{$server} {$setup}: a forged delivery");

        $micros = [];
        $rss = [];
        for ($n = 1; $n <= $requests; $n++) {
            [$body, $signature] = self::delivery($n);
            [$status, $headers, $content] = $send($body, $signature);
            self::assertSame([200, "evt_{$n}"], [$status, $content], "{$server} {$setup}: request {$n}");
            $micros[] = (int) $headers['x-micros'];
            if ($n === intdiv($requests, 10) || $n === $requests) {
                $rss[] = self::rss((int) $headers['x-pid']);
            }
        }
        sort($micros);
        $median = $micros[intdiv(count($micros), 2)];
        fwrite(STDERR, sprintf("\n%s, %s: %d requests, first constructEvent of a request: median %.2f ms, p90 %.2f ms; worker RSS %d -> %d KiB",
            $server, $setup, $requests, $median / 1000, $micros[(int) (count($micros) * 0.9)] / 1000, $rss[0], $rss[1]));
        // The worker serves every request; its memory must not grow with them.
        self::assertLessThan(2048, $rss[1] - $rss[0], "{$server} {$setup}: worker RSS grew from {$rss[0]} to {$rss[1]} KiB");
    }

    /**
     * @dataProvider setups
     * @param list<string> $ini
     */
    public function testPhpFpm(array $ini): void
    {
        $socket = $this->startFpm($ini);
        $this->drive('php-fpm', $ini[0], fn (string $body, string $signature) => $this->fastcgi($socket, $body, $signature), self::REQUESTS);
    }

    /**
     * @dataProvider setups
     * @param list<string> $ini
     */
    public function testBuiltInServer(array $ini): void
    {
        $url = $this->startBuiltIn($ini);
        $this->drive('php -S', $ini[0], fn (string $body, string $signature) => $this->http($url, $body, $signature), 100);
    }

    /**
     * The module cache as PHP-FPM workers use it: each worker here serves one
     * request (pm.max_requests = 1), so each is a fresh process. The first
     * compiles the module and writes the cache; the next loads it; once the
     * engine library changes (its time, as an upgrade changes it), the next
     * worker compiles again rather than run machine code made for another
     * engine, and writes a cache of its own beside the old one.
     */
    public function testTheModuleCacheUnderPhpFpmIsLoadedAndRenewedWhenTheEngineChanges(): void
    {
        $engine = $this->directory . '/engine/' . basename(Engine::bundledLibrary());
        mkdir(dirname($engine), 0700);
        copy(Engine::bundledLibrary(), $engine);
        $cache = $this->directory . '/cache';
        mkdir($cache, 0700);
        $socket = $this->startFpm(['ffi.enable=true'], [
            'pm.max_requests = 1',
            "env[PAYVOST_WASMTIME_LIB] = {$engine}",
            "env[PAYVOST_WASM_CACHE_DIR] = {$cache}",
        ]);
        $modules = function (int $requests) use ($socket): array {
            $seen = [];
            for ($n = 0; $n < $requests; $n++) {
                [$body, $signature] = self::delivery($n);
                [$status, $headers, $content] = $this->fastcgi($socket, $body, $signature);
                self::assertSame([200, "evt_{$n}"], [$status, $content], @file_get_contents($this->directory . '/fpm.log') ?: '');
                $seen[] = $headers['x-pid'] . ' ' . $headers['x-module'];
            }
            return $seen;
        };
        $first = $modules(3);
        self::assertSame(['compiled', 'cache', 'cache'], array_map(fn ($s) => explode(' ', $s)[1], $first));
        self::assertCount(3, array_unique(array_map(fn ($s) => explode(' ', $s)[0], $first)), 'one worker per request');
        $files = glob($cache . '/*.cwasm') ?: [];
        self::assertCount(1, $files);
        clearstatcache();
        touch($engine, (int) filemtime($engine) + 60);
        $after = array_map(fn ($s) => explode(' ', $s)[1], $modules(2));
        self::assertSame(['compiled', 'cache'], $after);
        self::assertCount(2, glob($cache . '/*.cwasm') ?: [], 'a cache for each engine');
    }

    /**
     * The PSR-15 middleware's acknowledgeFirst under PHP-FPM: the answer
     * leaves while the handler still waits for the test's go-ahead, then the
     * handler runs and its error reaches onError.
     */
    public function testAcknowledgeFirstAnswersBeforeTheHandlersUnderPhpFpm(): void
    {
        file_put_contents($this->directory . '/acknowledge.php', <<<'PHP'
            <?php
            require getenv('PAYVOST_PHP_AUTOLOAD');
            ini_set('error_log', __DIR__ . '/php-errors.log');
            $log = __DIR__ . '/handled.log';
            $router = (new \Payvost\EventRouter())->on('dispute.opened', function (\Payvost\Event $event) use ($log): void {
                for ($i = 0; $i < 400 && !file_exists(__DIR__ . '/release'); $i++) {
                    usleep(25_000);
                }
                file_put_contents($log, "handled {$event->id}\n", FILE_APPEND);
                throw new \RuntimeException('slow and failing');
            });
            $factory = new \Nyholm\Psr7\Factory\Psr17Factory();
            $webhook = new \Payvost\Psr\WebhookMiddleware(
                new \Payvost\WebhookVerifier(getenv('PAYVOST_WEBHOOK_SECRET')), $factory, $factory, $router,
                acknowledgeFirst: true,
                onError: function (\Throwable $error, \Payvost\Event $event) use ($log): void {
                    if ($event->id === 'evt_hook') {
                        throw new \LogicException('the reporter is down');
                    }
                    file_put_contents($log, "onError {$event->id}: {$error->getMessage()}\n", FILE_APPEND);
                },
            );
            $request = $factory->createServerRequest('POST', '/webhooks/payvost', $_SERVER)
                ->withBody($factory->createStream((string) file_get_contents('php://input')))
                ->withHeader('Payvost-Signature', $_SERVER['HTTP_PAYVOST_SIGNATURE'] ?? '');
            $response = $webhook->process($request, new class implements \Psr\Http\Server\RequestHandlerInterface {
                public function handle(\Psr\Http\Message\ServerRequestInterface $request): \Psr\Http\Message\ResponseInterface
                {
                    return (new \Nyholm\Psr7\Factory\Psr17Factory())->createResponse(404);
                }
            });
            http_response_code($response->getStatusCode());
            echo $response->getBody();
            PHP);
        $socket = $this->startFpm(['ffi.enable=true']);
        $body = '{"id":"evt_ack","type":"dispute.opened","data":{"object":{"id":"dp_1"}}}';
        [$status, , $content] = $this->fastcgi($socket, $body, WebhookSignature::generateHeader($body, self::SECRET), 'acknowledge.php');
        self::assertSame([200, '{"received":true}'], [$status, $content], (string) @file_get_contents($this->directory . '/fpm.log'));
        self::assertFileDoesNotExist($this->directory . '/handled.log', 'answered while the handler waits');
        touch($this->directory . '/release');
        $this->waitFor(fn () => substr_count((string) @file_get_contents($this->directory . '/handled.log'), "\n") === 2, 'the handler and onError');
        self::assertSame("handled evt_ack\nonError evt_ack: slow and failing\n", file_get_contents($this->directory . '/handled.log'));
        [$status, , $content] = $this->fastcgi($socket, $body, WebhookSignature::generateHeader($body, 'whsec_forged'), 'acknowledge.php');
        self::assertSame(400, $status, "verified before acknowledging: {$content}");

        // An onError that throws is logged, and the worker serves on.
        $hook = str_replace('evt_ack', 'evt_hook', $body);
        [$status, , $content] = $this->fastcgi($socket, $hook, WebhookSignature::generateHeader($hook, self::SECRET), 'acknowledge.php');
        self::assertSame([200, '{"received":true}'], [$status, $content]);
        $this->waitFor(fn () => str_contains((string) @file_get_contents($this->directory . '/php-errors.log'), 'evt_hook'), 'the log line');
        self::assertStringContainsString('payvost: onError threw LogicException (the reporter is down) while reporting the error '
            . 'of a handler of event evt_hook: slow and failing', (string) file_get_contents($this->directory . '/php-errors.log'));
        [$status] = $this->fastcgi($socket, $body, WebhookSignature::generateHeader($body, self::SECRET), 'acknowledge.php');
        self::assertSame(200, $status);
    }
}
