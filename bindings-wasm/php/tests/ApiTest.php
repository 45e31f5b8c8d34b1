<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Engine;
use Payvost\Event;
use Payvost\Exception\EngineException;
use Payvost\Exception\ExceptionInterface;
use Payvost\Exception\InvalidArgumentException;
use Payvost\Exception\SignatureVerificationException;
use Payvost\Exception\UnexpectedValueException;
use Payvost\PayvostObject;
use Payvost\Runtime;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/** Exceptions and codes, argument types, events. A fixed `$now` throughout. */
final class ApiTest extends TestCase
{
    private const SECRET = 'whsec_test_secret_1234';
    private const NOW = 1764000000;
    private const BODY = '{"id":"evt_1","type":"payment.succeeded","created":1764000000,'
        . '"data":{"object":{"id":"pay_1","amount":2000,"currency":"eur","items":[{"sku":"a"}]}}}';

    private static function header(string $body = self::BODY, string $secret = self::SECRET, int $t = self::NOW): string
    {
        return WebhookSignature::generateHeader($body, $secret, $t);
    }

    /** @param class-string<ExceptionInterface> $class */
    private static function fails(string $class, string $code, callable $call): ExceptionInterface
    {
        try {
            $call();
        } catch (ExceptionInterface $e) {
            self::assertInstanceOf($class, $e, $e->getMessage());
            self::assertSame($code, $e->getErrorCode(), $e->getMessage());
            return $e;
        }
        self::fail("expected {$code}");
    }

    public function testTheDocsSnippetAsWritten(): void
    {
        $_SERVER['HTTP_PAYVOST_SIGNATURE'] = WebhookSignature::generateHeader(self::BODY, self::SECRET);
        putenv('PAYVOST_WEBHOOK_SECRET=' . self::SECRET);
        $payload = self::BODY; // stands for @file_get_contents('php://input')
        // From the Payvost webhook docs:
        $sig_header = $_SERVER['HTTP_PAYVOST_SIGNATURE'];
        $secret = getenv('PAYVOST_WEBHOOK_SECRET');
        try {
            $event = \Payvost\Webhook::constructEvent($payload, $sig_header, $secret);
        } catch(\Payvost\Exception\SignatureVerificationException $e) {
            self::fail($e->getMessage());
        }
        self::assertSame('evt_1', $event->id);
        putenv('PAYVOST_WEBHOOK_SECRET');
        unset($_SERVER['HTTP_PAYVOST_SIGNATURE']);
    }

    /** The core cuts what an exception echoes (protocol §6): 100 bytes, back to a whole character. */
    public function testTheEchoNeverCutsACharacterInHalf(): void
    {
        // 't=1,v1=' and 46 é are 99 bytes: the 47th é would straddle the cut.
        $e = self::fails(SignatureVerificationException::class, 'signature_mismatch',
            fn () => Webhook::constructEvent(self::BODY, 't=1,v1=' . str_repeat('é', 80), self::SECRET, 300, self::NOW));
        self::assertSame('t=1,v1=' . str_repeat('é', 46), $e->getSigHeader());
        self::assertTrue(mb_check_encoding((string) $e->getSigHeader(), 'UTF-8'));
        // 'a' and 49 é are 99 bytes; a byte that is not UTF-8 shows as U+FFFD; a byte order mark is kept.
        $e = self::fails(SignatureVerificationException::class, 'signature_mismatch',
            fn () => Webhook::constructEvent('a' . str_repeat('é', 60), self::header(), self::SECRET, 300, self::NOW));
        self::assertSame('a' . str_repeat('é', 49), $e->getHttpBody());
        $e = self::fails(SignatureVerificationException::class, 'signature_mismatch',
            fn () => Webhook::constructEvent("{\xff}", self::header(), self::SECRET, 300, self::NOW));
        self::assertSame("{\u{FFFD}}", $e->getHttpBody());
        $e = self::fails(SignatureVerificationException::class, 'header_malformed',
            fn () => Webhook::constructEvent(self::BODY, "\u{FEFF}t=1,v1=ab", self::SECRET, 300, self::NOW));
        self::assertSame("\u{FEFF}t=1,v1=ab", $e->getSigHeader());
    }

