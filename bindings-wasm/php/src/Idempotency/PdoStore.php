<?php

declare(strict_types=1);

namespace Payvost\Idempotency;

use Payvost\Errors;
use Payvost\Runtime;

/**
 * Records in a table of PostgreSQL (pdo_pgsql: a fleet, one round trip a
 * step) or SQLite (pdo_sqlite: one machine), through the PDO connection the
 * app already has, run by the core's statements. Call setup() once.
 */
final class PdoStore implements Store
{
    /** @var array<string, mixed> the core's statements for this driver */
    private readonly array $sql;
    private readonly bool $sqlite;

    public function __construct(private readonly \PDO $pdo)
    {
        $driver = $pdo->getAttribute(\PDO::ATTR_DRIVER_NAME);
        if (!in_array($driver, ['pgsql', 'sqlite'], true)) {
            throw Errors::make('option_invalid', "PdoStore works on PostgreSQL (pgsql) or SQLite (sqlite), not {$driver}.");
        }
        $this->sqlite = $driver === 'sqlite';
        $this->sql = Runtime::get()->facts()['idempotency'][$this->sqlite ? 'sqlite' : 'postgres'];
        if ($this->sqlite) {
            $this->run(fn () => $pdo->exec('PRAGMA busy_timeout = 5000'));
        }
    }

    public function setup(): void
    {
        $this->run(function (): void {
            if ($this->sqlite) {
                $this->pdo->query('PRAGMA journal_mode = WAL');
            }
            foreach ($this->sql['setup'] as $statement) {
                $this->pdo->exec($statement['qmark']['text']);
            }
        });
    }

    public function claim(string $key, string $fingerprint, string $token, int $leaseMs, int $retentionMs): array
    {
        $values = ['key' => $key, 'fingerprint' => $fingerprint, 'token' => $token, 'lease_ms' => $leaseMs, 'retention_ms' => $retentionMs];
        $row = $this->transaction([$this->sql['claim'], $this->sql['inspect']], $values);
        return $row === null ? ['in_progress', 0] : [(string) $row[0], (int) $row[1]];
    }

    public function renew(string $key, string $token, int $leaseMs): bool
    {
        return $this->transaction([$this->sql['renew']], ['key' => $key, 'token' => $token, 'lease_ms' => $leaseMs]) !== null;
    }

    public function release(string $key, string $token): bool
    {
        return $this->transaction([$this->sql['release']], ['key' => $key, 'token' => $token]) !== null;
    }

    public function complete(string $key, string $token, int $retentionMs): bool
    {
        return $this->transaction([$this->sql['complete']], ['key' => $key, 'token' => $token, 'retention_ms' => $retentionMs]) !== null;
    }

    public function fail(string $key, string $token, string $body, string $header): bool
    {
        return $this->transaction([$this->sql['fail']], ['key' => $key, 'token' => $token, 'body' => $body, 'header' => $header]) !== null;
    }

    public function failed(string $prefix): array
    {
        $statement = $this->sql['failed']['qmark'];
        return $this->run(function () use ($statement, $prefix): array {
            $prepared = $this->pdo->prepare($statement['text']);
            $prepared->execute(array_map(static fn () => $prefix, $statement['params']));
            return array_map(static fn (array $r) => [(string) $r[0], (int) $r[1], (string) $r[2], (string) $r[3]],
                $prepared->fetchAll(\PDO::FETCH_NUM));
        });
    }

    /**
     * Runs $work($pdo) in one transaction of this store's connection, and
     * completes the record of $token's claim in it: true when both commit;
     * false, with $work's writes rolled back, when the claim was lost. An
     * exception of $work rolls back and propagates.
     *
     * @param callable(\PDO): mixed $work
     */
    public function completeWithin(callable $work, string $key, string $token, int $retentionMs): bool
    {
        $this->run(fn () => $this->pdo->beginTransaction());
        try {
            $work($this->pdo);
            $statement = $this->sql['complete']['qmark'];
            $values = ['key' => $key, 'token' => $token, 'retention_ms' => $retentionMs];
            $completed = $this->run(function () use ($statement, $values): bool {
                $prepared = $this->pdo->prepare($statement['text']);
                $prepared->execute(array_map(fn (string $name) => $values[$name], $statement['params']));
                return $prepared->fetch(\PDO::FETCH_NUM) !== false;
            });
        } catch (\Throwable $error) {
            $this->pdo->rollBack();
            throw $error;
        }
        $this->run(fn () => $completed ? $this->pdo->commit() : $this->pdo->rollBack());
        return $completed;
    }

    public function purge(): int
    {
        return $this->run(fn () => (int) $this->pdo->exec($this->sql['purge']['qmark']['text']));
    }

    /**
     * Runs $statements (nulls skipped) until one answers a row: on SQLite in
     * one write transaction (BEGIN IMMEDIATE), which SQLite serialises; on
     * PostgreSQL each is one atomic statement already.
     *
     * @param list<array<string, mixed>|null> $statements
     * @param array<string, int|string> $values
     * @return list<mixed>|null
     */
    private function transaction(array $statements, array $values): ?array
    {
        return $this->run(function () use ($statements, $values): ?array {
            if ($this->sqlite) {
                $this->pdo->exec('BEGIN IMMEDIATE');
            }
            try {
                $row = null;
                foreach (array_filter($statements) as $statement) {
                    $prepared = $this->pdo->prepare($statement['qmark']['text']);
                    $prepared->execute(array_map(fn (string $name) => $values[$name], $statement['qmark']['params']));
                    $row = $prepared->fetch(\PDO::FETCH_NUM) ?: null;
                    $prepared->closeCursor();
                    if ($row !== null) {
                        break;
                    }
                }
                if ($this->sqlite) {
                    $this->pdo->exec('COMMIT');
                }
                return $row;
            } catch (\Throwable $error) {
                if ($this->sqlite) {
                    try {
                        $this->pdo->exec('ROLLBACK');
                    } catch (\Throwable) {
                    }
                }
                throw $error;
            }
        });
    }

    /**
     * @template T
     * @param callable(): T $call
     * @return T
     */
    private function run(callable $call): mixed
    {
        $mode = $this->pdo->getAttribute(\PDO::ATTR_ERRMODE);
        $this->pdo->setAttribute(\PDO::ATTR_ERRMODE, \PDO::ERRMODE_EXCEPTION);
        try {
            return $call();
        } catch (\PDOException $error) {
            throw IdempotencyGuard::error('store_unavailable', ['why' => 'PDOException: ' . $error->getMessage()], $error);
        } finally {
            $this->pdo->setAttribute(\PDO::ATTR_ERRMODE, $mode);
        }
    }
}
