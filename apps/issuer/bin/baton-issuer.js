#!/usr/bin/env node
// baton-issuer: the development OAuth 2.0 issuer as a command (a local IdP). Configured by
// environment only (PORT, ISSUER_URL, ISSUER_DATA_DIR, ...: see the package README).
import '../dist/main.js';
