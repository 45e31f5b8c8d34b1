<?php

// One door of `make differential` in PHP: payvost/payvost-php as Composer
// installed it (PAYVOST_PHP_AUTOLOAD), fed the JSON-lines cases on standard
// input; one outcome per line on standard output.

declare(strict_types=1);

require getenv('PAYVOST_PHP_AUTOLOAD');

use Payvost\Exception\ExceptionInterface;
use Payvost\Webhook;
use Payvost\WebhookSignature;

while (($line = fgets(STDIN)) !== false) {
    $case = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
    $payload = base64_decode($case['payload_b64'], true);
    $tolerance = $case['tolerance'] ?? Webhook::DEFAULT_TOLERANCE;
    try {
        $event = Webhook::constructEvent($payload, $case['header'], $case['secrets'], $tolerance, $case['now']);
        $verified = WebhookSignature::verifyHeader($payload, $case['header'], $case['secrets'], $tolerance, $case['now']);
        $outcome = ['id' => $event->id, 'secret_index' => $verified->secretIndex];
    } catch (ExceptionInterface $e) {
        $outcome = ['code' => $e->getErrorCode()];
    } catch (\Throwable $e) {
        // Anything but the SDK's own exception is a defect: report it as such.
        $outcome = ['crash' => get_class($e) . ': ' . $e->getMessage()];
    }
    echo json_encode($outcome, JSON_THROW_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE), "\n";
}
