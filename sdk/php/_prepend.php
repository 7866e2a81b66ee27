<?php
// Script-mode prelude for PHP (auto_prepend_file): dependencies, egress, and uncaught errors with the user's file/line.
// The SDK itself is not loaded here: scripts load it by path (`require getenv('SDK');`), as in other sandboxes.
declare(strict_types=1);

require __DIR__ . '/_errors.php';
(function () {
    $deps = getenv('OUTRIGGER_DEPS');
    if ($deps && is_file("$deps/vendor/autoload.php")) require "$deps/vendor/autoload.php";
    if (getenv('OUTRIGGER_EGRESS_PORT')) {
        require __DIR__ . '/_egress.php';
        outrigger_start_egress();
    }
})();
// Fatal errors (memory_limit, E_ERROR) end the script: report them with the user's file/line, and PHP's memory_limit
// as OUT_OF_MEMORY (it sits below the cgroup limit, so it is what a script over its memory hits first).
register_shutdown_function(function () {
    $e = error_get_last();
    if (!$e || !in_array($e['type'], [E_ERROR, E_CORE_ERROR, E_COMPILE_ERROR, E_PARSE], true)) return;
    $userFile = getenv('OUTRIGGER_CODE') ?: '/code/main.php';
    $err = ['type' => 'FatalError', 'message' => $e['message'],
        'stack' => "PHP Fatal error: {$e['message']} in " . str_replace($userFile, 'main.php', $e['file']) . ":{$e['line']}"];
    if (str_contains($e['message'], 'Allowed memory size')) $err['code'] = 'OUT_OF_MEMORY';
    if ($e['file'] === $userFile) {
        $err['file'] = 'main.php';
        $err['line'] = $e['line'];
    }
    $out = @fopen('php://fd/4', 'wb');
    if ($out) fwrite($out, json_encode(['t' => 'error', 'error' => $err], JSON_INVALID_UTF8_SUBSTITUTE) . "\n");
});
set_exception_handler(function (\Throwable $e) {
    $d = outrigger_describe($e, getenv('OUTRIGGER_CODE') ?: '/code/main.php');
    fwrite(STDERR, $d['stack']);
    $out = @fopen('php://fd/4', 'wb');
    if ($out) fwrite($out, json_encode(['t' => 'error', 'error' => $d], JSON_INVALID_UTF8_SUBSTITUTE) . "\n");
    exit(255);
});
