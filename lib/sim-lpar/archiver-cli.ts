// The entry point createSimulatedFleet bundles into the fleet directory (bin/sim-archiver.mjs): the
// stand-in AIX commands run it with plain node. See archiver.ts for the commands.
import { main } from './archiver.js';

process.exitCode = main(process.argv.slice(2));