    public function testExceptionClassesAndCodes(): void
    {
        $e = self::fails(SignatureVerificationException::class, 'signature_mismatch',
            fn () => Webhook::constructEvent(str_repeat('x', 500), self::header(), self::SECRET, 300, self::NOW));
        self::assertSame(str_repeat('x', 100), $e->getHttpBody());
        self::assertSame(self::header(), $e->getSigHeader());
        self::assertStringContainsString("file_get_contents('php://input')", $e->getMessage());
        self::fails(SignatureVerificationException::class, 'header_missing', fn () => Webhook::constructEvent(self::BODY, null, self::SECRET, 300, self::NOW));
        self::fails(SignatureVerificationException::class, 'timestamp_too_old', fn () => Webhook::constructEvent(self::BODY, self::header(), self::SECRET, 300, self::NOW + 301));
        self::fails(InvalidArgumentException::class, 'secret_invalid', fn () => Webhook::constructEvent(self::BODY, self::header(), 'sk_live_1', 300, self::NOW));
        self::fails(InvalidArgumentException::class, 'tolerance_invalid', fn () => Webhook::constructEvent(self::BODY, self::header(), self::SECRET, 0, self::NOW));
        $body = '{"id":"evt_1","type":"x"}';
        self::fails(UnexpectedValueException::class, 'payload_invalid_event', fn () => Webhook::constructEvent($body, self::header($body), self::SECRET, 300, self::NOW));
        self::assertInstanceOf(\UnexpectedValueException::class, new UnexpectedValueException('m', 'payload_invalid_json'));
        self::assertInstanceOf(\InvalidArgumentException::class, new InvalidArgumentException('m', 'secret_invalid'));
        self::assertSame(
            ['secret_invalid', 'tolerance_invalid', 'header_missing', 'header_malformed', 'no_signatures', 'signature_mismatch',
             'timestamp_too_old', 'timestamp_too_new', 'payload_invalid_json', 'payload_invalid_event', 'payload_wrong_type',
             'option_invalid', 'event_in_progress', 'store_unavailable', 'event_id_reused', 'lease_lost', 'receiver_busy'],
            Runtime::get()->codes(),
        );
    }

    public function testArgumentTypes(): void
    {
        $h = self::header();
        self::assertSame('evt_1', Webhook::constructEvent(self::BODY, $h, ['whsec_other', self::SECRET], 300.0, new \DateTimeImmutable('@' . self::NOW))->id);
        self::assertSame(1, WebhookSignature::verifyHeader(self::BODY, $h, ['whsec_other', self::SECRET], 300, self::NOW)->secretIndex);
        foreach ([json_decode(self::BODY), json_decode(self::BODY, true), null, 42, 1.5] as $payload) {
            $e = self::fails(UnexpectedValueException::class, 'payload_wrong_type', fn () => Webhook::constructEvent($payload, $h, self::SECRET, 300, self::NOW));
            self::assertStringContainsString("file_get_contents('php://input')", $e->getMessage());
        }
        foreach ([42, ['t=1'], new \stdClass()] as $header) {
            self::fails(SignatureVerificationException::class, 'header_malformed', fn () => Webhook::constructEvent(self::BODY, $header, self::SECRET, 300, self::NOW));
        }
        foreach ([42, null, [], [self::SECRET, 7], ['a' => self::SECRET]] as $secret) {
            self::fails(InvalidArgumentException::class, 'secret_invalid', fn () => Webhook::constructEvent(self::BODY, $h, $secret, 300, self::NOW));
        }
        foreach (['300', null, 1.5, -1, 2592001, INF, NAN] as $tolerance) {
            self::fails(InvalidArgumentException::class, 'tolerance_invalid', fn () => Webhook::constructEvent(self::BODY, $h, self::SECRET, $tolerance, self::NOW));
        }
        foreach (['1764000000', 1.5, new \stdClass()] as $now) {
            self::fails(InvalidArgumentException::class, 'tolerance_invalid', fn () => Webhook::constructEvent(self::BODY, $h, self::SECRET, 300, $now));
        }
    }

    public function testGenerateHeaderRefusesWhatNoVerifierAccepts(): void
    {
        foreach ([
            '' => 'The webhook signing secret is empty',
            'sk_live_1' => 'The webhook signing secret starts with sk_ and looks like an API key; the webhook signing secret starts with whsec_',
        ] as $secret => $message) {
            $e = self::fails(InvalidArgumentException::class, 'secret_invalid', fn () => WebhookSignature::generateHeader(self::BODY, (string) $secret, self::NOW));
            self::assertSame($message, $e->getMessage());
        }
        $e = self::fails(InvalidArgumentException::class, 'tolerance_invalid', fn () => WebhookSignature::generateHeader(self::BODY, self::SECRET, -1));
        self::assertSame("Cannot sign at timestamp -1: a Payvost-Signature's t is whole unix seconds from 0, and every verifier refuses a negative one as header_malformed", $e->getMessage());
        self::assertStringStartsWith('t=0,v1=', WebhookSignature::generateHeader(self::BODY, self::SECRET, 0));
    }

