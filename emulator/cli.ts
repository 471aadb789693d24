// `npm run emulator -- [--state-dir DIR]`: runs the emulator in the foreground until Ctrl-C/SIGTERM.
import { clientEnvironment, startEmulator } from './src/index';

const USAGE = 'usage: npm run emulator -- [--state-dir DIR]';

function parseArgs(argv: string[]): { stateDir?: string } {
  const options: { stateDir?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--state-dir' || arg.startsWith('--state-dir=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!value) fail('--state-dir needs a directory');
      options.stateDir = value;
    } else {
      fail(`unknown argument '${arg}'`);
    }
  }
  return options;
}

function fail(message: string): never {
  console.error(`emulator: ${message}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const emulator = await startEmulator({ stateDir: options.stateDir, log: (message) => console.error(`emulator: ${message}`) });
  const { connection } = emulator;
  const env = clientEnvironment(connection);
  console.log(`Azure ML emulator running.${options.stateDir ? '' : ' (fresh temporary state directory; pass --state-dir DIR to keep state)'}`);
  console.log(`  state directory: ${emulator.stateDir}`);
  console.log(`  connection file: ${emulator.connectionFile}  (identities and secrets)`);
  console.log(`  proxy:           ${connection.proxyUrl}`);
  console.log(`  admin API:       ${connection.adminUrl}  (request log, faults)`);
  console.log(`  workspace:       /subscriptions/${connection.subscriptionId}/resourceGroups/${connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${connection.workspaceName}`);
  const others = (connection.workspaces ?? []).slice(1).map((w) => `${w.workspaceName} (resource group ${w.resourceGroupName})`);
  if (others.length) console.log(`  also:            ${others.join(', ')}`);
  console.log('Point Azure SDKs at it (bash):');
  for (const [name, value] of Object.entries(env)) console.log(`  export ${name}=${value}`);
  console.log('For the managed identity, also set IDENTITY_ENDPOINT to managedIdentity.endpoint and IDENTITY_HEADER to');
  console.log('managedIdentity.header from the connection file (secrets are not printed).');
  console.log(`For an Azure VM's identity (IMDS), set AZURE_POD_IDENTITY_AUTHORITY_HOST=${connection.imds.authorityHost} and bypass the proxy for it.`);
  console.log('Press Ctrl-C to stop.');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the emulator (Azurite included)...`);
    emulator.stop().then(
      () => {
        console.log('Emulator stopped.');
        process.exit(0);
      },
      (e: unknown) => {
        console.error(`emulator: stop failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(`emulator: failed to start: ${(e as Error).message}`);
  process.exit(1);
});
