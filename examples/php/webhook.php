<?php
// A Payvost webhook receiver in plain PHP: the docs' handler, processing each
// event once with the SDK's idempotency guard (deliveries are retried, so an
// event id can arrive again, even at once on two workers), answering as soon
// as the event is claimed, and doing the work after.
//
//   composer install && PAYVOST_WEBHOOK_SECRET=whsec_... php -S 127.0.0.1:8080 webhook.php
//
// The records are in an SQLite file that every receiver of the machine can
// share, in any language of the SDK (PAYVOST_IDEMPOTENCY_DB); a fleet uses
// PostgreSQL through the same PdoStore, or Redis through RedisStore.

require getenv('PAYVOST_AUTOLOAD') ?: __DIR__ . '/vendor/autoload.php';

use Payvost\Idempotency\IdempotencyGuard;
use Payvost\Idempotency\PdoStore;

$database = getenv('PAYVOST_IDEMPOTENCY_DB') ?: sys_get_temp_dir() . '/payvost-example-events.db';
// Which events this receiver processed, for the tests and the demo.
$processed = getenv('PAYVOST_EVENTS_FILE') ?: sys_get_temp_dir() . '/payvost-example-processed';

if ($_SERVER['REQUEST_METHOD'] === 'GET' && $_SERVER['REQUEST_URI'] === '/processed') {
    header('Content-Type: application/json');
    echo json_encode(is_file($processed) ? file($processed, FILE_IGNORE_NEW_LINES) : []);
    return;
}

// From the Payvost webhook docs:
$payload = @file_get_contents('php://input');
$sig_header = $_SERVER['HTTP_PAYVOST_SIGNATURE'];
$secret = getenv('PAYVOST_WEBHOOK_SECRET');
try {
    $event = \Payvost\Webhook::constructEvent($payload, $sig_header, $secret);
} catch(\Payvost\Exception\SignatureVerificationException $e) {
    http_response_code(400);
    exit();
} catch (\Payvost\Exception\UnexpectedValueException $e) {
    // Authentic, but not an event.
    http_response_code(400);
    exit();
}

// Claim the event: a delivery seen before is acknowledged, not redone; one
// another worker is processing is answered 409, and Payvost retries it.
header('Content-Type: application/json');
try {
    $store = new PdoStore(new PDO("sqlite:{$database}"));
    $store->setup();
    $claim = (new IdempotencyGuard($store))->claim($event, $payload);
} catch (\Payvost\Exception\IdempotencyException $e) {
    http_response_code($e->getHttpStatus());
    echo json_encode(['error' => ['code' => $e->getErrorCode(), 'message' => $e->getMessage()]]);
    exit();
}
if ($claim->outcome === 'duplicate') {
    echo json_encode(['received' => true, 'duplicate' => true]);
    exit();
}

// Respond fast (Payvost waits 30 s at most), then process under the claim.
echo json_encode(['received' => true]);
if (function_exists('fastcgi_finish_request')) {
    fastcgi_finish_request(); // PHP-FPM: the answer leaves now
}
$claim->run(function (\Payvost\Event $event) use ($processed): void {
    if ($event->type === 'payment.succeeded') {
        error_log("payment {$event->data->object->id} succeeded: {$event->data->object->amount} {$event->data->object->currency}");
    }
    file_put_contents($processed, $event->id . "\n", FILE_APPEND | LOCK_EX);
});
