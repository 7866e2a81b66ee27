<?php
// Formats an amount the German way: 1.234,56 €.
function handler(array $input, Outrigger\Context $ctx): mixed {
    $amount = (float)($input['amount'] ?? 0);
    return ['text' => number_format($amount, 2, ',', '.') . ' €'];
}
