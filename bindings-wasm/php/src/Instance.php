<?php

declare(strict_types=1);

namespace Payvost;

use FFI;
use FFI\CData;
use Payvost\Exception\EngineException;

/**
 * @internal The plain WebAssembly module loaded: compiled (or its machine
 * code read back by ModuleCache) and instantiated through the engine Engine
 * finds, with the standard WebAssembly C API (wasm.h), so that no engine's
 * private layouts are relied on. It calls exports by name, with the types
 * the module declares, and moves bytes in and out of its memory, by the ABI
 * of docs/wasm-abi.md. What the calls mean is Runtime's.
 *
 * A trap discards the instance and its store, and the next call makes fresh
 * ones from the compiled module.
 */
final class Instance
{
    private const I32 = 0;
    private const I64 = 1;
    private const F64 = 3;

    /** The ABI version this package calls (docs/wasm-abi.md, "Versions"). */
    public const ABI_VERSION = 1;

    private FFI $ffi;
    private CData $engine;
    private CData $module;
    private ?CData $store = null;
    private ?CData $instance = null;
    private ?CData $exports = null;
    private ?CData $memory = null;
    /** @var array<string, CData> */
    private array $functions = [];
    /** @var array<string, array{list<int>, ?int}> each export's parameter kinds and result kind, read from the module */
    private array $signatures = [];
    private CData $args;
    private CData $argsVec;
    private CData $results;
    private CData $resultsVec;
    /** Numbers instances, of every runtime: a verifier handle is only valid in the instance that made it. */
    private int $generation = 0;
    private static int $instances = 0;
    private int $inputAddress = 0;
    private int $inputCapacity = 0;

    public function __construct(private readonly string $path)
    {
        if (!extension_loaded('ffi')) {
            throw new EngineException(FfiAdvice::message(getenv(), 'is_file'), 'engine_unavailable');
        }
        $this->ffi = Engine::ffi();
        $this->engine = $this->ffi->wasm_engine_new();
        $this->newStore();
        $this->module = $this->compile();
        $this->args = $this->ffi->new('wasm_val_t[4]');
        $this->argsVec = $this->ffi->new('wasm_val_vec_t');
        $this->argsVec->data = FFI::addr($this->args[0]);
        $this->results = $this->ffi->new('wasm_val_t[1]');
        $this->resultsVec = $this->ffi->new('wasm_val_vec_t');
        $this->resultsVec->data = FFI::addr($this->results[0]);
        // The module's exports and their types, read once: every instance of it has the same.
        $this->signatures = $this->exportedSignatures();
        try {
            $this->instantiate();
            // The ABI's one rule for hosts: its version before any other call.
            $version = isset($this->signatures['pv_abi_version']) ? $this->call('pv_abi_version') : 0;
            if ($this->memory === null || $version !== self::ABI_VERSION) {
                throw new EngineException(
                    "The WebAssembly module {$this->path} speaks ABI version {$version}; this package calls version "
                    . self::ABI_VERSION . ': reinstall payvost/payvost-php, whose module and PHP code come together',
                    'engine_unavailable',
                );
            }
        } catch (EngineException $refused) {
            // PHP runs no destructor for an object whose constructor threw.
            $this->__destruct();
            throw $refused;
        }
    }

    /** How the module was obtained: 'compiled', or 'cache' (see ModuleCache::directory()). */
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
        $wasm = @file_get_contents($this->path);
        if ($wasm === false) {
            throw new EngineException('resources/payvost.wasm is missing from the package', 'engine_unavailable');
        }
        $cache = ModuleCache::open($wasm);
        $code = $cache?->read();
        if ($code !== null) {
            $module = $this->withBytes($code, fn (CData $bytes) => $this->ffi->wasm_module_deserialize($this->store, $bytes));
            // The engine refuses code from another of its versions: compile instead.
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
            $cache->write(FFI::string($out->data, $out->size));
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
        $types = $this->ffi->new('wasm_exporttype_vec_t');
        $this->ffi->wasm_module_exports($this->module, FFI::addr($types));
        $exports = $this->ffi->new('wasm_extern_vec_t', false);
        $this->ffi->wasm_instance_exports($instance, FFI::addr($exports));
        for ($i = 0; $i < $types->size; $i++) {
            $name = $this->ffi->wasm_exporttype_name($types->data[$i]);
            $name = FFI::string($name->data, $name->size);
            if ($name === 'memory') {
                $this->memory = $this->ffi->wasm_extern_as_memory($exports->data[$i]);
            } elseif (isset($this->signatures[$name])) {
                $this->functions[$name] = $this->ffi->wasm_extern_as_func($exports->data[$i]);
            }
        }
        $this->ffi->wasm_exporttype_vec_delete(FFI::addr($types));
        $this->instance = $instance;
        $this->exports = $exports;
        $this->inputAddress = 0;
        $this->inputCapacity = 0;
        $this->generation = ++self::$instances;
    }

    /**
     * Each function the module exports, with its parameter kinds and result
     * kind (null for none), read from the module: the calls this package
     * makes take their types from here (docs/wasm-abi.md lists them).
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
        [$kinds, $result] = $this->signatures[$name] ?? throw new EngineException(
            "The WebAssembly module {$this->path} has no export {$name}: reinstall payvost/payvost-php",
            'engine_unavailable',
        );
        if (count($values) !== count($kinds) || count($kinds) > count($this->args)) {
            throw new EngineException("{$name} takes " . count($kinds) . ' arguments, not ' . count($values), 'engine_unavailable');
        }
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
}
