<?php
// The reference platform's PHP SDK surface (EnneoSDK\ApiEnneo, Api, Setting, Input, Helpers, Interaction, …) on top of
// the Outrigger channel, so that sandbox code written for that platform runs unchanged (README "Coming from …").
declare(strict_types=1);

namespace EnneoSDK;

use Outrigger\Channel;
use Outrigger\OutriggerException;
use Outrigger\Sdk;

/** JSON arrays as the reference SDK returns them: objects (`->token`), lists as lists. */
function as_objects(mixed $value): mixed
{
    return $value === null ? null : json_decode(json_encode($value, JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION), false, 512, JSON_THROW_ON_ERROR);
}

function check_authorize_as(string $authorizeAs): void
{
    // Both act as the execution: its workspace token (there is no signed-in user behind an execution here).
    if ($authorizeAs !== 'user' && $authorizeAs !== 'serviceWorker') {
        throw new \InvalidArgumentException("authorizeAs must be one of user, serviceWorker (got '$authorizeAs')");
    }
}

/** The platform API: reference paths (/api/mind/ticket/{id}, …) mapped onto Outrigger's API by the host. */
final class ApiEnneo
{
    private static function request(string $method, string $endpoint, mixed $params, mixed $body, string $authorizeAs): mixed
    {
        check_authorize_as($authorizeAs);
        $args = ['method' => $method, 'path' => $endpoint, 'authorizeAs' => $authorizeAs];
        if ($params !== null && $params !== []) $args['params'] = $params;
        if ($body !== null) $args['body'] = $body;
        return as_objects(Channel::instance()->call('reference.request', $args));
    }
    public static function get(string $endpoint, array|object $params = [], string $authorizeAs = 'user'): mixed { return self::request('GET', $endpoint, $params, null, $authorizeAs); }
    public static function post(string $endpoint, mixed $body = [], string $authorizeAs = 'user'): mixed { return self::request('POST', $endpoint, null, $body, $authorizeAs); }
    public static function put(string $endpoint, mixed $body = [], string $authorizeAs = 'user'): mixed { return self::request('PUT', $endpoint, null, $body, $authorizeAs); }
    public static function patch(string $endpoint, mixed $body = [], string $authorizeAs = 'user'): mixed { return self::request('PATCH', $endpoint, null, $body, $authorizeAs); }
    public static function delete(string $endpoint, string $authorizeAs = 'user'): mixed { return self::request('DELETE', $endpoint, null, null, $authorizeAs); }
    public static function getContract(int|string $contractId, string $authorizeAs = 'user'): mixed { return self::get('/api/mind/contract/' . rawurlencode((string) $contractId), [], $authorizeAs); }
    public static function getTicket(int|string $ticketId, string $authorizeAs = 'user'): mixed { return self::get('/api/mind/ticket/' . rawurlencode((string) $ticketId), [], $authorizeAs); }
    /** Runs a UDF (ctx.udf) and returns its output as an object; its failure is an exception. */
    public static function executeUdf(string $name, array|object $params = [], string $authorizeAs = 'serviceWorker'): mixed
    {
        check_authorize_as($authorizeAs);
        return as_objects(Sdk::udf($name, (object) $params));
    }
    /** A secret's value, or null when it does not exist (as there). */
    public static function getSecret(string $key): mixed
    {
        try {
            return Sdk::secret($key);
        } catch (OutriggerException $e) {
            if ($e->sdkCode === 'NOT_FOUND') return null;
            throw $e;
        }
    }
    public static function getFileFromStorage(mixed ...$args): never
    {
        throw new \BadMethodCallException('getFileFromStorage is not supported: Outrigger has no file storage (keep small JSON in Setting/ctx.storage)');
    }
}

/** Plain HTTP to peripheral systems, through the executor's egress allow-list (code.egress). */
final class Api
{
    /** The decoded JSON answer (objects); a non-2xx answer is an exception with its status and body. */
    public static function call(string $method, string $url, array $headers = [], mixed $params = false, int $timeout = 30): mixed
    {
        $raw = self::call_raw($method, $url, $headers, $params, $timeout);
        return $raw === '' ? null : json_decode($raw, false, 512, JSON_THROW_ON_ERROR);
    }

