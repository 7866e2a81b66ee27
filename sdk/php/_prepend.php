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
set_exception_handler(function (\Throwable $e) {
    $d = outrigger_describe($e, getenv('OUTRIGGER_CODE') ?: '/code/main.php');
    fwrite(STDERR, $d['stack']);
    $out = @fopen('php://fd/4', 'wb');
    if ($out) fwrite($out, json_encode(['t' => 'error', 'error' => $d], JSON_INVALID_UTF8_SUBSTITUTE) . "\n");
    exit(255);
});
