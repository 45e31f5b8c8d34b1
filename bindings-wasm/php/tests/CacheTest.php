<?php

declare(strict_types=1);

namespace Payvost\Tests;

use PHPUnit\Framework\TestCase;

/** The module cache: on by default in a private temporary directory, used across processes, never trusted blindly. */
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
        $default = $this->defaultDirectory();
        if (is_dir($default) && !is_link($default)) {
            array_map('unlink', glob($default . '/*') ?: []);
            rmdir($default);
        }
        array_map('unlink', glob($this->directory . '/*') ?: []);
        rmdir($this->directory);
    }

    /**
     * A fresh PHP process verifying once: "<event id> <module source>", or its
     * error. By default the cache directory is named; $environment replaces that.
     */
    private function child(?string $environment = null): string
    {
        $script = 'require getenv("PAYVOST_PHP_AUTOLOAD");
            $b = "{\"id\":\"evt_c\",\"type\":\"x\",\"data\":{\"object\":{}}}";
            try {
                $h = \Payvost\WebhookSignature::generateHeader($b, "whsec_c");
                echo \Payvost\Webhook::constructEvent($b, $h, "whsec_c")->id, " ", \Payvost\Runtime::get()->source();
            } catch (\Payvost\Exception\ExceptionInterface $e) { echo $e->getErrorCode(), ": ", $e->getMessage(); }';
        $environment ??= 'PAYVOST_WASM_CACHE_DIR=' . escapeshellarg($this->directory);
        return (string) shell_exec(sprintf('env -u PAYVOST_WASM_CACHE_DIR %s %s -r %s 2>&1',
            $environment, escapeshellarg(PHP_BINARY), escapeshellarg($script)));
    }

    /** The default directory, under a temporary directory of this test's own. */
    private function defaultDirectory(): string
    {
        return $this->directory . '/payvost-wasm-' . posix_geteuid();
    }

    public function testByDefaultTheModuleIsCachedInAPrivateTemporaryDirectory(): void
    {
        $tmp = 'TMPDIR=' . escapeshellarg($this->directory);
        self::assertSame('evt_c compiled', $this->child($tmp));
        self::assertSame(0700, fileperms($this->defaultDirectory()) & 0777);
        self::assertCount(1, glob($this->defaultDirectory() . '/*.cwasm'));
        self::assertSame('evt_c cache', $this->child($tmp));
    }

    public function testADefaultDirectoryThatIsNotPrivateIsPassedOver(): void
    {
        $tmp = 'TMPDIR=' . escapeshellarg($this->directory);
        mkdir($this->defaultDirectory(), 0777);
        chmod($this->defaultDirectory(), 0777); // as if made by someone else first
        self::assertSame('evt_c compiled', $this->child($tmp));
        self::assertSame('evt_c compiled', $this->child($tmp));
        self::assertSame([], glob($this->defaultDirectory() . '/*.cwasm'));
        rmdir($this->defaultDirectory());
        // A symbolic link planted there, even to a private directory, is not followed.
        mkdir($this->directory . '/elsewhere', 0700);
        symlink($this->directory . '/elsewhere', $this->defaultDirectory());
        self::assertSame('evt_c compiled', $this->child($tmp));
        self::assertSame([], glob($this->directory . '/elsewhere/*'));
        unlink($this->defaultDirectory());
        rmdir($this->directory . '/elsewhere');
    }

    public function testOffTurnsTheCacheOff(): void
    {
        $off = 'PAYVOST_WASM_CACHE_DIR=off TMPDIR=' . escapeshellarg($this->directory);
        self::assertSame('evt_c compiled', $this->child($off));
        self::assertSame('evt_c compiled', $this->child($off));
        self::assertFalse(file_exists($this->defaultDirectory()));
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