    /** The raw answer body. */
    public static function call_raw(string $method, string $url, array $headers = [], mixed $params = false, int $timeout = 30): string
    {
        $method = strtoupper($method);
        $base = getenv('ENNEO_API_URL') ?: '';
        if ($base !== '' && str_starts_with($url, $base . '/')) {
            // The platform's own API: over the private channel (the sandbox has no network to it).
            $path = substr($url, strlen($base));
            $isQuery = $method === 'GET' || $method === 'DELETE';
            $args = ['method' => $method, 'path' => $path];
            if ($params !== false && $params !== null) $args[$isQuery ? 'params' : 'body'] = $params;
            return json_encode(Channel::instance()->call('reference.request', $args), JSON_THROW_ON_ERROR);
        }
        $lines = [];
        foreach ($headers as $k => $v) $lines[] = is_int($k) ? (string) $v : "$k: $v";
        $body = null;
        if ($params !== false && $params !== null) {
            if ($method === 'GET' || $method === 'DELETE') {
                $url .= (str_contains($url, '?') ? '&' : '?') . (is_string($params) ? $params : http_build_query((array) $params));
            } else {
                $body = is_string($params) ? $params : json_encode($params, JSON_THROW_ON_ERROR);
                if (!preg_grep('/^content-type:/i', $lines)) $lines[] = 'Content-Type: application/json';
            }
        }
        // Never longer than the execution has left.
        $left = Sdk::execution()->remainingMs();
        $timeoutMs = max(1, min($timeout * 1000, $left ?? PHP_INT_MAX));
        $ch = curl_init($url);
        curl_setopt_array($ch, [
            CURLOPT_CUSTOMREQUEST => $method, CURLOPT_RETURNTRANSFER => true, CURLOPT_HTTPHEADER => $lines,
            CURLOPT_TIMEOUT_MS => $timeoutMs, CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
        ]);
        // Egress goes through the sandbox's forwarder to the host's filtering proxy (never direct).
        $proxy = getenv('HTTPS_PROXY') ?: getenv('HTTP_PROXY');
        if ($proxy) {
            curl_setopt($ch, CURLOPT_PROXY, $proxy);
            curl_setopt($ch, CURLOPT_HTTPPROXYTUNNEL, true);
        }
        if ($body !== null) curl_setopt($ch, CURLOPT_POSTFIELDS, $body);
        $res = curl_exec($ch);
        $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        $error = curl_error($ch);
        curl_close($ch);
        if ($res === false) {
            $why = $proxy ? $error : "$error (this executor has no egress: list the host in code.egress)";
            throw new \RuntimeException("$method $url failed: $why");
        }
        if ($status < 200 || $status >= 300) throw new \RuntimeException("$method $url answered $status: " . substr((string) $res, 0, 500));
        return (string) $res;
    }
}

/** Persistent settings (the reference "storage object" of UDFs): Outrigger storage objects under the same name. */
final class Setting
{
    public static function get(string $name): mixed { return as_objects(Sdk::storage()->get($name)); }
    public static function set(string $name, mixed $value): void { Sdk::storage()->set($name, $value); }
}

/** App key-value storage: storage objects under `app:<key>`. */
final class AppStorage
{
    public static function get(string $key): mixed { return as_objects(Sdk::storage()->get("app:$key")); }
    public static function set(string $key, mixed $value): void { Sdk::storage()->set("app:$key", $value); }
    public static function delete(string $key): void { Sdk::storage()->delete("app:$key"); }
}

/** The running code's identity: the executor and its version. */
final class AppInfo
{
    public static function get(): object
    {
        $e = Sdk::execution();
        return (object) ['id' => $e->executorName, 'name' => $e->executorName, 'version' => $e->version, 'executionId' => $e->id];
    }
}

/** The input (`$in`): the stdin JSON as an object. */
final class Input
{
    public static function load(): mixed { return outrigger_input_object(); }
}

function outrigger_input_object(): mixed
{
    return function_exists('Outrigger\outrigger_script_input') ? \Outrigger\outrigger_script_input() : as_objects(Sdk::input());
}

/** Small helpers: dates, yes/no values, IBANs. */
final class Helpers
{
    /** `de`: DD.MM.YYYY; `en`: MM/DD/YYYY; `iso`/`ymd`: YYYY-MM-DD; any other string is a date() format. */
    public static function formatDate(string|\DateTimeInterface|null $date, string $format = 'de'): ?string
    {
        if ($date === null || $date === '') return null;
        $d = $date instanceof \DateTimeInterface ? $date : self::parse($date);
        if ($d === null) return null;
        return $d->format(match ($format) { 'de' => 'd.m.Y', 'en' => 'm/d/Y', 'iso', 'ymd' => 'Y-m-d', default => $format });
    }

