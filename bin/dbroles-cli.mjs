#!/usr/bin/env node
// The `dbroles` executable: runs bin/cli.ts from source through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
