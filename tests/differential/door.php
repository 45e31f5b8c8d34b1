<?php

// One door of `make differential` in PHP: payvost/payvost-php as Composer
// installed it (PAYVOST_PHP_AUTOLOAD), fed the JSON-lines cases on standard
// input; one outcome per line on standard output.

declare(strict_types=1);

require getenv('PAYVOST_PHP_AUTOLOAD');

use Payvost\Exception\ExceptionInterface;
use Payvost\Exception\SignatureVerificationException;
use Payvost\Runtime;
use Payvost\Webhook;
use Payvost\WebhookSignature;

$facts = Runtime::get()->facts();
$kindOf = array_column($facts['event_types'], 'object', 'name');
$fields = [];
foreach ($facts['objects'] as $object) {
    $fields[$object['kind']] = array_column($object['fields'], 'name');
}

while (($line = fgets(STDIN)) !== false) {
    $case = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
    $payload = base64_decode($case['payload_b64'], true);
    $tolerance = $case['tolerance'] ?? Webhook::DEFAULT_TOLERANCE;
    try {
        $event = Webhook::constructEvent($payload, $case['header'], $case['secrets'], $tolerance, $case['now']);
        $verified = WebhookSignature::verifyHeader($payload, $case['header'], $case['secrets'], $tolerance, $case['now']);
        // The typed view of data.object, field by field, by the core's schema.
        $names = $fields[$kindOf[$event->type] ?? ''] ?? null;
        $typed = null;
        if ($names !== null) {
            $typed = [];
            foreach ($names as $name) {
                $typed[$name] = $event->data->object->{$name};
            }
        }
        $outcome = ['id' => $event->id, 'secret_index' => $verified->secretIndex, 'typed' => $typed];
    } catch (SignatureVerificationException $e) {
        $outcome = ['code' => $e->getErrorCode(), 'header' => $e->getSigHeader() ?? '', 'payload' => $e->getHttpBody() ?? ''];
    } catch (ExceptionInterface $e) {
        $outcome = ['code' => $e->getErrorCode()];
    } catch (\Throwable $e) {
        // Anything but the SDK's own exception is a defect: report it as such.
        $outcome = ['crash' => get_class($e) . ': ' . $e->getMessage()];
    }
    echo json_encode($outcome, JSON_THROW_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE), "\n";
}
