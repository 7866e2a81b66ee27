<?php
// In-sandbox egress forwarder for PHP: a forked child relays 127.0.0.1:<port> to the host's filtering CONNECT proxy
// on a Unix socket; HTTP(S)_PROXY points curl/Guzzle here. The sandbox itself has no network but `lo`.
declare(strict_types=1);

function outrigger_start_egress(): void
{
    $port = (int) getenv('OUTRIGGER_EGRESS_PORT');
    $sock = getenv('OUTRIGGER_EGRESS_SOCK') ?: '/run/outrigger/egress.sock';
    $server = stream_socket_server("tcp://127.0.0.1:$port", $errno, $errstr);
    if ($server === false) {
        fwrite(STDERR, "outrigger: egress forwarder failed: $errstr\n");
        return;
    }
    $pid = pcntl_fork();
    if ($pid !== 0) {
        fclose($server);
        return;
    }
    // The child: never returns into user code; it dies with the sandbox.
    foreach ([3, 4] as $fd) @fclose(fopen("php://fd/$fd", 'r'));
    $pairs = [];
    while (true) {
        $read = [$server];
        foreach ($pairs as [$a, $b]) {
            $read[] = $a;
            $read[] = $b;
        }
        $w = $e = null;
        if (@stream_select($read, $w, $e, null) === false) continue;
        foreach ($read as $r) {
            if ($r === $server) {
                $c = @stream_socket_accept($server, 0);
                $u = $c ? @stream_socket_client("unix://$sock", $errno, $errstr, 5) : false;
                if ($c && $u) $pairs[(int) $c] = [$c, $u];
                elseif ($c) fclose($c);
                continue;
            }
            foreach ($pairs as $key => [$a, $b]) {
                if ($r !== $a && $r !== $b) continue;
                $data = fread($r, 65536);
                if ($data === '' || $data === false) {
                    fclose($a);
                    fclose($b);
                    unset($pairs[$key]);
                } else {
                    fwrite($r === $a ? $b : $a, $data);
                }
            }
        }
    }
}
