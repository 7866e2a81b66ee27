<?php
// Script-spare launcher for PHP (run after _prepend.php): announces itself, blocks on the private channel for one
// message (source + execution info), writes the source to this sandbox's own /tmp/.outrigger/main.php and requires
// it in the global scope — from then on the run is a plain script run.
(function (): void {
    $file = getenv('OUTRIGGER_CODE') ?: '/tmp/.outrigger/main.php';
    $out = fopen('php://fd/4', 'wb');
    fwrite($out, "{\"t\":\"ready\"}\n");
    fclose($out);
    // php://fd/3 is a dup of the channel: closing it leaves fd 3 to the SDK. The host sends nothing after this
    // message until the script calls the SDK, so the stream's read-ahead cannot swallow a reply.
    $in = fopen('php://fd/3', 'rb');
    $line = fgets($in);
    fclose($in);
    if ($line === false) exit(1); // the host went away before handing over a script
    $msg = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
    @mkdir(dirname($file), 0700, true);
    file_put_contents($file, $msg['source']);
    // The environment of a fresh run: OUTRIGGER_EXECUTION for the SDK's context, no trace of being a spare.
    putenv('OUTRIGGER_EXECUTION=' . $msg['execution']);
    putenv('OUTRIGGER_SPARE');
    $_SERVER['OUTRIGGER_EXECUTION'] = $_ENV['OUTRIGGER_EXECUTION'] = $msg['execution'];
    unset($_SERVER['OUTRIGGER_SPARE'], $_ENV['OUTRIGGER_SPARE']);
    foreach (($msg['env'] ?? []) as $k => $v) {
        if (!is_string($k) || !is_string($v) || !preg_match('/^ENNEO_[A-Z_]{1,40}$/', $k)) continue;
        putenv("$k=$v");
        $_SERVER[$k] = $_ENV[$k] = $v;
    }
    $_SERVER['SCRIPT_FILENAME'] = $_SERVER['SCRIPT_NAME'] = $_SERVER['PHP_SELF'] = $file;
    $GLOBALS['argv'][0] = $_SERVER['argv'][0] = $file;
})();
if (\Outrigger\outrigger_script_uses_in((string) file_get_contents(getenv('OUTRIGGER_CODE') ?: '/tmp/.outrigger/main.php'))) $in = \Outrigger\outrigger_script_input();
require getenv('OUTRIGGER_CODE') ?: '/tmp/.outrigger/main.php';