    /** Any common date spelling (31.12.2024, 2024-12-31, 31/12/2024, ISO date-times) as YYYY-MM-DD, or null. */
    public static function parseDateToYMD(?string $date): ?string
    {
        return $date === null ? null : self::parse($date)?->format('Y-m-d');
    }

    private static function parse(string $s): ?\DateTimeImmutable
    {
        $s = trim($s);
        foreach (['!d.m.Y', '!j.n.Y', '!d.m.y', '!Y-m-d', '!d/m/Y'] as $f) {
            $d = \DateTimeImmutable::createFromFormat($f, $s);
            if ($d !== false && !\DateTimeImmutable::getLastErrors()) return $d;
        }
        try {
            return preg_match('/^\d{4}-\d{2}-\d{2}T/', $s) ? new \DateTimeImmutable($s) : null;
        } catch (\Exception) {
            return null;
        }
    }

    /** "ja", "yes", "true", "1", "on", "x" are true; everything else false. */
    public static function boolval(mixed $v): bool
    {
        if (is_bool($v)) return $v;
        if (is_int($v) || is_float($v)) return $v != 0;
        return in_array(strtolower(trim((string) $v)), ['1', 'true', 'yes', 'ja', 'y', 'j', 'on', 'x', 'wahr'], true);
    }

    /** Upper case, groups of four: DE89 3704 0044 0532 0130 00. */
    public static function formatIban(string $iban): string
    {
        return trim(chunk_split(self::compact($iban), 4, ' '));
    }

    /** Whether an IBAN has its country's length and correct check digits (ISO 13616 mod 97). */
    public static function validateIbanFormatting(string $iban): bool
    {
        $c = self::compact($iban);
        if (!preg_match('/^([A-Z]{2})(\d{2})([A-Z0-9]{11,30})$/', $c, $m)) return false;
        $len = self::LENGTHS[$m[1]] ?? null;
        if ($len !== null && strlen($c) !== $len) return false;
        $digits = '';
        foreach (str_split(substr($c, 4) . substr($c, 0, 4)) as $ch) $digits .= ctype_digit($ch) ? $ch : (string) (ord($ch) - 55);
        $rest = 0;
        foreach (str_split($digits, 7) as $part) $rest = (int) ((string) $rest . $part) % 97;
        return $rest === 1;
    }

    private static function compact(string $iban): string
    {
        return strtoupper(preg_replace('/[\s\-]+/', '', $iban) ?? '');
    }

    private const LENGTHS = ['AT' => 20, 'BE' => 16, 'CH' => 21, 'CZ' => 24, 'DE' => 22, 'DK' => 18, 'ES' => 24, 'FI' => 18, 'FR' => 27,
        'GB' => 22, 'IE' => 22, 'IT' => 27, 'LI' => 21, 'LU' => 20, 'NL' => 18, 'NO' => 15, 'PL' => 28, 'PT' => 25, 'SE' => 24];
}

/** An agent's answer: infos, options (one recommended), data; printed with json_encode. */
class Interaction implements \JsonSerializable
{
    /** @var IntentInfo[] */
    public array $infos = [];
    /** @var IntentOption[] */
    public array $options = [];
    public mixed $data;

    public function __construct(mixed $in = null, mixed $data = null)
    {
        $this->data = $data ?? new \stdClass();
    }

    public function jsonSerialize(): mixed
    {
        return ['infos' => array_values($this->infos), 'options' => array_values($this->options), 'data' => $this->data];
    }
}

class IntentInfo implements \JsonSerializable
{
    public function __construct(public string $type = 'neutral', public string $message = '', public mixed $extraInfo = null) {}

    public function jsonSerialize(): mixed
    {
        $o = ['type' => $this->type, 'message' => $this->message];
        if ($this->extraInfo !== null) $o['extraInfo'] = $this->extraInfo;
        return $o;
    }
}

class IntentOption implements \JsonSerializable
{
    public function __construct(public string $type = '', public string $name = '', public ?string $icon = null, public bool $recommended = false,
        public ?int $order = null, public mixed $handler = null) {}

    public function jsonSerialize(): mixed
    {
        return array_filter(['type' => $this->type, 'name' => $this->name, 'icon' => $this->icon, 'recommended' => $this->recommended,
            'order' => $this->order, 'handler' => $this->handler], fn ($v) => $v !== null);
    }
}