    public function testEventAccessAtEveryLevel(): void
    {
        $event = Webhook::constructEvent(self::BODY, self::header(), self::SECRET, 300, self::NOW);
        self::assertInstanceOf(Event::class, $event);
        self::assertSame(2000, $event->data->object->amount);
        self::assertSame(2000, $event['data']['object']['amount']);
        self::assertSame('a', $event->data->object->items[0]->sku);
        self::assertSame('a', $event['data']['object']['items'][0]['sku']);
        self::assertInstanceOf(PayvostObject::class, $event->data);
        self::assertTrue(isset($event->data) && isset($event['created']) && !isset($event['nope']));
        self::assertNull($event->nope);
        self::assertSame(['id', 'type', 'created', 'data'], array_keys(iterator_to_array($event)));
        self::assertCount(4, $event);
        self::assertEquals(json_decode(self::BODY), $event->jsonSerialize());
        self::assertSame(json_encode(json_decode(self::BODY)), json_encode($event));
        $this->expectException(\LogicException::class);
        $event['id'] = 'evt_2';
    }

    /** Protocol §5.3: the typed view reads a field of another type as absent; array access reads it as sent. */
    public function testDataObjectIsTheTypedObjectOfTheEventsType(): void
    {
        $body = '{"id":"evt_odd","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":"2000","currency":5,"status":"paid"}}}';
        $event = Webhook::constructEvent($body, self::header($body), self::SECRET, 300, self::NOW);
        $object = $event->data->object;
        self::assertInstanceOf(\Payvost\Payment::class, $object);
        self::assertInstanceOf(\Payvost\EventData::class, $event->data);
        self::assertSame([null, null, 'paid', 'pay_1'], [$object->amount, $object->currency, $object->status, $object->id]);
        self::assertSame(['2000', 5], [$event['data']['object']['amount'], $object['currency']]);
        self::assertEquals($event->object(), $object);
        // An unknown type's object is untyped: every field as sent.
        $other = '{"id":"evt_new","type":"payout.paid","data":{"object":{"amount":"2000"}}}';
        $event = Webhook::constructEvent($other, self::header($other), self::SECRET, 300, self::NOW);
        self::assertSame(PayvostObject::class, get_class($event->data->object));
        self::assertSame('2000', $event->data->object->amount);
    }

    public function testNoSecretInAnyTrace(): void
    {
        // PHP's own default and php.ini-development: traces carry arguments.
        $previous = ini_set('zend.exception_ignore_args', '0');
        try {
            $canary = 'whsec_c4n4ry'; // short enough to show whole in getTraceAsString()
            $apiKey = 'sk_c4n4ry';
            $calls = [
                fn () => Webhook::constructEvent(self::BODY, 't=1,v1=00', $canary, 300, self::NOW),
                fn () => Webhook::constructEvent(self::BODY, 't=1,v1=00', [$canary, 'whsec_other'], 300, self::NOW),
                fn () => Webhook::constructEvent(self::BODY, self::header(), $apiKey, 300, self::NOW),
                fn () => WebhookSignature::verifyHeader(self::BODY, 'nonsense', $canary, 300, self::NOW),
                fn () => WebhookSignature::generateHeader([], $canary),
                fn () => WebhookSignature::generateHeader(self::BODY, $apiKey),
            ];
            foreach ($calls as $i => $call) {
                try {
                    $call();
                    self::fail("call {$i} did not throw");
                } catch (ExceptionInterface $e) {
                    $shown = $e->getTraceAsString() . print_r($e->getTrace(), true) . $e->getMessage();
                    self::assertStringContainsString('Object(SensitiveParameterValue)', $shown, "call {$i}: arguments are in the trace");
                    self::assertStringNotContainsString('c4n4ry', $shown, "call {$i}");
                }
            }
        } finally {
            ini_set('zend.exception_ignore_args', (string) $previous);
        }
    }

