<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Exception\ExceptionInterface;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/** Every conformance vector in tests/vectors/ (schema in its README), with its exact outcome. */
final class VectorsTest extends TestCase
{
    /** @return iterable<string, array{array<string, mixed>}> */
    public static function cases(): iterable
    {
        foreach (glob(PAYVOST_ROOT . '/tests/vectors/*.json') as $file) {
            $doc = json_decode(file_get_contents($file), true, 512, JSON_THROW_ON_ERROR);
            if ($doc['schema'] !== 'verify/1') {
                continue; // rfc4231.json: the MAC itself, run by the core
            }
            foreach ($doc['cases'] as $case) {
                yield $case['id'] => [$case];
            }
        }
    }

    public function testThereAreEnoughCases(): void
    {
        self::assertGreaterThanOrEqual(150, iterator_count(self::cases()));
    }

    /**
     * @dataProvider cases
     * @param array<string, mixed> $case
     */
    public function testVector(array $case): void
    {
        $payload = base64_decode($case['payload_b64'], true);
        $secret = count($case['secrets']) === 1 ? $case['secrets'][0] : $case['secrets'];
        $tolerance = $case['tolerance'] ?? Webhook::DEFAULT_TOLERANCE;
        $now = (int) $case['now']; // beyond 2^53 the vectors write a decimal string
        $expected = $case['expected'];
        if (isset($expected['error'])) {
            $calls = ['constructEvent' => fn () => Webhook::constructEvent($payload, $case['header'], $secret, $tolerance, $now)];
            // verifyHeader refuses the same way, unless only the body was refused (it does not judge the body).
            $verify = fn () => WebhookSignature::verifyHeader($payload, $case['header'], $secret, $tolerance, $now);
            if (str_starts_with($expected['error'], 'payload_')) {
                self::assertIsInt($verify()->secretIndex);
            } else {
                $calls['verifyHeader'] = $verify;
            }
            foreach ($calls as $name => $call) {
                try {
                    $call();
                    self::fail("{$name}: expected {$expected['error']}");
                } catch (ExceptionInterface $e) {
                    self::assertSame($expected['error'], $e->getErrorCode(), "{$name}: {$e->getMessage()}");
                    if (isset($expected['message'])) {
                        self::assertSame($expected['message'], $e->getMessage(), $name);
                    }
                }
            }
            return;
        }
        $event = Webhook::constructEvent($payload, $case['header'], $secret, $tolerance, $now);
        self::assertSame($expected['event_id'], $event->id);
        self::assertSame($expected['event_type'], $event['type']);
        $verified = WebhookSignature::verifyHeader($payload, $case['header'], $secret, $tolerance, $now);
        self::assertSame($expected['secret_index'], $verified->secretIndex);
        self::assertSame((int) $expected['timestamp'], $verified->timestamp);
        $raw = $event->jsonSerialize();
        foreach ($expected['fields'] ?? [] as $path => $value) {
            $found = $raw;
            foreach (explode('.', $path) as $part) {
                $found = $found->{$part};
            }
            self::assertEquals(json_decode(json_encode($value)), $found, $path);
        }
        if (array_key_exists('created', $expected)) {
            self::assertSame($expected['created'], $event->created);
        }
        if (isset($expected['object'])) {
            $object = $event->object();
            $kind = $expected['object']['kind'];
            self::assertSame($kind === 'other' ? \Payvost\PayvostObject::class : 'Payvost\\' . ucfirst($kind), $object::class);
            // Exactly the core's typed reading: null where it reads the field as absent.
            foreach ($expected['object']['typed'] as $field => $value) {
                self::assertSame($value, $object->{$field}, $field);
            }
        }
        // Exactly what json_decode makes of the body.
        self::assertEquals(json_decode($payload), $raw);
    }
}
