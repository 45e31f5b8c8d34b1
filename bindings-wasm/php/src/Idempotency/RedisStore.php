<?php

declare(strict_types=1);

namespace Payvost\Idempotency;

use Payvost\Errors;
use Payvost\Runtime;

/**
 * Records in Redis, one hash a record, expired by Redis itself: a fleet.
 * Takes a phpredis \Redis or a Predis client; each step is one of the
 * core's Lua scripts, run by its SHA-1 once Redis has it.
 */
final class RedisStore implements Store
{
    /** @var array<string, array{source: string, args: list<string>, sha: string}> each script, with the SHA-1 EVALSHA names it by */
    private readonly array $scripts;

    public function __construct(private readonly object $client)
    {
        if (!$client instanceof \Redis && !$client instanceof \Predis\ClientInterface) {
            throw Errors::make('option_invalid', 'RedisStore takes a phpredis \\Redis or a Predis client, not ' . get_debug_type($client) . '.');
        }
        $this->scripts = array_map(static fn (array $script) => $script + ['sha' => sha1($script['source'])],
            Runtime::get()->facts()['idempotency']['redis']);
    }

    public function setup(): void
    {
    }

    public function purge(): int
    {
        return 0; // Redis expires records itself
    }

    public function claim(string $key, string $fingerprint, string $token, int $leaseMs, int $retentionMs): array
    {
        $reply = $this->run('claim', $key, ['fingerprint' => $fingerprint, 'token' => $token, 'lease_ms' => $leaseMs, 'retention_ms' => $retentionMs]);
        return is_array($reply) && count($reply) === 2 ? [(string) $reply[0], (int) $reply[1]] : ['in_progress', 0];
    }

    public function renew(string $key, string $token, int $leaseMs): bool
    {
        return (int) $this->run('renew', $key, ['token' => $token, 'lease_ms' => $leaseMs]) > 0;
    }

    public function release(string $key, string $token): bool
    {
        return (int) $this->run('release', $key, ['token' => $token]) > 0;
    }

    public function complete(string $key, string $token, int $retentionMs): bool
    {
        return (int) $this->run('complete', $key, ['token' => $token, 'retention_ms' => $retentionMs]) > 0;
    }

    public function fail(string $key, string $token, string $body, string $header): bool
    {
        return (int) $this->run('fail', $key, ['token' => $token, 'body' => $body, 'header' => $header]) > 0;
    }

    public function failed(string $prefix): array
    {
        // The script scans: it names no key of its own (this one routes it on a cluster).
        $flat = $this->run('failed', "{$prefix}*", ['prefix' => $prefix]);
        $rows = [];
        for ($i = 0; is_array($flat) && $i + 3 < count($flat); $i += 4) {
            $rows[] = [(string) $flat[$i], (int) $flat[$i + 1], (string) $flat[$i + 2], (string) $flat[$i + 3]];
        }
        return $rows;
    }

    /** @param array<string, int|string> $values */
    private function run(string $name, string $key, array $values): mixed
    {
        ['source' => $source, 'args' => $names, 'sha' => $sha] = $this->scripts[$name];
        $args = array_map(fn (string $arg) => (string) $values[$arg], $names);
        try {
            if ($this->client instanceof \Redis) {
                $reply = $this->client->evalSha($sha, [$key, ...$args], 1);
                if ($reply === false && str_starts_with((string) $this->client->getLastError(), 'NOSCRIPT')) {
                    $this->client->clearLastError();
                    $reply = $this->client->eval($source, [$key, ...$args], 1);
                }
                $failure = $this->client->getLastError();
                if ($reply === false && $failure !== null) {
                    $this->client->clearLastError();
                    throw new \RedisException($failure);
                }
                return $reply;
            }
            try {
                return $this->client->evalsha($sha, 1, $key, ...$args);
            } catch (\Predis\Response\ServerException $error) {
                if (!str_starts_with($error->getMessage(), 'NOSCRIPT')) {
                    throw $error;
                }
                return $this->client->eval($source, 1, $key, ...$args);
            }
        } catch (\Throwable $error) {
            throw IdempotencyGuard::error('store_unavailable', ['why' => get_class($error) . ': ' . $error->getMessage()], $error);
        }
    }
}