    public function testSecretsNeverShow(): void
    {
        $e = self::fails(SignatureVerificationException::class, 'signature_mismatch',
            fn () => Webhook::constructEvent(self::BODY, self::header(secret: 'whsec_x'), self::SECRET, 300, self::NOW));
        $f = self::fails(InvalidArgumentException::class, 'secret_invalid', fn () => Webhook::constructEvent(self::BODY, self::header(), ' ' . self::SECRET, 300, self::NOW));
        foreach ([$e, $f] as $error) {
            self::assertStringNotContainsString(self::SECRET, print_r($error, true) . var_export($error->getMessage(), true));
        }
        ob_start();
        var_dump(Runtime::get());
        self::assertStringNotContainsString(self::SECRET, (string) ob_get_clean());
    }

    public function testEveryCallWorksAfterATrap(): void
    {
        // The module's test build (bindings-wasm/build.mjs): the released one has no way to trap.
        Runtime::useModuleForTests(dirname(__DIR__, 3) . '/target/wasm-plain/payvost-test-hooks.wasm');
        try {
            self::assertSame('evt_1', Webhook::constructEvent(self::BODY, self::header(), self::SECRET, 300, self::NOW)->id);
            $generation = Runtime::get()->generation();
            self::fails(EngineException::class, 'engine_trap', fn () => Runtime::get()->call('pv_trap_for_tests'));
            self::assertSame($generation + 1, Runtime::get()->generation());
            // The kept verifier belonged to the old instance: a new one is made.
            self::assertSame('evt_1', Webhook::constructEvent(self::BODY, self::header(), self::SECRET, 300, self::NOW)->id);
            self::fails(SignatureVerificationException::class, 'signature_mismatch', fn () => Webhook::constructEvent(self::BODY, self::header(), 'whsec_y', 300, self::NOW));
            self::assertStringStartsWith('t=' . self::NOW . ',v1=', self::header());
        } finally {
            Runtime::useModuleForTests(null);
        }
    }

