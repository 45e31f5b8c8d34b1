<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Nyholm\Psr7\Factory\Psr17Factory;
use Nyholm\Psr7\ServerRequest;
use Payvost\EventRouter;
use Payvost\Psr\WebhookMiddleware;
use Payvost\WebhookSignature;
use Payvost\WebhookVerifier;
use PHPUnit\Framework\TestCase;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Server\RequestHandlerInterface;

/**
 * PHP on AWS Lambda runs through Bref, whose HTTP handlers are PSR-15: Bref
 * turns the Lambda event into a PSR-7 request (nyholm/psr7), the body
 * decoded when isBase64Encoded is true, the header names lowercased, a
 * REST API's or load balancer's multi-value headers kept as lists. The
 * events of every front end in tests/vectors/lambda.json, turned into that
 * request, go through the package's middleware as the README shows it.
 * (Bref itself comes from Packagist, which this machine cannot reach:
 * docs/machine.md.)
 */
final class BrefTest extends TestCase
{
    private const SECRET = 'whsec_1234567890';

    /** @return array<string, array<string, mixed>> the cases of lambda.json by id */
    private static function cases(): array
    {
        $doc = json_decode((string) file_get_contents(PAYVOST_ROOT . '/tests/vectors/lambda.json'), true, 512, JSON_THROW_ON_ERROR);
        $cases = [];
        foreach ($doc['cases'] as $case) {
            $cases[substr($case['id'], strlen('lambda/'))] = $case;
        }
        return $cases;
    }

    /**
     * The PSR-7 request Bref makes of a Lambda HTTP event.
     *
     * @param array<string, mixed> $event
     */
    private static function brefRequest(array $event): ServerRequestInterface
    {
        $headers = [];
        foreach ($event['multiValueHeaders'] ?? $event['headers'] ?? [] as $name => $value) {
            $headers[strtolower($name)] = $value;
        }
        $body = (string) ($event['body'] ?? '');
        if (($event['isBase64Encoded'] ?? false) === true) {
            $body = (string) base64_decode($body, true);
        }
        $method = $event['httpMethod'] ?? $event['requestContext']['http']['method'] ?? 'POST';
        return new ServerRequest($method, $event['rawPath'] ?? $event['path'] ?? '/', $headers, $body);
    }

    /**
     * The case's event signed now, as Payvost would send it: the middleware reads the clock.
     *
     * @param array<string, mixed> $case
     * @return array<string, mixed>
     */
    private static function fresh(array $case): array
    {
        $event = $case['event'];
        $raw = $event['isBase64Encoded'] ? (string) base64_decode($event['body'], true) : (string) $event['body'];
        $header = WebhookSignature::generateHeader($raw, self::SECRET, time());
        foreach (['headers', 'multiValueHeaders'] as $where) {
            foreach (array_keys($event[$where] ?? []) as $name) {
                if (strtolower($name) === 'payvost-signature') {
                    $event[$where][$name] = $where === 'headers' ? $header : [$header];
                }
            }
        }
        return $event;
    }

    /** @return array{int, string} */
    private static function handle(ServerRequestInterface $request, EventRouter $router): array
    {
        $factory = new Psr17Factory();
        $middleware = new WebhookMiddleware(new WebhookVerifier(self::SECRET), $factory, $factory, $router);
        $next = new class implements RequestHandlerInterface {
            public function handle(ServerRequestInterface $request): ResponseInterface
            {
                throw new \LogicException('the middleware answers a routed delivery itself');
            }
        };
        $response = $middleware->process($request, $next);
        return [$response->getStatusCode(), (string) $response->getBody()];
    }

    public function testTheMiddlewareVerifiesTheRequestBrefMakesOfEveryFrontEnd(): void
    {
        $handled = [];
        $router = (new EventRouter())->on('payment.succeeded', function ($event) use (&$handled): void {
            $handled[] = $event->id;
        });
        $cases = self::cases();
        foreach (['rest', 'http', 'url', 'alb'] as $front) {
            foreach (['text', 'base64'] as $form) {
                self::assertSame([200, '{"received":true}'], self::handle(self::brefRequest(self::fresh($cases["{$front}-{$form}"])), $router), "{$front}-{$form}");
            }
        }
        self::assertSame([200, '{"received":true}'], self::handle(self::brefRequest(self::fresh($cases['alb-multi-value'])), $router));
        self::assertSame(array_fill(0, 9, 'evt_1'), $handled);
    }

    public function testWhatTheMiddlewareRefusesFromBrefsRequest(): void
    {
        $router = (new EventRouter())->onAny(static function (): void {
            self::fail('a refused delivery ran a handler');
        });
        $cases = self::cases();
        foreach ([
            'http-forged' => 'signature_mismatch',
            'rest-no-header' => 'header_missing',
            'rest-header-sent-twice' => 'header_malformed',
            'http-header-sent-twice' => 'header_malformed',
            'alb-multi-value-twice' => 'header_malformed',
        ] as $id => $code) {
            [$status, $body] = self::handle(self::brefRequest($cases[$id]['event']), $router);
            self::assertSame(400, $status, $id);
            self::assertSame($code, json_decode($body, true, 512, JSON_THROW_ON_ERROR)['error']['code'], $id);
        }
    }
}
