<?php
// A Payvost webhook receiver on PSR-7 and PSR-15: the SDK's WebhookMiddleware
// reads the raw body, verifies it, and runs the event's handlers from an
// EventRouter. Any PSR-7 implementation and any PSR-15 stack (Slim 4,
// Mezzio, Laminas Stratigility) will do; this one uses guzzlehttp/psr7 and
// dispatches by hand, so that it runs with nothing else.
//
//   composer install && PAYVOST_WEBHOOK_SECRET=whsec_... php -S 127.0.0.1:8080 index.php
//
// In Slim 4 the same middleware goes on the route:
//   $app->post('/webhooks/payvost', fn ($request, $response) => $response)->add($webhook);

declare(strict_types=1);

require getenv('PAYVOST_AUTOLOAD') ?: __DIR__ . '/vendor/autoload.php';

use GuzzleHttp\Psr7\HttpFactory;
use GuzzleHttp\Psr7\ServerRequest;
use Payvost\Event;
use Payvost\EventRouter;
use Payvost\Idempotency\IdempotencyGuard;
use Payvost\Idempotency\PdoStore;
use Payvost\Psr\WebhookMiddleware;
use Payvost\WebhookVerifier;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Server\RequestHandlerInterface;

// Which events were processed, for the tests and the demo.
$store = getenv('PAYVOST_EVENTS_FILE') ?: sys_get_temp_dir() . '/payvost-example-psr15-events';
$work = [];

$router = (new EventRouter())->onAny(function (Event $event) use ($store, &$work): void {
    file_put_contents($store, $event->id . "\n", FILE_APPEND | LOCK_EX);
    $work[] = $event;
});

// Each event's handlers run once, across every worker sharing the records: an
// SQLite file here, PostgreSQL (the same PdoStore) or Redis (RedisStore) for a fleet.
$database = getenv('PAYVOST_IDEMPOTENCY_DB') ?: sys_get_temp_dir() . '/payvost-example-psr15.db';
$records = new PdoStore(new PDO("sqlite:{$database}"));
$records->setup();

$factory = new HttpFactory();
// Every delivery's record (protocol §10.2), refused ones included, as one
// JSON line: to a file when PAYVOST_DELIVERY_LOG names one, else the server's log.
$deliveryLog = getenv('PAYVOST_DELIVERY_LOG') ?: null;
$webhook = new WebhookMiddleware(new WebhookVerifier(getenv('PAYVOST_WEBHOOK_SECRET')), $factory, $factory, $router,
    idempotency: new IdempotencyGuard($records),
    onDelivery: static function (array $record) use ($deliveryLog): void {
        $line = json_encode($record, JSON_UNESCAPED_SLASHES);
        $deliveryLog === null ? error_log("payvost delivery {$line}") : file_put_contents($deliveryLog, "{$line}\n", FILE_APPEND | LOCK_EX);
    });

$notFound = new class ($factory) implements RequestHandlerInterface {
    public function __construct(private HttpFactory $factory)
    {
    }

    public function handle(ServerRequestInterface $request): ResponseInterface
    {
        return $this->factory->createResponse(404);
    }
};

$request = ServerRequest::fromGlobals();
$response = $request->getMethod() === 'POST' && $request->getUri()->getPath() === '/webhooks/payvost'
    ? $webhook->process($request, $notFound)
    : $notFound->handle($request);

// Respond fast (Payvost waits 30 s at most), then process.
http_response_code($response->getStatusCode());
foreach ($response->getHeaders() as $name => $values) {
    header($name . ': ' . implode(', ', $values));
}
echo $response->getBody();
if (function_exists('fastcgi_finish_request')) {
    fastcgi_finish_request(); // PHP-FPM: the answer leaves now
}
foreach ($work as $event) {
    error_log("{$event->type} {$event->id}");
}
