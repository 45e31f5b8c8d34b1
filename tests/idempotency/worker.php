<?php

// A PHP worker of the fleet test (fleet.py): as worker.py, on the PHP
// package as Composer installed it (PAYVOST_PHP_AUTOLOAD), with a fresh
// connection for each delivery, as under PHP-FPM.

declare(strict_types=1);

require getenv('PAYVOST_PHP_AUTOLOAD');

use Payvost\Exception\IdempotencyException;
use Payvost\Idempotency\IdempotencyGuard;
use Payvost\Idempotency\PdoStore;
use Payvost\Idempotency\RedisStore;

$store = (string) getenv('PAYVOST_FLEET_STORE');
$name = 'php-' . getmypid();
$say = static function (array $message): void {
    fwrite(STDOUT, json_encode($message) . "\n");
    fflush(STDOUT);
};

/** @return array{\Payvost\Idempotency\Store, callable(string): void} */
$open = static function () use ($store, $name): array {
    if (str_starts_with($store, 'redis://')) {
        $url = parse_url($store);
        $redis = new \Redis();
        try {
            $redis->connect($url['host'], $url['port'], 2.0);
        } catch (\RedisException) {
            // A store that cannot be reached answers store_unavailable on its first step.
        }
        $effects = (string) getenv('PAYVOST_FLEET_EFFECTS');
        return [new RedisStore($redis), static fn (string $id) => $redis->rPush($effects, "{$id} {$name}")];
    }
    if (str_starts_with($store, 'postgresql://')) {
        $url = parse_url($store);
        $pdo = new \PDO("pgsql:host={$url['host']};port={$url['port']};dbname=postgres;connect_timeout=2", $url['user'],
            null, [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION]);
    } else {
        $pdo = new \PDO('sqlite:' . substr($store, strlen('sqlite:')), null, null, [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION, \PDO::ATTR_TIMEOUT => 10]);
    }
    $insert = $pdo->prepare('INSERT INTO fleet_effects (event_id, worker) VALUES (?, ?)');
    return [new PdoStore($pdo), static fn (string $id) => $insert->execute([$id, $name])];
};

$say(['ready' => $name]);
while (($line = fgets(STDIN)) !== false) {
    $job = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
    $event = \Payvost\Webhook::constructEvent($job['body'], $job['header'], $job['secret']);
    try {
        [$guarded, $effect] = $open();
        $guard = new IdempotencyGuard($guarded, lease: (float) getenv('PAYVOST_FLEET_LEASE'), namespace: (string) getenv('PAYVOST_FLEET_NAMESPACE'));
        $result = $guard->process($event, $job['body'], static function (\Payvost\Event $e) use ($say, $name, $job, $effect): void {
            $say(['started' => $e->id, 'worker' => $name]);
            usleep((int) ($job['sleep'] * 1_000_000));
            $effect($e->id);
        });
        $say(['id' => $event->id, 'worker' => $name, 'outcome' => $result->outcome, 'attempt' => $result->attempt]);
    } catch (IdempotencyException $e) {
        $say(['id' => $event->id, 'worker' => $name, 'outcome' => $e->getErrorCode()]);
    } catch (\PDOException $e) {
        // Connecting failed before the guard's first step: the store is down.
        $say(['id' => $event->id, 'worker' => $name, 'outcome' => 'store_unavailable']);
    }
}
