<?php

declare(strict_types=1);

namespace Payvost;

/**
 * @internal Verifiers in the module, one per secrets and tolerance: each
 * keeps its secrets' HMAC key state, so a verification pays no key setup.
 * Servers use one secret over and over: the last verifier is kept.
 */
final class Verifiers
{
    private static ?string $key = null;
    private static int $handle = 0;
    private static int $generation = 0;

    public static function for(#[\SensitiveParameter] mixed $secret, mixed $tolerance): int
    {
        $secrets = Arguments::secrets($secret);
        $seconds = Arguments::tolerance($tolerance);
        $runtime = Runtime::get();
        // A digest, so the secrets are not kept in a static property in clear.
        $key = hash('sha256', serialize([$secrets, $seconds]));
        if ($key === self::$key && self::$generation === $runtime->generation()) {
            return self::$handle;
        }
        if (self::$generation === $runtime->generation() && self::$handle > 0) {
            $runtime->call('pv_verifier_free', self::$handle);
        }
        $encoded = pack('V', count($secrets));
        foreach ($secrets as $s) {
            $encoded .= pack('V', strlen($s)) . $s;
        }
        $runtime->write($encoded);
        $handle = $runtime->call('pv_verifier_new', strlen($encoded), $seconds);
        if ($handle <= 0) {
            self::$key = null;
            throw Errors::make($runtime->code($handle), $runtime->output());
        }
        [self::$key, self::$handle, self::$generation] = [$key, $handle, $runtime->generation()];
        return $handle;
    }
}
