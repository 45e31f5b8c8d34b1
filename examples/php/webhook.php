<?php
// A Payvost webhook receiver in plain PHP: the docs' handler, processing each
// event once (deliveries are retried, so an event id can arrive again), and
// answering before doing the work.
//
//   composer install && PAYVOST_WEBHOOK_SECRET=whsec_... php -S 127.0.0.1:8080 webhook.php

require getenv('PAYVOST_AUTOLOAD') ?: __DIR__ . '/vendor/autoload.php';

// In production this is a table with a unique key on the event id.
$store = getenv('PAYVOST_EVENTS_FILE') ?: sys_get_temp_dir() . '/payvost-example-events';

if ($_SERVER['REQUEST_METHOD'] === 'GET' && $_SERVER['REQUEST_URI'] === '/processed') {
    // For the tests and the demo: which events were processed, in order.
    header('Content-Type: application/json');
    echo json_encode(is_file($store) ? file($store, FILE_IGNORE_NEW_LINES) : []);
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

// Idempotent: a retried delivery of an event already taken is acknowledged, not redone.
$lock = fopen($store . '.lock', 'c');
flock($lock, LOCK_EX);
$seen = is_file($store) ? file($store, FILE_IGNORE_NEW_LINES) : [];
$duplicate = in_array($event->id, $seen, true);
if (!$duplicate) {
    file_put_contents($store, $event->id . "\n", FILE_APPEND);
}
flock($lock, LOCK_UN);

// Respond fast (Payvost waits 30 s at most), then process.
header('Content-Type: application/json');
echo json_encode(['received' => true] + ($duplicate ? ['duplicate' => true] : []));
if (function_exists('fastcgi_finish_request')) {
    fastcgi_finish_request(); // PHP-FPM: the answer leaves now
}
if (!$duplicate && $event->type === 'payment.succeeded') {
    error_log("payment {$event->data->object->id} succeeded: {$event->data->object->amount} {$event->data->object->currency}");
}
