<?php

declare(strict_types=1);

namespace Payvost;

use Payvost\Exception\EngineException;

/**
 * @internal Where the engine's machine code for the module is kept between
 * processes (wasm_module_serialize), so that a PHP-FPM worker loads it in
 * about 0.3 ms instead of compiling it.
 */
final class ModuleCache
{
    /**
     * The cache directory. PAYVOST_WASM_CACHE_DIR or the payvost.cache_dir
     * php.ini setting names one (`off` turns caching off); otherwise it is
     * payvost-wasm-<uid> in the system's temporary directory, created on
     * first use. It holds machine code that is loaded and run as is, so it
     * must be a real directory of this user's that no one else can write to:
     * a configured one that is not is an error, a default one that is not
     * (made by someone else first) is passed over and the module compiled.
     */
    public static function directory(): ?string
    {
        $configured = getenv('PAYVOST_WASM_CACHE_DIR') ?: (get_cfg_var('payvost.cache_dir') ?: null);
        if (is_string($configured) && $configured !== '') {
            if (strtolower($configured) === 'off') {
                return null;
            }
            if (!self::isPrivateDirectory($configured, true)) {
                throw new EngineException(
                    "The module cache directory {$configured} must exist, belong to this user and be writable by no one else "
                    . '(chmod 700): it holds machine code that is loaded as is.',
                    'engine_unavailable',
                );
            }
            return $configured;
        }
        if (!function_exists('posix_geteuid')) {
            return null;
        }
        $default = rtrim(sys_get_temp_dir(), '/') . '/payvost-wasm-' . posix_geteuid();
        return self::isPrivateDirectory($default, false) ? $default : null;
    }

    /**
     * Creates $directory (mode 700) if absent; true when it is a directory of
     * this user's that no one else can write to. A symbolic link is followed
     * only for a configured directory: one planted in a shared temporary
     * directory is not ours.
     */
    private static function isPrivateDirectory(string $directory, bool $followLink): bool
    {
        if (!file_exists($directory)) {
            @mkdir($directory, 0700, true);
        }
        clearstatcache(true, $directory);
        $stat = $followLink ? @stat($directory) : @lstat($directory);
        $owner = function_exists('posix_geteuid') ? posix_geteuid() : ($stat['uid'] ?? -1);
        return $stat !== false && ($stat['mode'] & 0o170000) === 0o040000
            && ($stat['mode'] & 0o022) === 0 && $stat['uid'] === $owner;
    }

    /** The cache file for this module and this engine library, if caching is on. */
    public static function file(string $wasm): ?string
    {
        $directory = self::directory();
        if ($directory === null) {
            return null;
        }
        // Machine code is only good for the engine build that made it.
        $library = Engine::identity();
        return $directory . '/payvost-' . hash('sha256', $wasm . "\0" . $library) . '.cwasm';
    }
}
