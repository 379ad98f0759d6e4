// freshness: for every inventoried host, the date of its newest PASS mksysb image from the catalog,
// judged by the pure freshness check. Hosts are read a few at a time.
import type { S3Client } from '@aws-sdk/client-s3';
import { inBatches, lastPassImage } from '../adapters/catalog.js';
import { parseWith } from '../adapters/validation.js';
import { assessFreshness } from '../core/freshness.js';
import { FreshnessInputSchema, type FreshnessOutput, FreshnessOutputSchema } from './schema.js';

export interface FreshnessDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly maxAgeDays: number;
  readonly now: () => Date;
}

export async function checkFreshness(event: unknown, deps: FreshnessDeps): Promise<FreshnessOutput> {
  const input = parseWith(FreshnessInputSchema, event, 'freshness input');
  const store = { client: deps.s3, bucket: deps.bucket };
  const hosts = [...new Set(input.hosts)];
  const lastPass = new Map<string, string | null>();
  const lastPassKey = new Map<string, string>();
  await inBatches(hosts, 8, async (host) => {
    const image = await lastPassImage(store, host);
    lastPass.set(host, image?.date ?? null);
    if (image) lastPassKey.set(host, image.key);
  });
  const now = deps.now();
  return parseWith(
    FreshnessOutputSchema,
    {
      checkedAt: now.toISOString(),
      maxAgeDays: deps.maxAgeDays,
      hosts: hosts.length,
      findings: [
        ...input.fleetProblems.map((p) => ({
          host: p.host ?? p.parameter,
          finding: 'FLEET_PARAMETER_INVALID' as const,
          lastPassDate: null,
          ageDays: null,
          problem: p.message,
        })),
        // Each finding names the image it is about (the alert's subject and body say which).
        ...assessFreshness(hosts, lastPass, now, deps.maxAgeDays).map((f) => ({
          ...f,
          lastPassKey: lastPassKey.get(f.host) ?? null,
        })),
      ],
    },
    'freshness output',
  );
}
