<?php
// Script mode: the input as the reference platform binds it (`$in`, an object from the stdin JSON), read once and
// shared with Sdk::input() and Input::load(), so stdin can be consumed by any of them.
declare(strict_types=1);

namespace Outrigger;

/**
 * `$in`: a stdClass (the input's fields as properties), also readable as an array (`$in['ticketId']`, which the
 * reference documentation uses once). Reading a field the input lacks fails with its name and the fields there are.
 */
final class ScriptInput extends \stdClass implements \ArrayAccess, \JsonSerializable
{
    public function __get(string $name): mixed
    {
        throw new \ErrorException($this->missing($name), 0, E_WARNING);
    }
    public function __isset(string $name): bool { return false; }
    public function offsetExists(mixed $offset): bool { return isset($this->{$offset}); }
    public function offsetGet(mixed $offset): mixed
    {
        if (!property_exists($this, (string) $offset)) throw new \ErrorException($this->missing((string) $offset), 0, E_WARNING);
        return $this->{$offset};
    }
    public function offsetSet(mixed $offset, mixed $value): void { $this->{$offset} = $value; }
    public function offsetUnset(mixed $offset): void { unset($this->{$offset}); }
    public function jsonSerialize(): mixed { return (object) get_object_vars($this); }

    private function missing(string $name): string
    {
        $has = array_keys(get_object_vars($this));
        return "Undefined property \$in->$name: the input has " . ($has ? 'only ' . implode(', ', $has) : 'no fields')
            . " (use \$in->$name ?? null when it is optional)";
    }
}

/** The raw stdin text, read once. */
function outrigger_stdin_text(): string
{
    static $text = null;
    return $text ??= (string) stream_get_contents(STDIN);
}

/** Whether a script reads `$in` (only then stdin is read before it runs; others may read stdin themselves). */
function outrigger_script_uses_in(string $source): bool
{
    return preg_match('/\$in\b/', $source) === 1;
}

/** The input as `$in`: a ScriptInput for an object, the decoded value otherwise (null for empty stdin). */
function outrigger_script_input(): mixed
{
    $text = outrigger_stdin_text();
    if (trim($text) === '') return new ScriptInput();
    $value = json_decode($text, false, 512, JSON_THROW_ON_ERROR);
    if (!$value instanceof \stdClass) return $value;
    $in = new ScriptInput();
    // PHP objects cannot hold an empty or NUL-led property name: such keys stay reachable through Sdk::input().
    foreach (get_object_vars($value) as $k => $v) if ($k !== '' && $k[0] !== "\0") $in->{$k} = $v;
    return $in;
}
