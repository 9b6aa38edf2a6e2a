#!/usr/bin/env node
// The `dbroles` executable: runs bin/cli.ts from source through tsx's loader.
import { register } from 'tsx/esm/api';

// The pinned AWS SDK works on Node 20; its notice about future releases is noise for CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('./cli.ts');
