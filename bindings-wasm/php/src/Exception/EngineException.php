<?php

declare(strict_types=1);

namespace Payvost\Exception;

/**
 * The WebAssembly engine is missing or failed: a deployment problem, not a
 * property of any request. Its code is engine_unavailable (FFI disabled, the
 * Wasmtime library not found) or engine_trap (the module trapped; the next
 * call starts a fresh instance). The message says how to fix it.
 */
final class EngineException extends \RuntimeException implements ExceptionInterface
{
    public function __construct(string $message, private readonly string $errorCode)
    {
        parent::__construct($message);
    }

    public function getErrorCode(): string
    {
        return $this->errorCode;
    }
}
