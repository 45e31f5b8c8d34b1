<?php

declare(strict_types=1);

namespace Payvost\Tests;

/**
 * An example receiver served by `php -S 127.0.0.1:PORT <script>` with the
 * package as Composer installed it, for the tests that send it deliveries.
 */
final class BuiltInServer
{
    public readonly string $url;
    /** @var resource */
    private $process;

    /**
     * @param array<string, string> $env
     * @param list<string> $ini `-d` lines beyond ffi.enable=1
     */
    public function __construct(string $directory, string $script, array $env, array $ini = [])
    {
        $port = self::freePort();
        $command = [PHP_BINARY, '-d', 'ffi.enable=1'];
        foreach ($ini as $line) {
            array_push($command, '-d', $line);
        }
        array_push($command, '-S', "127.0.0.1:{$port}", $script);
        // What the server says goes to a file, read back should it not start.
        $log = tempnam(sys_get_temp_dir(), 'php-server-');
        $env += ['PAYVOST_AUTOLOAD' => getenv('PAYVOST_PHP_AUTOLOAD') ?: dirname(__DIR__) . '/vendor/autoload.php'] + getenv();
        $process = proc_open(
            // Debian's php.ini has ffi.enable=preload, which allows FFI in the CLI only.
            $command,
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', $log, 'w']],
            $pipes,
            $directory,
            $env,
        );
        if ($process === false) {
            throw new \RuntimeException('php -S did not start: ' . implode(' ', $command));
        }
        $this->process = $process;
        $this->url = "http://127.0.0.1:{$port}";
        $deadline = microtime(true) + 10;
        while (@fsockopen('127.0.0.1', $port) === false) {
            if (microtime(true) > $deadline || !proc_get_status($process)['running']) {
                $this->stop();
                throw new \RuntimeException("php -S {$script} did not start listening on {$this->url} within 10 s:\n"
                    . @file_get_contents($log));
            }
            usleep(50_000);
        }
    }

    /** A port on 127.0.0.1 that nothing listens on, for a server to take. */
    public static function freePort(): int
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        if ($probe === false) {
            throw new \RuntimeException('no free port on 127.0.0.1');
        }
        $port = (int) substr((string) strrchr((string) stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        return $port;
    }

    /**
     * POSTs `$body` to `$path`, with the Payvost-Signature header when given.
     *
     * @return array{int, string} the status and the body
     */
    public function post(string $path, string $body, ?string $header): array
    {
        $headers = "Content-Type: application/json\r\n" . ($header === null ? '' : "Payvost-Signature: {$header}\r\n");
        $context = stream_context_create(['http' => ['method' => 'POST', 'header' => $headers, 'content' => $body, 'ignore_errors' => true, 'timeout' => 30]]);
        $answer = @file_get_contents($this->url . $path, false, $context);
        preg_match('{^HTTP/\S+ (\d+)}', $http_response_header[0] ?? '', $status);
        return [(int) ($status[1] ?? 0), (string) $answer];
    }

    public function stop(): void
    {
        proc_terminate($this->process);
        proc_close($this->process);
    }
}
