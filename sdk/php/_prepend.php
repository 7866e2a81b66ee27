<?php
// Script-mode prelude for PHP (auto_prepend_file): dependencies, egress, uncaught errors with the user's file/line,
// `$in` bound to the input (as the reference platform does), and reads of what does not exist made fatal.
// The SDK itself is not loaded here: scripts load it by path (`require getenv('SDK');`), as in other sandboxes.
declare(strict_types=1);

require __DIR__ . '/_errors.php';
require __DIR__ . '/_script_input.php';
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
// A read of an undefined variable or property is only a warning in PHP: the script would go on and print a wrong
// answer as a success. Here it ends the run with the warning as its error (an @-silenced read stays silent).
set_error_handler(function (int $no, string $message, string $file, int $line): bool {
    if (!($no & error_reporting()) || $no !== E_WARNING) return false;
    if (!preg_match('/^(Undefined variable|Undefined property|Attempt to read property|Trying to access array offset on)/', $message)) return false;
    throw new \ErrorException("$message (a script may not read what does not exist; check the input or use ?? / isset())", 0, $no, $file, $line);
});
set_exception_handler(function (\Throwable $e) {
    $d = outrigger_describe($e, getenv('OUTRIGGER_CODE') ?: '/code/main.php');
    fwrite(STDERR, $d['stack']);
    $out = @fopen('php://fd/4', 'wb');
    if ($out) fwrite($out, json_encode(['t' => 'error', 'error' => $d], JSON_INVALID_UTF8_SUBSTITUTE) . "\n");
    exit(255);
});
// `$in`, in the global scope of the script, when the script uses it (a spare binds it once its script arrives).
if (!getenv('OUTRIGGER_SPARE') && \Outrigger\outrigger_script_uses_in((string) @file_get_contents(getenv('OUTRIGGER_CODE') ?: '/code/main.php'))) {
    $in = \Outrigger\outrigger_script_input();
}
