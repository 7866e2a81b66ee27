#!/usr/bin/env node
// Entry point of the `outrigger` command: runs the compiled CLI.
import '../dist/cli/index.js';
