<?php
// Script-mode prelude for PHP (auto_prepend_file): loads the SDK and dependencies, reports uncaught errors.
declare(strict_types=1);

require __DIR__ . '/outrigger.php';
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
    try {
        Outrigger\Channel::instance()->send(['t' => 'error', 'error' => $d]);
    } catch (\Throwable) {
    }
    exit(255);
});
