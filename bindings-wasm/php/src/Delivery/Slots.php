<?php

declare(strict_types=1);

namespace Payvost\Delivery;

/**
 * At most `$limit` deliveries at once, across every PHP process of the host
 * (PHP-FPM's workers each handle one request, so an in-process count would
 * never see the others): one lock file per slot in `$directory`, held with
 * flock() while a delivery runs. The system releases a lock when its
 * process ends, so a worker that dies frees its slot.
 *
 * @internal the middleware's `maxConcurrent`
 */
final class Slots
{
    private string $directory;

    public function __construct(private int $limit, ?string $directory = null)
    {
        $this->directory = $directory ?? sys_get_temp_dir() . '/payvost-webhook-slots';
        if (!is_dir($this->directory)) {
            @mkdir($this->directory, 0o700, true);
        }
    }

    /** @return resource|null a held slot, to release(); null when all `$limit` are held */
    public function enter()
    {
        for ($i = 0; $i < $this->limit; $i++) {
            $lock = @fopen("{$this->directory}/{$i}.lock", 'c');
            if ($lock === false) {
                throw new \RuntimeException("payvost: cannot open the slot files of maxConcurrent in {$this->directory}: is it writable?");
            }
            if (flock($lock, LOCK_EX | LOCK_NB)) {
                return $lock;
            }
            fclose($lock);
        }
        return null;
    }

    /** @param resource $slot */
    public function release($slot): void
    {
        flock($slot, LOCK_UN);
        fclose($slot);
    }

    public function limit(): int
    {
        return $this->limit;
    }
}
