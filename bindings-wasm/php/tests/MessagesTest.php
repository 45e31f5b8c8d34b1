<?php

declare(strict_types=1);

namespace Payvost\Tests;

use Payvost\Exception\ExceptionInterface;
use Payvost\Webhook;
use Payvost\WebhookSignature;
use PHPUnit\Framework\TestCase;

/**
 * Messages that name the real cause: a mismatch names both usual causes (the
 * body, then the secret) and a secret without its whsec_ prefix; an absent
 * secret (getenv() gives false for an unset variable) names what was passed
 * and the variable the docs use.
 */
final class MessagesTest extends TestCase
{
    private const NOW = 1764000000;
    private const BODY = '{"id":"evt_1","type":"x","data":{"object":{}}}';
    private const BOTH = 'No signature in the Payvost-Signature header matches this payload and secret. '
        . 'Either the body passed is not the raw request body, byte for byte as received (a JSON body parser '
        . "re-serialises it), or the secret is not this endpoint's signing secret (whsec_...)";
    private const HINT = " Pass the body exactly as received: file_get_contents('php://input'),"
        . ' or $request->getContent() in Laravel and Symfony; never a decoded and re-encoded body.';

    private static function message(mixed $secret): string
    {
        $header = WebhookSignature::generateHeader(self::BODY, 'whsec_right', self::NOW);
        try {
            Webhook::constructEvent(self::BODY, $header, $secret, 300, self::NOW);
        } catch (ExceptionInterface $e) {
            return $e->getErrorCode() . ': ' . $e->getMessage();
        }
        return 'nothing was thrown';
    }

    public function testAWrongSecretNamesBothCausesBodyFirst(): void
    {
        $this->assertSame('signature_mismatch: ' . self::BOTH . '.' . self::HINT, self::message('whsec_wrong'));
    }

    public function testASecretWithoutItsPrefixIsNamed(): void
    {
        $this->assertSame(
            'signature_mismatch: ' . self::BOTH . '. The secret given does not start with whsec_, as every Payvost '
            . 'webhook signing secret does: it is most likely another value.' . self::HINT,
            self::message('1234567890'),
        );
    }

    public function testAnAbsentSecretNamesItselfAndTheVariable(): void
    {
        foreach ([[null, 'null'], [false, 'false']] as [$value, $what]) {
            $this->assertSame(
                "secret_invalid: The webhook signing secret is {$what}: is PAYVOST_WEBHOOK_SECRET set? "
                . "Pass the endpoint's signing secret (whsec_...), as the docs read it from PAYVOST_WEBHOOK_SECRET",
                self::message($value),
            );
        }
    }
}
