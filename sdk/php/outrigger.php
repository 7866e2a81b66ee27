<?php
// Outrigger SDK for PHP: $ctx->log/secret/storage/api/udf/emit/execution over the private fd 3/4 channel (sdk/PROTOCOL.md).
declare(strict_types=1);

namespace Outrigger;

/** An error answered by the platform (secret missing, UDF failed, …); getSdkCode() is the platform's error code. */
class OutriggerException extends \RuntimeException
{
    public function __construct(public readonly string $sdkCode, string $message, public readonly mixed $details = null)
    {
        parent::__construct($message);
    }
}

/** fd 3: host -> sandbox, fd 4: sandbox -> host; private pipes, never the sandbox network. */
final class Channel
{
    private static ?Channel $instance = null;
    /** @var resource */
    private $in;
    /** @var resource */
    private $out;
    private int $next = 0;

    private function __construct()
    {
        $this->in = fopen('php://fd/3', 'rb');
        $this->out = fopen('php://fd/4', 'wb');
    }

    public static function instance(): Channel
    {
        return self::$instance ??= new Channel();
    }

    public function send(array $msg): void
    {
        $this->sendRaw(json_encode($msg, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE | JSON_PRESERVE_ZERO_FRACTION));
    }

    public function sendRaw(string $line): void
    {
        $data = $line . "\n";
        while ($data !== '') {
            $n = fwrite($this->out, $data);
            if ($n === false || $n === 0) throw new OutriggerException('CHANNEL_CLOSED', 'the platform closed the SDK channel');
            $data = substr($data, $n);
        }
        fflush($this->out);
    }

    public function recv(): ?array
    {
        // A read that times out (a stream time-out set by user code) is not the end of the channel: wait on.
        while (($line = fgets($this->in)) === false) {
            if (feof($this->in) || !(stream_get_meta_data($this->in)['timed_out'] ?? false)) return null;
        }
        return json_decode($line, true, 512, JSON_THROW_ON_ERROR);
    }

    public function call(string $op, array $args): mixed
    {
        $id = ++$this->next;
        $this->send(['t' => 'call', 'id' => $id, 'op' => $op, 'args' => (object) $args]);
        while (true) {
            $msg = $this->recv();
            if ($msg === null) throw new OutriggerException('CHANNEL_CLOSED', 'the platform closed the SDK channel');
            if (($msg['t'] ?? '') === 'return' && ($msg['id'] ?? null) === $id) {
                if ($msg['ok'] ?? false) return $msg['value'] ?? null;
                $err = $msg['error'] ?? [];
                throw new OutriggerException($err['code'] ?? 'SDK_ERROR', $err['message'] ?? 'SDK call failed', $err['details'] ?? null);
            }
        }
    }
}

/** $ctx->execution: id, trigger, attempt, executorName, version, deadline (epoch ms), remainingMs(). */
final class Execution
{
    public readonly ?string $id;
    public readonly ?string $trigger;
    public readonly ?int $attempt;
    public readonly ?string $executorName;
    public readonly ?int $version;
    public readonly ?int $deadline;

    public function __construct(array $info)
    {
        $this->id = $info['id'] ?? null;
        $this->trigger = $info['trigger'] ?? null;
        $this->attempt = $info['attempt'] ?? null;
        $this->executorName = $info['executorName'] ?? null;
        $this->version = $info['version'] ?? null;
        $this->deadline = isset($info['deadline']) ? (int) $info['deadline'] : null;
    }

    public function remainingMs(): ?int
    {
        return $this->deadline === null ? null : max(0, $this->deadline - (int) floor(microtime(true) * 1000));
    }
}

final class Storage
{
    public function get(string $key): mixed { return Channel::instance()->call('storage.get', ['key' => $key]); }
    public function set(string $key, mixed $value, ?int $ttlSeconds = null): mixed
    {
        $args = ['key' => $key, 'value' => $value];
        if ($ttlSeconds !== null) $args['ttlSeconds'] = $ttlSeconds;
        return Channel::instance()->call('storage.set', $args);
    }
    public function delete(string $key): mixed { return Channel::instance()->call('storage.delete', ['key' => $key]); }
    /** One page of {key, value, expiresAt} in key order; pass the last key as $after for the next page. */
    public function list(?string $prefix = null, ?string $after = null): mixed
    {
        $args = $prefix === null ? [] : ['prefix' => $prefix];
        if ($after !== null) $args['after'] = $after;
        return Channel::instance()->call('storage.list', $args);
    }
}

