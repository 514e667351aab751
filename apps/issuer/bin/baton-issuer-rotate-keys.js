#!/usr/bin/env node
// baton-issuer-rotate-keys: adds a new signing key in ISSUER_DATA_DIR (default .data/issuer under
// the current directory); a running issuer picks it up within a second, old keys stay published.
import '../dist/rotate.js';
