<?php

declare(strict_types=1);

namespace Payvost;

use FFI;
use FFI\CData;
use Payvost\Exception\EngineException;

/**
 * @internal The plain WebAssembly module (resources/payvost.wasm, its C ABI
 * documented in bindings-wasm/src/plain.rs), run through PHP's FFI and the
 * standard WebAssembly C API (wasm.h), so that no engine's private layouts
 * are relied on. Wasmtime's C library is the tested engine.
 *
 * The module is compiled once per process; a trap discards the instance and
 * its store, and the next call makes fresh ones.
 */
final class Runtime
{
    /** The engine's declarations (the part of wasm.h the package calls), and their FFI scope when preloaded. */
    public const WASM_H = __DIR__ . '/../resources/wasm.h';
    public const FFI_SCOPE = 'PAYVOST_WASM';

    private const I32 = 0;
    private const I64 = 1;
    private const F64 = 3;

    /** Each export's parameter kinds, and the kind of its result (null for none). */
    public const SIGNATURES = [
        'pv_input' => [[self::I32], self::I32],
        'pv_verifier_new' => [[self::I32, self::F64], self::I32],
        'pv_verifier_free' => [[self::I32], null],
        'pv_construct' => [[self::I32, self::I32, self::I32, self::I64], self::I32],
        'pv_verify' => [[self::I32, self::I32, self::I32, self::I64], self::I32],
        'pv_sign' => [[self::I32, self::I32, self::I64], self::I32],
        'pv_facts' => [[], self::I32],
        'pv_unix_seconds' => [[self::F64], self::I64],
        'pv_output_ptr' => [[], self::I32],
        'pv_output_len' => [[], self::I32],
        'pv_trap_for_tests' => [[], null],
    ];

    /** Where the Wasmtime C library is looked for when nothing names it. */
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

    private static ?self $shared = null;

    private FFI $ffi;
    private CData $engine;
    private CData $module;
    private ?CData $store = null;
    private ?CData $instance = null;
    private ?CData $exports = null;
    private ?CData $memory = null;
    /** @var array<string, CData> */
    private array $functions = [];
    private CData $args;
    private CData $argsVec;
    private CData $results;
    private CData $resultsVec;
    /** Counts instances: a verifier handle is only valid in the instance that made it. */
    private int $generation = 0;
    private int $inputAddress = 0;
    private int $inputCapacity = 0;
    /** @var list<string> */
    private array $codes;
    /** @var array<string, mixed> the core's shared facts (pv_facts) */
    private array $facts;
    /** @var array<string, string> each error code's category */
    private array $categories;

    public static function get(): self
    {
        return self::$shared ??= new self();
    }

    private function __construct()
    {
        if (!extension_loaded('ffi')) {
            throw new EngineException(
                "PHP's FFI extension is not loaded. It ships with Debian's php-cli; elsewhere install php-ffi, "
                . 'and in PHP-FPM set ffi.enable=true (see the package README).',
                'engine_unavailable',
            );
        }
        $this->ffi = self::preloaded() ?? self::load();
        $this->engine = $this->ffi->wasm_engine_new();
        $this->newStore();
        $this->module = $this->compile();
        $this->args = $this->ffi->new('wasm_val_t[4]');
        $this->argsVec = $this->ffi->new('wasm_val_vec_t');
        $this->argsVec->data = FFI::addr($this->args[0]);
        $this->results = $this->ffi->new('wasm_val_t[1]');
        $this->resultsVec = $this->ffi->new('wasm_val_vec_t');
        $this->resultsVec->data = FFI::addr($this->results[0]);
        $this->instantiate();
        $this->call('pv_facts');
        $facts = json_decode($this->output(), true, 512, JSON_THROW_ON_ERROR);
        $this->facts = is_array($facts) ? $facts : [];
        $this->codes = array_column($this->facts['errors'] ?? [], 'code');
        $this->categories = array_column($this->facts['errors'] ?? [], 'category', 'code');
    }

