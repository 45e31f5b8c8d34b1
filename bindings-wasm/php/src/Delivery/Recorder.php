<?php

declare(strict_types=1);

namespace Payvost\Delivery;

use Payvost\Event;
use Payvost\Verified;

/**
 * A middleware's delivery records (protocol §10.2): each built in the
 * core's field order, counted in its DeliveryStats, logged to its PSR-3
 * logger (info for processed, duplicate and in progress, warning for
 * refused and shed, error for failed, the record as the context) and handed
 * to `onDelivery`, whose exceptions never change the answer.
 *
 * @internal
 */
final class Recorder
{
    private const LEVELS = [
        'processed' => 'info', 'duplicate' => 'info', 'in_progress' => 'info',
        'refused' => 'warning', 'shed' => 'warning', 'failed' => 'error',
    ];

    /** @var (callable(array<string, mixed>): mixed)|null */
    private $onDelivery;

    /** @param (callable(array<string, mixed>): mixed)|null $onDelivery */
    public function __construct(public readonly DeliveryStats $stats, ?callable $onDelivery, private ?\Psr\Log\LoggerInterface $logger)
    {
        $this->onDelivery = $onDelivery;
    }

    /** @return array{float, int, ?string} when and from where a request arrived */
    public static function arrival(\Psr\Http\Message\ServerRequestInterface $request): array
    {
        $address = $request->getServerParams()['REMOTE_ADDR'] ?? null;
        return [hrtime(true) / 1e6, time(), is_string($address) && $address !== '' ? $address : null];
    }

    /**
     * Records one delivery.
     *
     * @param array{float, int, ?string} $arrival
     * @param array{Event, Verified}|null $proven
     */
    public function record(array $arrival, string $outcome, int $status, ?array $proven = null, ?string $code = null, ?int $attempt = null): void
    {
        [$at, $unix, $address] = $arrival;
        $values = ['outcome' => $outcome, 'code' => $code, 'status' => $status, 'attempt' => $attempt];
        if ($proven !== null) {
            [$event, $verified] = $proven;
            $values += [
                'event_id' => $event->id,
                'event_type' => $event->type,
                'signature_age' => time() - $verified->timestamp,
                'secret_index' => $verified->secretIndex,
            ];
        }
        $values += ['duration_ms' => hrtime(true) / 1e6 - $at, 'received_at' => $unix, 'remote_address' => $address];
        $record = [];
        foreach (DeliveryStats::facts()['fields'] as $field) {
            if (isset($values[$field])) {
                $record[$field] = $values[$field];
            }
        }
        $this->stats->record($record);
        $this->logger?->log(self::LEVELS[$outcome] ?? 'error', "payvost delivery {$outcome}: {$status}", $record);
        if ($this->onDelivery === null) {
            return;
        }
        try {
            ($this->onDelivery)($record);
        } catch (\Throwable $hookError) {
            $said = sprintf('payvost: onDelivery threw %s (%s) for a delivery answered %d', $hookError::class, $hookError->getMessage(), $status);
            $this->logger !== null ? $this->logger->error($said, ['exception' => $hookError]) : error_log($said);
        }
    }
}