final class Api
{
    public function request(string $method, string $path, mixed $body = null): mixed
    {
        $args = ['method' => strtoupper($method), 'path' => $path];
        if ($body !== null) $args['body'] = $body;
        return Channel::instance()->call('api.request', $args);
    }
    public function get(string $path): mixed { return $this->request('GET', $path); }
    public function post(string $path, mixed $body = null): mixed { return $this->request('POST', $path, $body); }
    public function put(string $path, mixed $body = null): mixed { return $this->request('PUT', $path, $body); }
    public function patch(string $path, mixed $body = null): mixed { return $this->request('PATCH', $path, $body); }
    public function delete(string $path): mixed { return $this->request('DELETE', $path); }
}

/** The $ctx handed to handler(array $input, Outrigger\Context $ctx). */
class Context
{
    public readonly Execution $execution;
    public readonly Storage $storage;
    public readonly Api $api;

    public function __construct(array $executionInfo = [])
    {
        $this->execution = new Execution($executionInfo);
        $this->storage = new Storage();
        $this->api = new Api();
    }

    public function log(mixed $message, string $level = 'info'): void
    {
        $level = in_array($level, ['debug', 'info', 'warn', 'error'], true) ? $level : 'info';
        Channel::instance()->send(['t' => 'log', 'level' => $level, 'message' => is_string($message) ? $message : json_encode($message)]);
    }
    public function secret(string $name): mixed { return Channel::instance()->call('secret', ['name' => $name]); }
    public function udf(string $name, mixed $input = null): mixed { return Channel::instance()->call('udf', ['name' => $name, 'input' => $input]); }
    public function emit(string $type, mixed $data = null): mixed { return Channel::instance()->call('emit', ['type' => $type, 'data' => $data]); }
}

/** Script mode: the same calls as static functions, plus input() and output($value). */
final class Sdk
{
    private static ?Context $ctx = null;
    private static bool $inputRead = false;
    private static mixed $input = null;

    public static function ctx(): Context
    {
        return self::$ctx ??= new Context(json_decode(getenv('OUTRIGGER_EXECUTION') ?: '{}', true) ?? []);
    }
    public static function log(mixed $message, string $level = 'info'): void { self::ctx()->log($message, $level); }
    public static function secret(string $name): mixed { return self::ctx()->secret($name); }
    public static function storage(): Storage { return self::ctx()->storage; }
    public static function api(): Api { return self::ctx()->api; }
    public static function udf(string $name, mixed $input = null): mixed { return self::ctx()->udf($name, $input); }
    public static function emit(string $type, mixed $data = null): mixed { return self::ctx()->emit($type, $data); }
    public static function execution(): Execution { return self::ctx()->execution; }

    public static function input(): mixed
    {
        if (!self::$inputRead) {
            // Shared with `$in` (script mode), which may have read stdin already.
            $text = function_exists('Outrigger\outrigger_stdin_text') ? outrigger_stdin_text() : stream_get_contents(STDIN);
            self::$input = trim((string) $text) === '' ? null : json_decode($text, true, 512, JSON_THROW_ON_ERROR);
            self::$inputRead = true;
        }
        return self::$input;
    }

    public static function output(mixed $value): void
    {
        try {
            $line = json_encode(['t' => 'output', 'value' => $value], JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
        } catch (\JsonException $e) {
            throw new OutriggerException('OUTPUT_INVALID', 'output is not JSON: ' . $e->getMessage());
        }
        Channel::instance()->sendRaw($line);
    }
}

// The reference platform's SDK classes (EnneoSDK\ApiEnneo, Api, Setting, …), loaded when first used (sdk/php/enneo.php).
spl_autoload_register(function (string $class): void {
    if (str_starts_with($class, 'EnneoSDK\\')) require_once __DIR__ . '/enneo.php';
});