    /** How the module was obtained: 'compiled', or 'cache' (see cacheDirectory()). */
    private string $source = 'compiled';

    public function source(): string
    {
        return $this->source;
    }

    /**
     * The module, compiled from resources/payvost.wasm, or, when a cache
     * directory is configured, the engine's machine code for it saved there by
     * an earlier process (wasm_module_serialize): about 0.3 ms instead of tens.
     */
    private function compile(): CData
    {
        $wasm = file_get_contents(__DIR__ . '/../resources/payvost.wasm');
        if ($wasm === false) {
            throw new EngineException('resources/payvost.wasm is missing from the package', 'engine_unavailable');
        }
        $cache = self::cacheFile($wasm);
        if ($cache !== null && is_file($cache)) {
            $module = $this->withBytes((string) file_get_contents($cache), fn (CData $bytes) => $this->ffi->wasm_module_deserialize($this->store, $bytes));
            // A cache from another engine version, or damaged, is refused: compile instead.
            if ($module !== null) {
                $this->source = 'cache';
                return $module;
            }
        }
        $module = $this->withBytes($wasm, fn (CData $bytes) => $this->ffi->wasm_module_new($this->store, $bytes));
        if ($module === null) {
            throw new EngineException('The WebAssembly module did not compile', 'engine_unavailable');
        }
        if ($cache !== null) {
            $out = $this->ffi->new('wasm_byte_vec_t');
            $this->ffi->wasm_module_serialize($module, FFI::addr($out));
            $temporary = $cache . '.' . getmypid() . '.tmp';
            if (@file_put_contents($temporary, FFI::string($out->data, $out->size)) !== false) {
                chmod($temporary, 0600);
                rename($temporary, $cache); // atomic: a reader sees a whole file or none
            }
            $this->ffi->wasm_byte_vec_delete(FFI::addr($out));
        }
        return $module;
    }

    /** Calls $use with a wasm_byte_vec_t holding $bytes, then frees it. */
    private function withBytes(string $bytes, callable $use): ?CData
    {
        $vec = $this->ffi->new('wasm_byte_vec_t');
        $this->ffi->wasm_byte_vec_new(FFI::addr($vec), strlen($bytes), $bytes);
        try {
            return $use(FFI::addr($vec));
        } finally {
            $this->ffi->wasm_byte_vec_delete(FFI::addr($vec));
        }
    }

    /**
     * The cache directory. PAYVOST_WASM_CACHE_DIR or the payvost.cache_dir
     * php.ini setting names one (`off` turns caching off); otherwise it is
     * payvost-wasm-<uid> in the system's temporary directory, created on
     * first use. It holds machine code that is loaded and run as is, so it
     * must be a real directory of this user's that no one else can write to:
     * a configured one that is not is an error, a default one that is not
     * (made by someone else first) is passed over and the module compiled.
     */
    public static function cacheDirectory(): ?string
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
    private static function cacheFile(string $wasm): ?string
    {
        $directory = self::cacheDirectory();
        if ($directory === null) {
            return null;
        }
        // Machine code is only good for the engine build that made it.
        $library = self::preloadedLibraryIdentity();
        return $directory . '/payvost-' . hash('sha256', $wasm . "\0" . $library) . '.cwasm';
    }

    private static function preloadedLibraryIdentity(): string
    {
        try {
            $path = self::library();
        } catch (EngineException) {
            return 'preloaded';
        }
        $real = realpath($path) ?: $path;
        return $real . "\0" . (@filesize($real) ?: 0) . "\0" . (@filemtime($real) ?: 0);
    }

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

    private function newStore(): void
    {
        $this->store = $this->ffi->wasm_store_new($this->engine);
    }

