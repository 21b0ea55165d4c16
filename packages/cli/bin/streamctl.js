#!/usr/bin/env node
// The only place that exits the process. The AWS SDK's Node version notice
// is shown once by `streamctl status`, not as a warning on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/index.js');
const code = await main(process.argv.slice(2));
// Flush stdout before exiting: a pipe may still hold the JSON we printed.
process.stdout.write('', () => process.exit(code));
