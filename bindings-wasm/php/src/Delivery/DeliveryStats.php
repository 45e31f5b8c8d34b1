<?php

declare(strict_types=1);

namespace Payvost\Delivery;

use Payvost\Runtime;

/**
 * Delivery records counted (protocol §10.2): by outcome and code since the
 * start, and the refusals since the last anomalies() by code and address.
 * The middleware keeps one (its stats()); one made here may be shared by
 * several middleware with their `stats` argument. The likely causes and the
 * lines' template are the core's facts.
 *
 * ```php
 * $stats = new \Payvost\Delivery\DeliveryStats();
 * $stats->record(['outcome' => 'refused', 'code' => 'signature_mismatch', 'status' => 400, 'remote_address' => '198.51.100.7']);
 * $stats->snapshot()['outcomes']['refused']; // 1
 * $stats->anomalies()[0]; // "1 refused with signature_mismatch since the last summary, from 1 address; likely cause: a probe, ..."
 * ```
 */
final class DeliveryStats
{
    /** @var array<string, int> */
    private array $outcomes;
    /** @var array<string, int> */
    private array $codes = [];
    /** @var array<string, array{int, array<string, true>}> */
    private array $window = [];

    public function __construct()
    {
        $this->outcomes = array_fill_keys(self::facts()['outcomes'], 0);
    }

    /**
     * Counts one record.
     *
     * @param array<string, mixed> $record
     */
    public function record(array $record): void
    {
        $outcome = $record['outcome'] ?? null;
        if (is_string($outcome) && isset($this->outcomes[$outcome])) {
            $this->outcomes[$outcome]++;
        }
        $code = $record['code'] ?? null;
        if (!is_string($code)) {
            return;
        }
        $this->codes[$code] = ($this->codes[$code] ?? 0) + 1;
        if ($outcome !== 'refused') {
            return;
        }
        $this->window[$code] ??= [0, []];
        $this->window[$code][0]++;
        $address = $record['remote_address'] ?? null;
        if (is_string($address) && count($this->window[$code][1]) < self::facts()['max_addresses']) {
            $this->window[$code][1][$address] = true;
        }
    }

    /** @return array{total: int, outcomes: array<string, int>, codes: array<string, int>} */
    public function snapshot(): array
    {
        $codes = $this->codes;
        ksort($codes, SORT_STRING);
        return ['total' => array_sum($this->outcomes), 'outcomes' => $this->outcomes, 'codes' => $codes];
    }

    /**
     * The refusals since the last call, one line per code with its likely cause; a new window.
     *
     * @return list<string>
     */
    public function anomalies(): array
    {
        $window = $this->window;
        $this->window = [];
        ksort($window, SORT_STRING);
        $lines = [];
        foreach ($window as $code => [$count, $addresses]) {
            $lines[] = self::anomaly((string) $code, $count, count($addresses));
        }
        return $lines;
    }

    /** The likely cause of many refusals with `$code` from `$senders` addresses (0: not known), in the core's words. */
    public static function likelyCause(string $code, int $senders): string
    {
        $causes = self::facts()['causes'];
        $cause = $causes[$code] ?? $causes['payload_invalid_json'];
        return $senders === 1 ? $cause['one'] : $cause['many'];
    }

    /** One line of an anomaly summary, as the core writes it. */
    public static function anomaly(string $code, int $count, int $senders): string
    {
        $from = self::facts()['from'];
        $place = match (true) {
            $senders === 0 => $from['unknown'],
            $senders === 1 => $from['one'],
            default => str_replace('{n}', (string) $senders, $from['many']),
        };
        return strtr(self::facts()['anomaly'], [
            '{count}' => (string) $count,
            '{code}' => $code,
            '{from}' => $place,
            '{cause}' => self::likelyCause($code, $senders),
        ]);
    }

    /** @return array<string, mixed> the core's `delivery` facts */
    public static function facts(): array
    {
        $facts = Runtime::get()->facts()['delivery'] ?? [];
        return is_array($facts) ? $facts : [];
    }
}