    private function instantiate(): void
    {
        $imports = $this->ffi->new('wasm_extern_vec_t');
        $imports->size = 0;
        $trap = $this->ffi->new('wasm_trap_t*');
        $instance = $this->ffi->wasm_instance_new($this->store, $this->module, FFI::addr($imports), FFI::addr($trap));
        if ($instance === null) {
            throw new EngineException('The WebAssembly module could not be instantiated', 'engine_unavailable');
        }
        $exported = $this->exportedSignatures();
        foreach (self::SIGNATURES as $name => $signature) {
            if (($exported[$name] ?? null) !== $signature) {
                throw new EngineException("The WebAssembly module's export {$name} is missing or has another type than this package calls", 'engine_unavailable');
            }
        }
        $types = $this->ffi->new('wasm_exporttype_vec_t');
        $this->ffi->wasm_module_exports($this->module, FFI::addr($types));
        $exports = $this->ffi->new('wasm_extern_vec_t', false);
        $this->ffi->wasm_instance_exports($instance, FFI::addr($exports));
        for ($i = 0; $i < $types->size; $i++) {
            $name = $this->ffi->wasm_exporttype_name($types->data[$i]);
            $name = FFI::string($name->data, $name->size);
            if ($name === 'memory') {
                $this->memory = $this->ffi->wasm_extern_as_memory($exports->data[$i]);
            } elseif (isset(self::SIGNATURES[$name])) {
                $this->functions[$name] = $this->ffi->wasm_extern_as_func($exports->data[$i]);
            }
        }
        $this->ffi->wasm_exporttype_vec_delete(FFI::addr($types));
        if ($this->memory === null || count($this->functions) !== count(self::SIGNATURES)) {
            throw new EngineException('The WebAssembly module lacks exports this package needs', 'engine_unavailable');
        }
        $this->instance = $instance;
        $this->exports = $exports;
        $this->inputAddress = 0;
        $this->inputCapacity = 0;
        $this->generation++;
    }

    /**
     * Each function the module exports, with its parameter kinds and result
     * kind (null for none), in the form of SIGNATURES, read from the module.
     *
     * @internal
     * @return array<string, array{list<int>, ?int}>
     */
    public function exportedSignatures(): array
    {
        $types = $this->ffi->new('wasm_exporttype_vec_t');
        $this->ffi->wasm_module_exports($this->module, FFI::addr($types));
        $kinds = function (CData $vector): array {
            $kinds = [];
            for ($i = 0; $i < $vector->size; $i++) {
                $kinds[] = $this->ffi->wasm_valtype_kind($vector->data[$i]);
            }
            return $kinds;
        };
        $signatures = [];
        for ($i = 0; $i < $types->size; $i++) {
            $function = $this->ffi->wasm_externtype_as_functype_const($this->ffi->wasm_exporttype_type($types->data[$i]));
            if ($function === null) {
                continue; // the memory
            }
            $name = $this->ffi->wasm_exporttype_name($types->data[$i]);
            $results = $kinds($this->ffi->wasm_functype_results($function));
            $signatures[FFI::string($name->data, $name->size)] = [$kinds($this->ffi->wasm_functype_params($function)), $results[0] ?? null];
        }
        $this->ffi->wasm_exporttype_vec_delete(FFI::addr($types));
        return $signatures;
    }

    /** After a trap: the instance and its store are dropped, fresh ones made. */
    private function reset(): void
    {
        $this->dropInstance();
        $this->ffi->wasm_store_delete($this->store);
        $this->newStore();
        $this->instantiate();
    }

    private function dropInstance(): void
    {
        $this->functions = [];
        $this->memory = null;
        if ($this->exports !== null) {
            $this->ffi->wasm_extern_vec_delete(FFI::addr($this->exports));
            FFI::free($this->exports);
            $this->exports = null;
        }
        if ($this->instance !== null) {
            $this->ffi->wasm_instance_delete($this->instance);
            $this->instance = null;
        }
    }

    /**
     * The engine's objects live outside PHP's memory manager: PHP-FPM ends
     * each request by destroying this object, and without this every request
     * would leak an engine, a compiled module and an instance (about 400 KiB).
     */
    public function __destruct()
    {
        $this->dropInstance();
        if (isset($this->module)) {
            $this->ffi->wasm_module_delete($this->module);
        }
        if (isset($this->store)) {
            $this->ffi->wasm_store_delete($this->store);
        }
        if (isset($this->engine)) {
            $this->ffi->wasm_engine_delete($this->engine);
        }
    }

