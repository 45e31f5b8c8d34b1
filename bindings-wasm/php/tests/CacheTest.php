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
     * error, on standard output; what it logged on standard error. By default
     * the cache directory is named; $environment replaces that.
     *
     * @return array{string, string}
     */
    private function process(?string $environment = null): array
    {
        $script = 'require getenv("PAYVOST_PHP_AUTOLOAD");
            $b = "{\"id\":\"evt_c\",\"type\":\"x\",\"data\":{\"object\":{}}}";
            try {
                $h = \Payvost\WebhookSignature::generateHeader($b, "whsec_c");
                echo \Payvost\Webhook::constructEvent($b, $h, "whsec_c")->id, " ", \Payvost\Runtime::get()->source();
            } catch (\Throwable $e) { echo get_class($e), ": ", $e->getMessage(); }';
        $environment ??= 'PAYVOST_WASM_CACHE_DIR=' . escapeshellarg($this->directory);
        $command = sprintf('env -u PAYVOST_WASM_CACHE_DIR %s %s -d log_errors=1 -d error_log= -r %s',
            $environment, escapeshellarg(PHP_BINARY), escapeshellarg($script));
        $process = proc_open($command, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        self::assertIsResource($process);
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        proc_close($process);
        return [$out, $err];
    }

    /** What process() printed on standard output, with nothing on standard error. */
    private function child(?string $environment = null): string
    {
        [$out, $err] = $this->process($environment);
        self::assertSame('', $err);
        return $out;
    }

    /** The one cache file the directory holds. */
    private function cacheFile(): string
    {
        $files = glob($this->directory . '/*.cwasm') ?: [];
        self::assertCount(1, $files);
        return $files[0];
    }

    private static function requireRoot(): void
    {
        if (posix_geteuid() !== 0) {
            self::markTestSkipped('giving a file to another user (nobody) needs root; make test runs as root');
        }
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

    public function testADirectoryOthersCanWriteIsPassedOverWithOneWarning(): void
    {
        chmod($this->directory, 0777);
        [$out, $err] = $this->process();
        self::assertSame('evt_c compiled', $out);
        self::assertSame(
            "payvost: the module cache directory {$this->directory} is not used, so every process compiles the module "
            . '(200 to 300 ms): it can be written by other users. It holds machine code that is run as is: make it a '
            . "directory of the PHP user's own that no one else can write to (install -d -m 700 -o <php user> DIR), "
            . "or set payvost.cache_dir = off.\n",
            $err,
        );
        self::assertSame([], glob($this->directory . '/*.cwasm'));
    }

    public function testADirectoryInAParentOthersCanChangeIsPassedOver(): void
    {
        $parent = $this->directory . '/shared';
        mkdir($parent);
        chmod($parent, 0777); // not sticky: anyone may rename the directory below and put a link there
        mkdir($parent . '/cache', 0700);
        $environment = 'PAYVOST_WASM_CACHE_DIR=' . escapeshellarg($parent . '/cache');
        [$out, $err] = $this->process($environment);
        self::assertSame('evt_c compiled', $out);
        self::assertStringContainsString("it lies in {$parent}, which another user could change.", $err);
        self::assertSame([], glob($parent . '/cache/*'));
        // Sticky, as /tmp is, others cannot move what is ours: the cache is used.
        chmod($parent, 01777);
        self::assertSame('evt_c compiled', $this->child($environment));
        self::assertSame('evt_c cache', $this->child($environment));
        array_map('unlink', glob($parent . '/cache/*') ?: []);
        rmdir($parent . '/cache');
        rmdir($parent);
    }

    public function testAFileOwnedByAnotherUserIsNotLoaded(): void
    {
        self::requireRoot();
        self::assertSame('evt_c compiled', $this->child());
        chown($this->cacheFile(), 'nobody');
        self::assertSame('evt_c compiled', $this->child());
        self::assertSame(0, fileowner($this->cacheFile())); // replaced by this user's own
        self::assertSame('evt_c cache', $this->child());
    }

    public function testAFileOthersCanWriteIsNotLoaded(): void
    {
        self::assertSame('evt_c compiled', $this->child());
        chmod($this->cacheFile(), 0662);
        self::assertSame('evt_c compiled', $this->child());
        self::assertSame(0600, fileperms($this->cacheFile()) & 0777);
    }

    public function testASymlinkedFileIsNotFollowed(): void
    {
        self::assertSame('evt_c compiled', $this->child());
        $file = $this->cacheFile();
        rename($file, $this->directory . '/elsewhere');
        symlink($this->directory . '/elsewhere', $file);
        self::assertSame('evt_c compiled', $this->child());
        self::assertFalse(is_link($file), 'the link is replaced by a file of its own');
        self::assertSame('evt_c cache', $this->child());
        unlink($this->directory . '/elsewhere');
    }

    public function testAFileAlteredInItsCodeIsRecompiled(): void
    {
        self::assertSame('evt_c compiled', $this->child());
        $file = $this->cacheFile();
        $contents = (string) file_get_contents($file);
        // One byte in the middle of the machine code: it still parses as the engine's format.
        $middle = intdiv(strlen($contents), 2);
        $contents[$middle] = chr(ord($contents[$middle]) ^ 0x01);
        file_put_contents($file, $contents);
        self::assertSame('evt_c compiled', $this->child());
        self::assertSame('evt_c cache', $this->child());
    }

    /**
     * The configured directory is a link that another user swaps, as fast as
     * they can, between this user's private directory and one of their own
     * holding their machine code, in the right format and under the right
     * name. Every process verifies, from this user's cache or a fresh
     * compile, and none runs theirs (it would fail to instantiate: an empty
     * module has none of the exports).
     */
    public function testADirectoryLinkSwappedBetweenChecksNeverLoadsAnotherUsersCode(): void
    {
        self::requireRoot();
        chmod($this->directory, 01777); // a shared, sticky parent, as /tmp
        $private = $this->directory . '/private';
        $theirs = $this->directory . '/theirs';
        mkdir($private, 0700);
        mkdir($theirs, 0700);
        $link = $this->directory . '/cache';
        symlink($private, $link);
        $environment = 'PAYVOST_WASM_CACHE_DIR=' . escapeshellarg($link);
        self::assertSame('evt_c compiled', $this->child($environment));
        $name = basename((string) (glob($private . '/*.cwasm') ?: [''])[0]);
        self::assertStringEndsWith('.cwasm', $name);
        $planted = $theirs . '/' . $name;
        file_put_contents($planted, self::framed(self::serializedEmptyModule()));
        chmod($planted, 0600);
        chown($planted, 'nobody');
        chown($theirs, 'nobody');

        $swapper = proc_open([PHP_BINARY, '-r', sprintf(
            'for ($i = 0; $i < 2000000 && !file_exists(%1$s); $i++) { @symlink($i %% 2 ? %2$s : %3$s, %4$s); @rename(%4$s, %5$s); }',
            var_export($this->directory . '/stop', true), var_export($theirs, true), var_export($private, true),
            var_export($link . '.new', true), var_export($link, true),
        )], [], $pipes);
        self::assertIsResource($swapper);
        $outcomes = [];
        try {
            for ($try = 0; $try < 40; $try++) {
                [$out] = $this->process($environment);
                $outcomes[$out] = ($outcomes[$out] ?? 0) + 1;
            }
        } finally {
            touch($this->directory . '/stop');
            proc_close($swapper);
        }
        ksort($outcomes);
        self::assertSame([], array_diff(array_keys($outcomes), ['evt_c cache', 'evt_c compiled']), print_r($outcomes, true));
        self::assertSame(40, array_sum($outcomes));
        array_map('unlink', array_merge(glob($private . '/*') ?: [], glob($theirs . '/*') ?: [],
            [$link, $this->directory . '/stop'], glob($link . '.new') ?: []));
        rmdir($private);
        rmdir($theirs);
    }

    /** $code as a cache file holds it: anyone can compute the digest, which is keyed by public facts. */
    private static function framed(string $code): string
    {
        $wasm = (string) file_get_contents(dirname((new \ReflectionClass(\Payvost\Engine::class))->getFileName(), 2)
            . '/resources/payvost.wasm');
        $key = hash('sha256', $wasm . "\0" . \Payvost\Engine::identity(), true);
        return 'PVCWASM1' . hash_hmac('sha256', $code, $key, true) . $code;
    }

    /** The engine's machine code for a module with no exports at all. */
    private static function serializedEmptyModule(): string
    {
        $ffi = \Payvost\Engine::ffi();
        $store = $ffi->wasm_store_new($ffi->wasm_engine_new());
        $bytes = $ffi->new('wasm_byte_vec_t');
        $ffi->wasm_byte_vec_new(\FFI::addr($bytes), 8, "\0asm\x01\0\0\0");
        $module = $ffi->wasm_module_new($store, \FFI::addr($bytes));
        self::assertNotNull($module);
        $out = $ffi->new('wasm_byte_vec_t');
        $ffi->wasm_module_serialize($module, \FFI::addr($out));
        return \FFI::string($out->data, $out->size);
    }
}
