// Writes schema/mksysb-vault.config.schema.json from the zod schema in lib/config.ts (`npm run schema`),
// so editors complete and check the deploy config. A test fails when the file is out of date.
import { writeFileSync } from 'node:fs';
import { deployConfigJsonSchema } from '../lib/config.js';

const target = new URL('../schema/mksysb-vault.config.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(deployConfigJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
