<?php

declare(strict_types=1);

namespace Payvost;

use Payvost\Exception\ExceptionInterface;

/**
 * A verifier built once from an endpoint's secret (or several, while
 * rotating) and a tolerance, that checks many deliveries with no key setup
 * per call. Keep one per endpoint. It holds no secret: var_dump() shows its
 * tolerance only.
 *
 * ```php
 * $verifier = new \Payvost\WebhookVerifier(getenv('PAYVOST_WEBHOOK_SECRET'));
 * $event = $verifier->constructEvent(file_get_contents('php://input'), $_SERVER['HTTP_PAYVOST_SIGNATURE'] ?? null);
 * ```
 */
final class WebhookVerifier
{
    private int $handle;
    private int $generation;
    private float $tolerance;
    /** @var list<string> kept to rebuild the verifier after a trap; hidden from var_dump() */
    private array $secrets;

    /**
     * @param string|list<string> $secret
     * @throws ExceptionInterface InvalidArgumentException for a secret or tolerance a verifier refuses
     */
    public function __construct(#[\SensitiveParameter] mixed $secret, mixed $tolerance = Webhook::DEFAULT_TOLERANCE)
    {
        $this->secrets = Arguments::secrets($secret);
        $this->tolerance = Arguments::tolerance($tolerance);
        $runtime = Runtime::get();
        $this->handle = Verifiers::build($runtime, $this->secrets, $this->tolerance);
        $this->generation = $runtime->generation();
    }

    /**
     * As Webhook::constructEvent, with this verifier's secrets and tolerance.
     *
     * @throws ExceptionInterface
     */
    public function constructEvent(mixed $payload, mixed $sigHeader, mixed $now = null): Event
    {
        return $this->constructVerified($payload, $sigHeader, $now)[0];
    }

    /**
     * constructEvent, with what the verification found: for a delivery's record.
     *
     * @internal
     * @return array{Event, Verified}
     * @throws ExceptionInterface
     */
    public function constructVerified(mixed $payload, mixed $sigHeader, mixed $now = null): array
    {
        [$timestamp, $index] = Runtime::get()->construct($this->handle(), Arguments::payload($payload), Arguments::header($sigHeader), Arguments::now($now));
        return [Webhook::decode($payload), new Verified($timestamp, $index)];
    }

    /**
     * The event of a PSR-7 request: its raw body (rewound if it was read) and
     * its Payvost-Signature header, verified.
     *
     * ```php
     * $event = $verifier->constructEventFromRequest($request);
     * ```
     *
     * @throws ExceptionInterface as constructEvent; UnexpectedValueException for a body over `$limit` bytes
     *     (`payload_invalid_json`) or already read from a stream that cannot rewind (`payload_wrong_type`)
     */
    public function constructEventFromRequest(\Psr\Http\Message\RequestInterface $request, mixed $now = null, ?int $limit = null): Event
    {
        return $this->constructEvent(Psr\RequestBody::whole($request, $limit), Psr\RequestBody::signatureHeader($request), $now);
    }

    /**
     * As WebhookSignature::verifyHeader, with this verifier's secrets and tolerance.
     *
     * @throws ExceptionInterface
     */
    public function verifyHeader(mixed $payload, mixed $sigHeader, mixed $now = null): Verified
    {
        [$timestamp, $index] = Runtime::get()->verify($this->handle(), Arguments::payload($payload), Arguments::header($sigHeader), Arguments::now($now));
        return new Verified($timestamp, $index);
    }

    /** The handle in the current instance: a trap replaces the instance, and its handles with it. */
    private function handle(): int
    {
        $runtime = Runtime::get();
        if ($this->generation !== $runtime->generation()) {
            $this->handle = Verifiers::build($runtime, $this->secrets, $this->tolerance);
            $this->generation = $runtime->generation();
        }
        return $this->handle;
    }

    /** @return array{tolerance: float} */
    public function __debugInfo(): array
    {
        return ['tolerance' => $this->tolerance];
    }

    public function __destruct()
    {
        $runtime = Runtime::get();
        if ($this->generation === $runtime->generation()) {
            $runtime->call('pv_verifier_free', $this->handle);
        }
    }
}