    public function testAnFfiPreloadLineNamingTheHeaderWorks(): void
    {
        // As the README's php.ini lines set it up: the declarations preloaded
        // into a scope, the library found by the dynamic loader.
        $script = tempnam(sys_get_temp_dir(), 'payvost-preload-');
        file_put_contents($script, '<?php require getenv("PAYVOST_PHP_AUTOLOAD");
            FFI::scope("PAYVOST_WASM");
            $b = "{\"id\":\"evt_p\",\"type\":\"x\",\"data\":{\"object\":{}}}";
            echo \Payvost\Webhook::constructEvent($b, \Payvost\WebhookSignature::generateHeader($b, "whsec_p"), "whsec_p")->id;');
        $header = dirname(__DIR__) . '/resources/wasm.h';
        $library = dirname(Engine::library());
        $out = shell_exec(sprintf(
            'env -u PAYVOST_WASMTIME_LIB LD_LIBRARY_PATH=%s %s -d ffi.enable=preload -d ffi.preload=%s %s 2>&1',
            escapeshellarg($library), escapeshellarg(PHP_BINARY), escapeshellarg($header), escapeshellarg($script),
        ));
        unlink($script);
        self::assertSame('evt_p', $out);
    }

    public function testTheBundledEngineIsFoundWithNothingConfigured(): void
    {
        self::assertFalse(getenv('PAYVOST_WASMTIME_LIB'));
        self::assertFalse(get_cfg_var('payvost.wasmtime_library'));
        self::assertSame('linux-x86_64', Engine::platform());
        self::assertSame(Engine::bundledLibrary(), Engine::library());
        self::assertStringEndsWith('/resources/engine/linux-x86_64/libwasmtime.so', Engine::library());
        self::assertFileExists(Engine::library());
    }

    /** A fresh PHP process verifying once with $environment: "<library> <event id>", or its error. */
    private static function child(string $environment, string $autoload): string
    {
        $script = 'require ' . var_export($autoload, true) . ';
            $b = "{\"id\":\"evt_e\",\"type\":\"x\",\"data\":{\"object\":{}}}";
            try {
                $h = "t=" . time() . ",v1=" . hash_hmac("sha256", time() . "." . $b, "whsec_e");
                echo \Payvost\Webhook::constructEvent($b, $h, "whsec_e")->id, " ", \Payvost\Engine::library();
            } catch (\Payvost\Exception\ExceptionInterface $e) { echo $e->getErrorCode(), ": ", $e->getMessage(); }';
        return (string) shell_exec(sprintf('env -u PAYVOST_WASMTIME_LIB %s %s -r %s 2>&1',
            $environment, escapeshellarg(PHP_BINARY), escapeshellarg($script)));
    }

    public function testTheEnvironmentVariableComesFirst(): void
    {
        $copy = sys_get_temp_dir() . '/payvost-engine-copy-' . getmypid() . '.so';
        copy(Engine::bundledLibrary(), $copy);
        try {
            $out = self::child('PAYVOST_WASMTIME_LIB=' . escapeshellarg($copy), (string) getenv('PAYVOST_PHP_AUTOLOAD'));
            self::assertSame("evt_e {$copy}", $out);
        } finally {
            unlink($copy);
        }
    }

    public function testAMissingEngineIsExplainedWithTheStepThatFixesIt(): void
    {
        // The package without its bundled engine, on this machine.
        $package = sys_get_temp_dir() . '/payvost-no-engine-' . getmypid();
        $installed = dirname(Engine::bundledLibrary(), 4);
        exec(sprintf('mkdir -p %1$s/resources && cp -r %2$s/src %1$s/ && cp %2$s/resources/payvost.wasm %2$s/resources/wasm.h %1$s/resources/',
            escapeshellarg($package), escapeshellarg($installed)));
        file_put_contents("{$package}/autoload.php", '<?php spl_autoload_register(fn ($c) => str_starts_with($c, "Payvost\\\\")
            && require __DIR__ . "/src/" . str_replace("\\\\", "/", substr($c, 8)) . ".php");');
        try {
            $out = self::child('', "{$package}/autoload.php");
            $system = array_values(array_filter(Engine::SYSTEM_LIBRARIES, 'is_file'));
            if ($system === []) {
                self::assertSame("engine_unavailable: The package's Wasmtime engine for linux-x86_64 is missing "
                    . "({$package}/resources/engine/linux-x86_64/libwasmtime.so): install the released package "
                    . '(composer require payvost/payvost-php) rather than a copy of the repository, or install Wasmtime\'s C '
                    . 'library (libwasmtime, 48 or newer) and name it with the PAYVOST_WASMTIME_LIB environment variable '
                    . 'or the payvost.wasmtime_library php.ini setting.', $out);
            } else {
                self::assertSame("evt_e {$system[0]}", $out); // the system-wide library comes next
            }
        } finally {
            exec('rm -rf ' . escapeshellarg($package));
        }
    }

    public function testWithoutFfiTheMessageNamesTheFixOfThePlatform(): void
    {
        // A PHP without its FFI extension (no php.ini: Debian loads it from conf.d), on this Debian machine.
        $out = (string) shell_exec(sprintf('%s -n -r %s 2>&1', escapeshellarg(PHP_BINARY), escapeshellarg(
            'require ' . var_export((string) getenv('PAYVOST_PHP_AUTOLOAD'), true) . ';
            try { \Payvost\Webhook::constructEvent("{}", "t=1,v1=00", "whsec_e"); }
            catch (\Payvost\Exception\EngineException $e) { echo $e->getErrorCode(), ": ", $e->getMessage(); }',
        )));
        $lead = "engine_unavailable: PHP's FFI extension is not loaded, and the package runs its checks through it. ";
        self::assertSame($lead . 'On Debian and Ubuntu it is part of the phpX.Y-common package: check that ffi.ini is '
            . 'enabled (`phpenmod ffi`), and for PHP-FPM set ffi.enable=true (see the package README).', $out);

        $files = fn (string ...$present) => fn (string $path): bool => in_array($path, $present, true);
        $advice = fn (array $env, callable $isFile): string => \Payvost\FfiAdvice::message($env, $isFile);
        self::assertStringContainsString('`RUN apt-get update && apt-get install -y libffi-dev && docker-php-ext-install ffi`',
            $advice(['PATH' => '/usr/local/sbin:/usr/local/bin:/usr/bin'], $files('/usr/local/bin/docker-php-ext-install', '/etc/debian_version')));
        self::assertStringContainsString("Heroku's PHP buildpack builds PHP without FFI",
            $advice(['DYNO' => 'web.1', 'PATH' => '/usr/bin'], $files('/etc/debian_version')));
        self::assertStringContainsString("Bref's layers carry it: load it with `extension=ffi`",
            $advice(['LAMBDA_TASK_ROOT' => '/var/task', 'PATH' => '/opt/bin'], $files()));
        self::assertStringContainsString('php-ffi on Fedora and RHEL', $advice(['PATH' => '/usr/bin'], $files()));
    }
}
