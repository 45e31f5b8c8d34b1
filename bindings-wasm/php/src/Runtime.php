<?php

declare(strict_types=1);

namespace Payvost;

/**
 * @internal The plain WebAssembly module as the package calls it (its ABI in
 * docs/wasm-abi.md): verifications, the core's facts, codes and clock, and
 * the echo of what an error carries. One per process, loaded on first use
 * (Instance loads and calls it).
 */
final class Runtime
{
    /** The ABI version this package calls (docs/wasm-abi.md, "Versions"). */
    public const ABI_VERSION = Instance::ABI_VERSION;

    private static ?self $shared = null;
    /** The module the shared runtime loads: the package's, unless a test swapped in another. */
    private static ?string $modulePath = null;

    private Instance $instance;
    /** @var list<string> */
    private array $codes;
    /** @var array<string, mixed> the core's shared facts (pv_facts) */
    private array $facts;
    /** @var array<string, string> each error code's category */
    private array $categories;

    public static function get(): self
    {
        return self::$shared ??= new self(new Instance(self::$modulePath ?? __DIR__ . '/../resources/payvost.wasm'));
    }

    /**
     * @internal For the package's own tests: the shared runtime is made anew
     * from another build of the module (the test build, whose
     * pv_trap_for_tests the released one lacks), or, given null, the package's.
     */
    public static function useModuleForTests(?string $path): void
    {
        self::$shared = null;
        self::$modulePath = $path;
    }

    private function __construct(Instance $instance)
    {
        $this->instance = $instance;
        $instance->call('pv_facts');
        $facts = json_decode($instance->output(), true, 512, JSON_THROW_ON_ERROR);
        $this->facts = is_array($facts) ? $facts : [];
        $this->codes = array_column($this->facts['errors'] ?? [], 'code');
        $this->categories = array_column($this->facts['errors'] ?? [], 'category', 'code');
    }

    /** How the module was obtained: 'compiled', or 'cache' (see ModuleCache::directory()). */
    public function source(): string
    {
        return $this->instance->source();
    }

    /** Counts instances: a verifier handle is only valid in the instance that made it. */
    public function generation(): int
    {
        return $this->instance->generation();
    }

    /** Calls an export with integer and float arguments; its integer result, or 0. */
    public function call(string $name, int|float ...$values): int
    {
        return $this->instance->call($name, ...$values);
    }

    /** Puts `$bytes` at the start of the module's input buffer. */
    public function write(#[\SensitiveParameter] string $bytes): void
    {
        $this->instance->write($bytes);
    }

    /** The module's output buffer: a result, or an error's message. */
    public function output(): string
    {
        return $this->instance->output();
    }

    /**
     * @internal
     * @return array<string, array{list<int>, ?int}>
     */
    public function exportedSignatures(): array
    {
        return $this->instance->exportedSignatures();
    }

    /**
     * Verifies, then judges the payload as an event; throws the package's exception on a failure.
     *
     * @return array{int, int} the header's timestamp and the index of the secret that matched
     */
    public function construct(int $verifier, string $payload, string $header, int $now): array
    {
        return $this->verifyIn('pv_construct', $verifier, $payload, $header, $now);
    }

    /**
     * Verifies the header over the payload without judging the payload.
     *
     * @return array{int, int} the header's timestamp and the index of the secret that matched
     */
    public function verify(int $verifier, string $payload, string $header, int $now): array
    {
        return $this->verifyIn('pv_verify', $verifier, $payload, $header, $now);
    }

    /**
     * Runs pv_construct or pv_verify, which share their arguments and answers.
     *
     * @return array{int, int}
     */
    private function verifyIn(string $export, int $verifier, string $payload, string $header, int $now): array
    {
        $this->write($payload . $header);
        $status = $this->call($export, $verifier, strlen($payload), strlen($header), $now);
        if ($status !== 0) {
            throw Errors::make($this->code($status), $this->output(), $header, $payload);
        }
        [$timestamp, $index] = explode(',', $this->output()) + [0, 0];
        return [(int) $timestamp, (int) $index];
    }

    /**
     * What an error echoes of a header or payload, cut by the core (protocol §6):
     * its first bytes, back to a whole character. Only one byte past the limit
     * crosses into the module: enough for the core to tell a character the cut
     * split from one broken before it.
     */
    public function echo(string $value): string
    {
        $start = substr($value, 0, $this->facts['echo_limit'] + 1);
        $this->write($start);
        $this->call('pv_echo', strlen($start));
        return $this->output();
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

    /** The HTTP status a receiver answers an error code with (protocol §10), 500 for one the core does not name. */
    public function statusOf(string $code): int
    {
        return array_column($this->facts['errors'] ?? [], 'status', 'code')[$code] ?? 500;
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