    public function generation(): int
    {
        return $this->generation;
    }

    /** Calls an export with integer and float arguments; its integer result, or 0. */
    public function call(string $name, int|float ...$values): int
    {
        [$kinds, $result] = self::SIGNATURES[$name];
        foreach ($kinds as $i => $kind) {
            $arg = $this->args[$i];
            $arg->kind = $kind;
            match ($kind) {
                self::I32 => $arg->of->i32 = (int) $values[$i],
                self::I64 => $arg->of->i64 = (int) $values[$i],
                self::F64 => $arg->of->f64 = (float) $values[$i],
            };
        }
        $this->argsVec->size = count($kinds);
        $this->resultsVec->size = $result === null ? 0 : 1;
        $trap = $this->ffi->wasm_func_call($this->functions[$name], FFI::addr($this->argsVec), FFI::addr($this->resultsVec));
        if ($trap !== null) {
            $message = $this->ffi->new('wasm_message_t');
            $this->ffi->wasm_trap_message($trap, FFI::addr($message));
            $text = FFI::string($message->data, $message->size);
            $this->ffi->wasm_byte_vec_delete(FFI::addr($message));
            $this->ffi->wasm_trap_delete($trap);
            $this->reset();
            throw new EngineException("The WebAssembly module trapped ({$text}); the next call uses a fresh instance", 'engine_trap');
        }
        return match ($result) {
            null => 0,
            self::I64 => $this->results[0]->of->i64,
            default => $this->results[0]->of->i32,
        };
    }

    /** Puts `$bytes` at the start of the module's input buffer. */
    public function write(#[\SensitiveParameter] string $bytes): void
    {
        $length = strlen($bytes);
        if ($length > $this->inputCapacity) {
            $this->inputAddress = $this->call('pv_input', $length) & 0xFFFFFFFF;
            if ($this->inputAddress === 0) {
                throw new EngineException("The module could not hold {$length} bytes of input", 'engine_unavailable');
            }
            $this->inputCapacity = $length;
        }
        if ($length === 0) {
            return;
        }
        $memory = $this->ffi->wasm_memory_data($this->memory);
        if ($this->inputAddress + $length > $this->ffi->wasm_memory_data_size($this->memory)) {
            throw new EngineException('The module reported an input buffer outside its memory', 'engine_unavailable');
        }
        FFI::memcpy($memory + $this->inputAddress, $bytes, $length);
    }

    /** The module's output buffer: a result, or an error's message. */
    public function output(): string
    {
        $address = $this->call('pv_output_ptr') & 0xFFFFFFFF;
        $length = $this->call('pv_output_len') & 0xFFFFFFFF;
        if ($length === 0) {
            return '';
        }
        if ($address + $length > $this->ffi->wasm_memory_data_size($this->memory)) {
            throw new EngineException('The module reported an output buffer outside its memory', 'engine_unavailable');
        }
        return FFI::string($this->ffi->wasm_memory_data($this->memory) + $address, $length);
    }

    /** The code of an error status the module returned (its 1-based position). */
    public function code(int $status): string
    {
        return $this->codes[abs($status) - 1] ?? 'payload_wrong_type';
    }

    /** @return list<string> */
    public function codes(): array
    {
        return $this->codes;
    }

    /** The category of an error code (signature, payload or configuration), as the core decides. */
    public function category(string $code): ?string
    {
        return $this->categories[$code] ?? null;
    }

    /**
     * The facts every door shares, read from the core when the module loads.
     *
     * @return array<string, mixed>
     */
    public function facts(): array
    {
        return $this->facts;
    }

    /** The system clock in unix seconds, by the core's rule for a clock read as a number. */
    public function now(): int
    {
        return $this->call('pv_unix_seconds', microtime(true));
    }
}
