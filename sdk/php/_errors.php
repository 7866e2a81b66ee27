<?php
// Turns a PHP Throwable into the RUNTIME_ERROR details (type, message, stack and line in the user's main.php).
declare(strict_types=1);

function outrigger_describe(\Throwable $e, string $userFile): array
{
    $line = $e->getFile() === $userFile ? $e->getLine() : null;
    if ($line === null) {
        foreach ($e->getTrace() as $f) {
            if (($f['file'] ?? '') === $userFile) {
                $line = $f['line'] ?? null;
                break;
            }
        }
    }
    $stack = get_class($e) . ': ' . $e->getMessage() . ' in ' . $e->getFile() . ':' . $e->getLine() . "\nStack trace:\n";
    foreach ($e->getTrace() as $i => $f) {
        $file = $f['file'] ?? '[internal]';
        if (str_contains($file, '/_bootstrap.php') || str_contains($file, '/_prepend.php') || str_contains($file, '/_script.php')) continue;
        $fn = (isset($f['class']) ? $f['class'] . ($f['type'] ?? '::') : '') . $f['function'];
        $stack .= "#$i $file(" . ($f['line'] ?? '') . "): $fn()\n";
    }
    $d = ['type' => get_class($e), 'message' => $e->getMessage(), 'stack' => str_replace($userFile, 'main.php', $stack)];
    if ($line !== null) {
        $d['file'] = 'main.php';
        $d['line'] = $line;
    }
    if ($e instanceof \Outrigger\OutriggerException) $d['sdkCode'] = $e->sdkCode;
    return $d;
}
