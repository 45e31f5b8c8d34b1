<?php

declare(strict_types=1);

namespace Payvost;

/**
 * @internal Where the engine's machine code for the module is kept between
 * processes (wasm_module_serialize), so that a PHP-FPM worker loads it in
 * about 0.3 ms instead of compiling it.
 *
 * The engine runs that machine code as it is, so nothing is read that this
 * user did not write for this module and this engine:
 *  - the directory is resolved once, and every file is named through that
 *    resolved path, so a symbolic link swapped later changes nothing;
 *  - the directory and each of its parents must be out of other users'
 *    reach (owned by this user or root, and writable by no one else unless
 *    sticky, as /tmp is);
 *  - a cache file must be a regular file, not a link, owned by this user and
 *    writable by no one else, checked on the open handle that is then read;
 *  - its contents carry a digest keyed by this module and this engine, so a
 *    file altered in any byte, or made for another build, is recompiled.
 * Any doubt means compiling, never an error: a cache is only a speed-up.
 */
final class ModuleCache
{
    /** The first bytes of a cache file of this format, before its digest. */
    private const MAGIC = "PVCWASM1";
    private const DIGEST_BYTES = 32;

    /** @var array<string, true> warnings already given by this process, so a worker says each once */
    private static array $warned = [];

    private function __construct(
        private readonly string $file,
        private readonly string $key,
    ) {
    }

    /**
     * The cache for $wasm under this engine, or null when caching is off or no
     * safe directory can be had (a configured directory that is not safe is
     * reported once through error_log).
     */
    public static function open(string $wasm): ?self
    {
        $directory = self::directory();
        if ($directory === null) {
            return null;
        }
        // Machine code is only good for the module and engine build that made it.
        $key = hash('sha256', $wasm . "\0" . Engine::identity(), true);
        return new self($directory . '/payvost-' . bin2hex($key) . '.cwasm', $key);
    }

    /**
     * The resolved cache directory. PAYVOST_WASM_CACHE_DIR or the
     * payvost.cache_dir php.ini setting names one (`off` turns caching off);
     * otherwise it is payvost-wasm-<uid> in the system's temporary directory,
     * created on first use with mode 700.
     */
    public static function directory(): ?string
    {
        if (!function_exists('posix_geteuid')) {
            return null; // no way to know who owns what
        }
        $configured = getenv('PAYVOST_WASM_CACHE_DIR') ?: (get_cfg_var('payvost.cache_dir') ?: null);
        if (is_string($configured) && $configured !== '') {
            if (strtolower($configured) === 'off') {
                return null;
            }
            $resolved = self::create($configured) ? realpath($configured) : false;
            $problem = $resolved === false ? 'does not exist and could not be created' : self::problem($resolved);
            if ($problem !== null) {
                self::warn("payvost: the module cache directory {$configured} is not used, so every process compiles the "
                    . "module (200 to 300 ms): it {$problem}. It holds machine code that is run as is: make it a directory "
                    . 'of the PHP user\'s own that no one else can write to (install -d -m 700 -o <php user> DIR), '
                    . 'or set payvost.cache_dir = off.');
                return null;
            }
            return $resolved;
        }
        // In a shared temporary directory a link or a directory planted by
        // someone else first is never ours: it is passed over, silently.
        $default = rtrim(sys_get_temp_dir(), '/') . '/payvost-wasm-' . posix_geteuid();
        $link = self::create($default) ? @lstat($default) : false;
        if ($link === false || !self::isDirectory($link)) {
            return null;
        }
        $resolved = realpath($default);
        return $resolved !== false && self::problem($resolved) === null ? $resolved : null;
    }

    /**
     * The machine code saved for this module and engine, or null: no file, or
     * one that is not exactly what this user saved for them.
     */
    public function read(): ?string
    {
        clearstatcache(true, $this->file);
        $before = @lstat($this->file);
        if ($before === false || !self::isRegularFile($before)) {
            return null; // absent, a link, a pipe that would block: none is read
        }
        $handle = @fopen($this->file, 'rb');
        if ($handle === false) {
            return null;
        }
        try {
            $opened = fstat($handle);
            if ($opened === false || !self::isRegularFile($opened) || !self::isOurs($opened)
                || $opened['dev'] !== $before['dev'] || $opened['ino'] !== $before['ino']) {
                return null;
            }
            $contents = stream_get_contents($handle);
        } finally {
            fclose($handle);
        }
        $header = strlen(self::MAGIC) + self::DIGEST_BYTES;
        if (!is_string($contents) || strlen($contents) <= $header || !str_starts_with($contents, self::MAGIC)) {
            return null;
        }
        $code = substr($contents, $header);
        $digest = substr($contents, strlen(self::MAGIC), self::DIGEST_BYTES);
        return hash_equals($this->digest($code), $digest) ? $code : null;
    }

    /**
     * Saves $code under a fresh name, then renames it into place, so a reader
     * sees a whole file or none; failures only leave the cache cold.
     */
    public function write(string $code): void
    {
        $temporary = dirname($this->file) . '/.payvost-' . bin2hex(random_bytes(8)) . '.tmp';
        // 'x' is O_CREAT|O_EXCL: it never opens what is already there, a link included.
        $handle = @fopen($temporary, 'xb');
        if ($handle === false) {
            return;
        }
        $written = @fwrite($handle, self::MAGIC . $this->digest($code) . $code);
        fclose($handle);
        if ($written === false || !@chmod($temporary, 0600) || !@rename($temporary, $this->file)) {
            @unlink($temporary);
        }
    }

    private function digest(string $code): string
    {
        return hash_hmac('sha256', $code, $this->key, true);
    }

    /** Makes $directory (mode 700) when nothing is there; false when it still is not there. */
    private static function create(string $directory): bool
    {
        return file_exists($directory) || is_link($directory) || @mkdir($directory, 0700, true) || is_dir($directory);
    }

    /**
     * Why the resolved $directory cannot hold machine code, or null when it
     * can: it and every parent must be out of other users' reach.
     */
    private static function problem(string $directory): ?string
    {
        clearstatcache();
        $stat = @lstat($directory);
        if ($stat === false || !self::isDirectory($stat)) {
            return 'is not a directory';
        }
        if (!self::isOurs($stat)) {
            return $stat['uid'] !== posix_geteuid() ? 'belongs to another user' : 'can be written by other users';
        }
        for ($parent = dirname($directory); ; $parent = dirname($parent)) {
            $stat = @lstat($parent);
            $sticky = $stat !== false && ($stat['mode'] & 0o1000) !== 0;
            if ($stat === false || !in_array($stat['uid'], [0, posix_geteuid()], true)
                || (($stat['mode'] & 0o022) !== 0 && !$sticky)) {
                return "lies in {$parent}, which another user could change";
            }
            if ($parent === dirname($parent)) {
                return null;
            }
        }
    }

    /** @param array<int|string, int> $stat */
    private static function isOurs(array $stat): bool
    {
        return $stat['uid'] === posix_geteuid() && ($stat['mode'] & 0o022) === 0;
    }

    /** @param array<int|string, int> $stat */
    private static function isDirectory(array $stat): bool
    {
        return ($stat['mode'] & 0o170000) === 0o040000;
    }

    /** @param array<int|string, int> $stat */
    private static function isRegularFile(array $stat): bool
    {
        return ($stat['mode'] & 0o170000) === 0o100000;
    }

    private static function warn(string $message): void
    {
        // error_log, not trigger_error: frameworks turn warnings into exceptions.
        if (!isset(self::$warned[$message])) {
            self::$warned[$message] = true;
            error_log($message);
        }
    }
}
