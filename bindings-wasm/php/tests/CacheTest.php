<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Runtime;
use PHPUnit\Framework\TestCase;

/** The opt-in module cache: off by default, used across processes, never trusted blindly. */
final class CacheTest extends TestCase
{
    private string $directory;

    protected function setUp(): void
    {
        $this->directory = sys_get_temp_dir() . '/payvost-cache-test-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir($this->directory, 0700);
    }

    protected function tearDown(): void
    {
        chmod($this->directory, 0700);
        array_map('unlink', glob($this->directory . '/*') ?: []);
        rmdir($this->directory);
    }

    /** A fresh PHP process verifying once: "<event id> <module source>", or its error. */
    private function child(): string
    {
        $script = 'require getenv("PAYVOST_PHP_AUTOLOAD");
            $b = "{\"id\":\"evt_c\",\"type\":\"x\",\"data\":{\"object\":{}}}";
            try {
                $h = \Payvost\WebhookSignature::generateHeader($b, "whsec_c");
                echo \Payvost\Webhook::constructEvent($b, $h, "whsec_c")->id, " ", \Payvost\Runtime::get()->source();
            } catch (\Payvost\Exception\ExceptionInterface $e) { echo $e->getErrorCode(), ": ", $e->getMessage(); }';
        return (string) shell_exec(sprintf('PAYVOST_WASM_CACHE_DIR=%s %s -r %s 2>&1',
            escapeshellarg($this->directory), escapeshellarg(PHP_BINARY), escapeshellarg($script)));
    }

    public function testTheCacheIsOffUnlessADirectoryIsNamed(): void
    {
        self::assertFalse(getenv('PAYVOST_WASM_CACHE_DIR'));
        self::assertNull(Runtime::cacheDirectory());
        self::assertSame('compiled', Runtime::get()->source());
    }

    public function testACompiledModuleIsSavedThenLoaded(): void
    {
        self::assertSame('evt_c compiled', $this->child());
        $files = glob($this->directory . '/*.cwasm');
        self::assertCount(1, $files);
        self::assertSame(0600, fileperms($files[0]) & 0777);
        self::assertSame('evt_c cache', $this->child());
    }

    public function testADamagedCacheFileIsRefusedAndReplaced(): void
    {
        self::assertSame('evt_c compiled', $this->child());
        $file = glob($this->directory . '/*.cwasm')[0];
        file_put_contents($file, 'not machine code');
        self::assertSame('evt_c compiled', $this->child());
        self::assertSame('evt_c cache', $this->child());
    }

    public function testADirectoryOthersCanWriteIsRefused(): void
    {
        chmod($this->directory, 0777);
        $out = $this->child();
        self::assertStringStartsWith('engine_unavailable: The module cache directory', $out);
        self::assertStringContainsString('writable by no one else', $out);
        self::assertSame([], glob($this->directory . '/*.cwasm'));
    }
}
