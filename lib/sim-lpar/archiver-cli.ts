// The entry point createSimulatedFleet bundles into the fleet directory (bin/sim-archiver.mjs): the
// stand-in AIX commands run it with plain node (see archiver.ts for the commands), or talk to it
// running as a server (`serve`, see archiver-server.ts).
import { main } from './archiver.js';
import { serve } from './archiver-server.js';

const argv = process.argv.slice(2);
if (argv[0] === 'serve') serve(process.env.SIM_TOOL_TOKEN ?? '');
else process.exitCode = main(argv);
