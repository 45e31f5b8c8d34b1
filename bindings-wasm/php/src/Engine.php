<?php

declare(strict_types=1);

namespace Payvost;

use FFI;
use Payvost\Exception\EngineException;

/**
 * @internal Finds and loads the WebAssembly engine: Wasmtime's C library,
 * bundled per platform in resources/engine/<platform>/, named by the user,
 * or installed system-wide, through PHP's FFI.
 */
final class Engine
{
    /** The engine's declarations (the part of wasm.h the package calls), and their FFI scope when preloaded. */
    public const WASM_H = __DIR__ . '/../resources/wasm.h';
    public const FFI_SCOPE = 'PAYVOST_WASM';

    /** The platforms the released package bundles an engine for (resources/engine/<platform>/). */
    public const BUNDLED_PLATFORMS = [
        'linux-x86_64', 'linux-aarch64', 'linux-x86_64-musl', 'linux-aarch64-musl', 'darwin-x86_64', 'darwin-aarch64',
    ];

    /** Where a system-wide Wasmtime C library is looked for, after the one the package bundles. */
    public const SYSTEM_LIBRARIES = [
        '/usr/local/lib/libwasmtime.so',
        '/usr/lib/libwasmtime.so',
        '/usr/lib/x86_64-linux-gnu/libwasmtime.so',
        '/usr/lib/aarch64-linux-gnu/libwasmtime.so',
        '/usr/local/lib/libwasmtime.dylib',
        '/opt/homebrew/lib/libwasmtime.dylib',
    ];

    /** The engine library's identity (path, size, time): machine code is only good for the build that made it. */
    public static function identity(): string
    {
        try {
            $path = self::library();
        } catch (EngineException) {
            return 'preloaded';
        }
        $real = realpath($path) ?: $path;
        return $real . "\0" . (@filesize($real) ?: 0) . "\0" . (@filemtime($real) ?: 0);
    }

    /** The engine's functions: the declarations php.ini preloaded (ffi.preload), else the library loaded now. */
    public static function ffi(): FFI
    {
        // One per process: PHP's FFI mixes up the types of a second cdef()
        // of the same declarations once the first is freed.
        return self::$ffi ??= self::preloaded() ?? self::load();
    }

    private static ?FFI $ffi = null;

    /** The declarations php.ini preloaded (ffi.preload), if it did. */
    private static function preloaded(): ?FFI
    {
        try {
            return FFI::scope(self::FFI_SCOPE);
        } catch (\FFI\Exception) {
            return null;
        }
    }

    private static function load(): FFI
    {
        $library = self::library();
        // FFI::cdef() takes declarations only: drop the lines meant for ffi.preload.
        $declarations = preg_replace('/^#define .*$/m', '', (string) file_get_contents(self::WASM_H));
        try {
            return FFI::cdef($declarations, $library);
        } catch (\FFI\Exception $e) {
            $hint = str_contains($e->getMessage(), 'ffi.enable')
                ? ' Outside the CLI (PHP-FPM, php -S) FFI needs ffi.enable=true in php.ini, or ffi.preload: see the package README.'
                : '';
            throw new EngineException("The Wasmtime C library at {$library} could not be loaded: {$e->getMessage()}.{$hint}", 'engine_unavailable');
        }
    }

    /**
     * The Wasmtime C library: the one PAYVOST_WASMTIME_LIB or the
     * payvost.wasmtime_library php.ini setting names, else the one the
     * package bundles for this platform (resources/engine/<platform>/), else
     * a system-wide one.
     */
    public static function library(): string
    {
        $named = getenv('PAYVOST_WASMTIME_LIB') ?: (get_cfg_var('payvost.wasmtime_library') ?: null);
        if (is_string($named) && $named !== '') {
            return $named;
        }
        $bundled = self::bundledLibrary();
        if (is_file($bundled)) {
            return $bundled;
        }
        foreach (self::SYSTEM_LIBRARIES as $path) {
            if (is_file($path)) {
                return $path;
            }
        }
        $platform = self::platform();
        $install = "install Wasmtime's C library (libwasmtime, 48 or newer) and name it with the PAYVOST_WASMTIME_LIB "
            . 'environment variable or the payvost.wasmtime_library php.ini setting.';
        throw new EngineException(
            in_array($platform, self::BUNDLED_PLATFORMS, true)
                ? "The package's Wasmtime engine for {$platform} is missing ({$bundled}): install the released package "
                    . '(composer require payvost/payvost-php) rather than a copy of the repository, or ' . $install
                : "No Wasmtime engine is bundled for {$platform} (the package has one for "
                    . implode(', ', self::BUNDLED_PLATFORMS) . '): ' . $install,
            'engine_unavailable',
        );
    }

    /** The engine the package bundles for this platform (the file may be absent). */
    public static function bundledLibrary(): string
    {
        $extension = PHP_OS_FAMILY === 'Darwin' ? 'dylib' : 'so';
        return dirname(__DIR__) . '/resources/engine/' . self::platform() . "/libwasmtime.{$extension}";
    }

    /** This machine as the bundled engines are named: linux-x86_64, linux-aarch64-musl, darwin-aarch64... */
    public static function platform(): string
    {
        $os = strtolower(PHP_OS_FAMILY);
        $arch = match ($machine = strtolower(php_uname('m'))) {
            'x86_64', 'amd64' => 'x86_64',
            'aarch64', 'arm64' => 'aarch64',
            default => $machine,
        };
        // musl's loader is mapped into every process linked against it.
        $musl = $os === 'linux' && str_contains((string) @file_get_contents('/proc/self/maps'), '/ld-musl-');
        return "{$os}-{$arch}" . ($musl ? '-musl' : '');
    }
}
