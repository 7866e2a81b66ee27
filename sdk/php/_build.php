<?php
// Dependency-build launcher for PHP: starts the egress forwarder (repository hosts only), writes the administrator's
// Composer config into the sandbox-local COMPOSER_HOME, then replaces itself with composer (argv after this file).
declare(strict_types=1);

if (getenv('OUTRIGGER_EGRESS_PORT')) {
    require __DIR__ . '/_egress.php';
    // A forked child relays 127.0.0.1:<port> to the host's proxy; it dies with the sandbox when composer exits.
    outrigger_start_egress();
}
$home = getenv('COMPOSER_HOME') ?: '/tmp/composer';
@mkdir($home, 0700, true);
if (is_file('/input/composer-config.json')) copy('/input/composer-config.json', "$home/config.json");
$args = array_slice($argv, 1);
pcntl_exec(PHP_BINARY, $args);
fwrite(STDERR, "outrigger: could not start composer: " . pcntl_strerror(pcntl_get_last_error()) . "\n");
exit(127);
