<?php
// Handler-mode worker for PHP: requires main.php once, then answers JSON-line invocations on fd 3/4 until EOF.
declare(strict_types=1);

$__sdkDir = getenv('OUTRIGGER_SDK_DIR') ?: __DIR__;
$__userFile = getenv('OUTRIGGER_CODE') ?: '/code/main.php';
require $__sdkDir . '/outrigger.php';
require $__sdkDir . '/_errors.php';
$__deps = getenv('OUTRIGGER_DEPS');
if ($__deps && is_file("$__deps/vendor/autoload.php")) require "$__deps/vendor/autoload.php";
if (getenv('OUTRIGGER_EGRESS_PORT')) {
    require $__sdkDir . '/_egress.php';
    outrigger_start_egress();
}

$__ch = Outrigger\Channel::instance();
$GLOBALS['__outrigger_busy'] = false;

// echo/print become log lines of the current execution, never output.
ob_start(function (string $buf) use ($__ch): string {
    foreach (explode("\n", rtrim($buf, "\n")) as $line) {
        if ($line !== '') $__ch->send(['t' => 'log', 'level' => 'info', 'message' => $line]);
    }
    return '';
}, 4096);

// Fatal errors (memory_limit, E_ERROR) end the process; report them as the result of the invocation in progress.
register_shutdown_function(function () use ($__ch, $__userFile) {
    $e = error_get_last();
    if (!$GLOBALS['__outrigger_busy'] || !$e || !in_array($e['type'], [E_ERROR, E_CORE_ERROR, E_COMPILE_ERROR, E_PARSE], true)) return;
    $oom = str_contains($e['message'], 'Allowed memory size');
    $err = ['code' => $oom ? 'OUT_OF_MEMORY' : 'RUNTIME_ERROR', 'type' => 'FatalError', 'message' => $e['message'],
        'stack' => "PHP Fatal error: {$e['message']} in " . str_replace($__userFile, 'main.php', $e['file']) . ":{$e['line']}"];
    if ($e['file'] === $__userFile) {
        $err['file'] = 'main.php';
        $err['line'] = $e['line'];
    }
    $__ch->send(['t' => 'result', 'ok' => false, 'error' => $err]);
});

if (getenv('OUTRIGGER_SPARE')) {
    // A pre-started spare: the code arrives over the channel once a pool takes this worker.
    $__ch->send(['t' => 'ready']);
    $__first = $__ch->recv() ?? [];
    @mkdir(dirname($__userFile), 0700, true);
    file_put_contents($__userFile, $__first['source'] ?? '');
}

$__loadError = null;
try {
    require $__userFile;
    if (!function_exists('handler')) {
        $__loadError = ['type' => 'TypeError', 'message' => 'main.php must define function handler(array $input, Outrigger\Context $ctx)', 'stack' => ''];
    }
} catch (\Throwable $e) {
    $__loadError = outrigger_describe($e, $__userFile);
}
ob_flush();

while (($__msg = $__ch->recv()) !== null) {
    if (($__msg['t'] ?? '') !== 'invoke') continue;
    $GLOBALS['__outrigger_busy'] = true;
    if ($__loadError !== null) {
        $__res = ['t' => 'result', 'ok' => false, 'error' => ['code' => 'RUNTIME_ERROR'] + $__loadError];
    } else {
        try {
            $__out = handler($__msg['input'] ?? [], new Outrigger\Context($__msg['execution'] ?? []));
            $__res = ['t' => 'result', 'ok' => true, 'output' => $__out];
        } catch (\Throwable $e) {
            $__res = ['t' => 'result', 'ok' => false, 'error' => ['code' => 'RUNTIME_ERROR'] + outrigger_describe($e, $__userFile)];
        }
    }
    ob_flush();
    try {
        $__line = json_encode($__res, JSON_THROW_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
    } catch (\JsonException $e) {
        $__line = json_encode(['t' => 'result', 'ok' => false, 'error' => ['code' => 'OUTPUT_INVALID', 'message' => 'handler returned a value that is not JSON: ' . $e->getMessage()]]);
    }
    $__ch->sendRaw($__line);
    $GLOBALS['__outrigger_busy'] = false;
}
