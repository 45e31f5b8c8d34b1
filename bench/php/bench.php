<?php
// payvost/payvost-php per call at 256 B, 1 KiB and 16 KiB against plain PHP
// doing the same check (hash_hmac + hash_equals + json_decode), interleaved in
// one process, and the cold cost of the first call in a fresh process.
// Run: make bench-php.

declare(strict_types=1);

require getenv('PAYVOST_PHP_AUTOLOAD');

function payment_event(int $size): string
{
    $body = '{"id":"evt_1NxBench","type":"payment.succeeded","created":1764000000,"livemode":false,"data":{"object":'
        . '{"id":"pay_test_1234567890","amount":2000,"currency":"eur","status":"succeeded","customer":"cust_42","items":[';
    $tail = ']}}}';
    for ($i = 0; ; $i++) {
        $item = ($i ? ',' : '') . sprintf('{"sku":"sku_%06d","qty":%d,"price":1999}', $i, $i % 7 + 1);
        if (strlen($body) + strlen($item) + strlen($tail) > $size) {
            break;
        }
        $body .= $item;
    }
    return $body . str_repeat(' ', $size - strlen($body) - strlen($tail)) . $tail;
}

function plain_php(string $payload, string $header, string $secret, int $tolerance = 300): \stdClass
{
    $parts = [];
    foreach (explode(',', $header) as $item) {
        [$key, $value] = explode('=', $item, 2);
        $parts[$key] = $value;
    }
    if (abs(time() - (int) $parts['t']) > $tolerance) {
        throw new \RuntimeException('stale');
    }
    $expected = hash_hmac('sha256', $parts['t'] . '.' . $payload, $secret);
    if (!hash_equals($expected, $parts['v1'])) {
        throw new \RuntimeException('mismatch');
    }
    return json_decode($payload, false, 512, JSON_THROW_ON_ERROR);
}

/** Median seconds per call of each contender, batch by batch in turn. */
function interleaved(array $contenders, int $rounds = 15, float $budget = 0.3): array
{
    $batches = [];
    foreach ($contenders as $fn) {
        $start = hrtime(true);
        $n = 0;
        while (hrtime(true) - $start < 2e6) {
            $fn();
            $n++;
        }
        $batches[] = max(1, (int) ($n * $budget / 0.002 / $rounds / count($contenders)));
    }
    $samples = array_fill(0, count($contenders), []);
    for ($r = 0; $r < $rounds; $r++) {
        foreach ($contenders as $i => $fn) {
            $start = hrtime(true);
            for ($k = 0; $k < $batches[$i]; $k++) {
                $fn();
            }
            $samples[$i][] = (hrtime(true) - $start) / 1e9 / $batches[$i];
        }
    }
    return array_map(static function (array $s): float {
        sort($s);
        return $s[intdiv(count($s), 2)];
    }, $samples);
}

$secret = 'whsec_1234567890';
$rows = [];
foreach ([256, 1024, 16384] as $size) {
    $payload = payment_event($size);
    $header = \Payvost\WebhookSignature::generateHeader($payload, $secret);
    foreach ([\Payvost\Webhook::constructEvent($payload, $header, $secret), plain_php($payload, $header, $secret)] as $event) {
        if ($event->id !== 'evt_1NxBench') {
            throw new \RuntimeException('a contender gave a wrong event');
        }
    }
    // Eight endpoints served in turn by the one-line call: it keeps a verifier
    // per secret, so this must stay within 10% of one secret.
    $endpoints = array_map(fn (int $i) => ["whsec_endpoint_{$i}", \Payvost\WebhookSignature::generateHeader($payload, "whsec_endpoint_{$i}")], range(0, 7));
    $turn = 0;
    [$ours, $eight, $plain] = interleaved([
        fn () => \Payvost\Webhook::constructEvent($payload, $header, $secret),
        function () use ($payload, $endpoints, &$turn) {
            [$s, $h] = $endpoints[$turn = ($turn + 1) % 8];
            return \Payvost\Webhook::constructEvent($payload, $h, $s);
        },
        fn () => plain_php($payload, $header, $secret),
    ]);
    $human = $size >= 1024 ? ($size / 1024) . ' KiB' : "{$size} B";
    $rows[] = sprintf('| %s | %.2f µs | %.2f µs | %.2f µs | **%.2fx** | **%.2fx** |', $human, $ours * 1e6, $eight * 1e6, $plain * 1e6, $eight / $ours, $plain / $ours);
}

