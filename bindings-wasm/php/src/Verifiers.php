<?php

declare(strict_types=1);

namespace Payvost;

/**
 * @internal Verifiers in the module, one per secrets and tolerance: each
 * keeps its secrets' HMAC key state, so a verification pays no key setup.
 * The one-line calls keep the last 16 used, so an app serving several
 * endpoints builds none per request. Keys are digests, so no secret sits in
 * a static property in clear.
 */
final class Verifiers
{
    public const SIZE = 16;

    /** @var array<string, int> digest of secrets and tolerance => handle, least recently used first */
    private static array $kept = [];
    private static int $generation = 0;

    public static function for(#[\SensitiveParameter] mixed $secret, mixed $tolerance): int
    {
        $secrets = Arguments::secrets($secret);
        $seconds = Arguments::tolerance($tolerance);
        $runtime = Runtime::get();
        if (self::$generation !== $runtime->generation()) {
            // A new instance (after a trap): the old handles are gone with it.
            [self::$kept, self::$generation] = [[], $runtime->generation()];
        }
        $key = hash('sha256', serialize([$secrets, $seconds]));
        $handle = self::$kept[$key] ?? null;
        if ($handle !== null) {
            unset(self::$kept[$key]);
            self::$kept[$key] = $handle; // most recently used last
            return $handle;
        }
        $handle = self::build($runtime, $secrets, $seconds);
        if (count(self::$kept) >= self::SIZE) {
            $oldest = array_key_first(self::$kept);
            $runtime->call('pv_verifier_free', self::$kept[$oldest]);
            unset(self::$kept[$oldest]);
        }
        self::$kept[$key] = $handle;
        return $handle;
    }

    /**
     * A new verifier in the module, owned by the caller.
     *
     * @param list<string> $secrets
     */
    public static function build(Runtime $runtime, #[\SensitiveParameter] array $secrets, float $seconds): int
    {
        $encoded = pack('V', count($secrets));
        foreach ($secrets as $s) {
            $encoded .= pack('V', strlen($s)) . $s;
        }
        $runtime->write($encoded);
        $handle = $runtime->call('pv_verifier_new', strlen($encoded), $seconds);
        if ($handle <= 0) {
            throw Errors::make($runtime->code($handle), $runtime->output());
        }
        return $handle;
    }

    /** How many verifiers the one-line calls keep now. */
    public static function count(): int
    {
        return count(self::$kept);
    }
}
