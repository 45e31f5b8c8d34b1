<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Nyholm\Psr7\Factory\Psr17Factory;
use Payvost\Event;
use Payvost\EventRouter;
use Payvost\Idempotency\IdempotencyGuard;
use Payvost\Idempotency\PdoStore;
use Payvost\Psr\WebhookMiddleware;
use Payvost\WebhookSignature;
use Payvost\WebhookVerifier;
use PHPUnit\Framework\TestCase;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Server\RequestHandlerInterface;

/**
 * Protocol §10's table, as tests/vectors/receivers.json holds it: every case
 * through the PSR-15 middleware, which answers it with the table's status
 * and body.
 */
final class ReceiversTest extends TestCase
{
    private const LIMIT = 4096;

    public function testTheMiddlewareAnswersEveryCaseAsTheProtocolTableSays(): void
    {
        if (!interface_exists(\Psr\Http\Server\MiddlewareInterface::class)) {
            self::markTestSkipped('PSR-15 needs the php-psr extension (scripts/test-php.sh loads it)');
        }
        $doc = json_decode((string) file_get_contents(PAYVOST_ROOT . '/tests/vectors/receivers.json'), true, 512, JSON_THROW_ON_ERROR);
        $handled = [];
        $router = (new EventRouter())->onAny(static function (Event $event) use (&$handled): void {
            $handled[] = $event->id;
        });
        $factory = new Psr17Factory();
        $store = new PdoStore(new \PDO('sqlite:' . tempnam(sys_get_temp_dir(), 'payvost-receivers-')));
        $store->setup();
        $adapters = [
            'plain' => new WebhookMiddleware(new WebhookVerifier($doc['secret']), $factory, $factory, $router, limit: self::LIMIT),
            'guarded' => new WebhookMiddleware(new WebhookVerifier($doc['secret']), $factory, $factory, $router, limit: self::LIMIT,
                idempotency: new IdempotencyGuard($store)),
        ];
        $cases = array_column($doc['cases'], null, 'id');
        $deliver = static function (array $case) use ($adapters, $factory): array {
            $body = isset($case['over_limit']) ? str_repeat(' ', self::LIMIT + $case['over_limit']) : base64_decode($case['body_b64'], true);
            $request = $factory->createServerRequest('POST', '/webhooks/payvost')->withBody($factory->createStream($body));
            if ($case['sign_with'] !== null) {
                $request = $request->withHeader('Payvost-Signature', WebhookSignature::generateHeader($body, $case['sign_with']));
            }
            $response = $adapters[$case['guard'] ? 'guarded' : 'plain']->process($request, new class implements RequestHandlerInterface {
                public function handle(ServerRequestInterface $request): ResponseInterface
                {
                    throw new \LogicException('with a router, the middleware answers itself');
                }
            });
            $answer = json_decode((string) $response->getBody(), true, 512, JSON_THROW_ON_ERROR);
            // The table's "...": any non-empty string.
            if (is_string($answer['error']['message'] ?? null) && $answer['error']['message'] !== '') {
                $answer['error']['message'] = '...';
            }
            return ['status' => $response->getStatusCode(), 'body' => $answer];
        };
        foreach ($doc['cases'] as $case) {
            if (isset($case['after'])) {
                $deliver(['guard' => $case['guard']] + $cases['receivers/' . $case['after']]);
            }
            self::assertSame($case['expected'], $deliver($case), $case['id']);
        }
        // The handlers ran for the deliveries the table calls processed: once plain, once guarded.
        self::assertSame(['evt_receivers', 'evt_receivers'], $handled);
    }
}