// The cold cost: a fresh process, as every PHP-FPM request is for the
// package's objects, loading the engine, compiling the module (cache off) or
// loading its cached machine code (the default cache, in a temporary
// directory of this run's own), and verifying once.
$temporary = sys_get_temp_dir() . '/payvost-bench-' . getmypid();
mkdir($temporary, 0700);
$coldRun = function (bool $cached) use ($temporary): array {
  $cold = [];
  for ($i = 0; $i < 5; $i++) {
    $environment = $cached ? 'TMPDIR=' . escapeshellarg($temporary) : 'PAYVOST_WASM_CACHE_DIR=off';
    $out = shell_exec("env -u PAYVOST_WASM_CACHE_DIR {$environment} " . escapeshellarg(PHP_BINARY) . ' -r ' . escapeshellarg('require getenv("PAYVOST_PHP_AUTOLOAD");
        $b = "{\"id\":\"evt_c\",\"type\":\"x\",\"data\":{\"object\":{}}}";
        $h = "t=" . time() . ",v1=" . hash_hmac("sha256", time() . "." . $b, "whsec_c");
        $t = hrtime(true); \Payvost\Webhook::constructEvent($b, $h, "whsec_c"); $first = hrtime(true) - $t;
        $t = hrtime(true); \Payvost\Webhook::constructEvent($b, $h, "whsec_c"); echo $first, " ", hrtime(true) - $t;'));
    $cold[] = array_map('intval', explode(' ', trim((string) $out)));
  }
  sort($cold);
  return $cold[2];
};
[$first, $second] = $coldRun(false);
$coldRun(true); // fills the cache
[$cachedFirst] = $coldRun(true);
exec('rm -rf ' . escapeshellarg($temporary));
// Plain PHP's first call in a fresh process, for the per-request comparison.
$plainFirst = [];
for ($i = 0; $i < 5; $i++) {
    $plainFirst[] = (int) shell_exec(escapeshellarg(PHP_BINARY) . ' -r ' . escapeshellarg('$b = "{\"id\":\"evt_c\"}"; $s = "whsec_c"; $t = hrtime(true);
        $ok = hash_equals(hash_hmac("sha256", time() . "." . $b, $s), hash_hmac("sha256", time() . "." . $b, $s)); json_decode($b); echo hrtime(true) - $t;'));
}
sort($plainFirst);

$text = sprintf("PHP %s, Wasmtime C API through FFI; median time per call over interleaved batches.\n\n", PHP_VERSION)
    . "| size | payvost/payvost-php | payvost, 8 secrets in turn | plain PHP (`hash_hmac` + `hash_equals` + `json_decode`) | 8 secrets / 1 (target ≤ 1.10x) | vs plain PHP (target ≥ 0.7x at 1 KiB) |\n"
    . "| --- | --- | --- | --- | --- | --- |\n" . implode("\n", $rows) . "\n\n"
    . sprintf("Per request (a fresh process, as each PHP-FPM request is for the package's objects), median of 5: the first call %.1f ms with the default module cache, against %.1f µs for plain PHP's first call; %.1f ms with the cache off (loading Wasmtime, compiling the module, instantiating); the second call %.1f µs.", $cachedFirst / 1e6, $plainFirst[2] / 1e3, $first / 1e6, $second / 1e3);
echo $text, "\n";
$readme = __DIR__ . '/../README.md';
[$head, $rest] = explode('<!-- php:begin -->', file_get_contents($readme));
file_put_contents($readme, $head . "<!-- php:begin -->\n{$text}\n<!-- php:end -->" . explode('<!-- php:end -->', $rest)[1]);
