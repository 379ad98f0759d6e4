// The SSM Command documents that run the host steps (preflight, backup, transfer), built from the
// shell scripts in this folder at synth time. The CDK stack registers them; the local SSM stand-in
// (lib/local/ssm-run-command.ts) runs the very same content offline. Each document writes the step
// script and the relay wrapper to a private temp dir and runs them: in relay mode through ssh to
// the LPAR (transfer runs on the relay and reads parts over ssh), in direct mode locally.
import { readFileSync } from 'node:fs';

export const HOST_STEPS = ['preflight', 'backup', 'transfer'] as const;
export type HostStep = (typeof HOST_STEPS)[number];

const INCLUDE_LINE = '. ./common.sh';
const STEP_EOF = 'MKSYSB_VAULT_EOF_STEP';
const RELAY_EOF = 'MKSYSB_VAULT_EOF_RELAY';

function readScript(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
}

/**
 * The script as shipped: without its comment lines (the shebang and shellcheck directives kept).
 * The sources explain themselves at length, and each SSM document carries its step and the relay
 * wrapper, both with common.sh: comments were a third of a document that must stay under SSM's
 * 64 KB (test/lib/stateful-guards.test.ts). No script has a heredoc, and no line of a quoted
 * string spanning lines (an awk program) starts with `#`, so such a line is always a comment
 * (test/host-scripts/shellcheck.test.ts holds the scripts to that).
 */
function withoutCommentLines(text: string): string {
  return text
    .split('\n')
    .filter((line, i) => (i === 0 && line.startsWith('#!')) || !/^\s*#(?! shellcheck )/.test(line))
    .join('\n');
}

/** A step script with common.sh put in place of its `. ./common.sh` line: one file that runs alone. */
export function buildScript(name: string): string {
  const source = readScript(name);
  const common = readScript('common.sh');
  const lines = source.split('\n');
  const at = lines.indexOf(INCLUDE_LINE);
  if (at < 0 || lines.lastIndexOf(INCLUDE_LINE) !== at)
    throw new Error(`lib/host-scripts/${name}: expected exactly one "${INCLUDE_LINE}" line`);
  const text = withoutCommentLines(
    [...lines.slice(0, at), common.trimEnd(), ...lines.slice(at + 1)].join('\n'),
  );
  // SSM substitutes {{ name }} anywhere in runCommand, heredocs included; the heredoc ends at its
  // delimiter line. Neither may appear in an embedded script.
  if (text.includes('{{'))
    throw new Error(`lib/host-scripts/${name}: contains "{{", which SSM would substitute`);
  if (text.split('\n').some((l) => l === STEP_EOF || l === RELAY_EOF))
    throw new Error(`lib/host-scripts/${name}: contains a heredoc delimiter line`);
  return text;
}

/** The self-contained script texts, as they run on AIX and on the relay. */
export const HOST_SCRIPTS: Readonly<Record<HostStep | 'relay', string>> = {
  preflight: buildScript('preflight.sh'),
  backup: buildScript('backup.sh'),
  transfer: buildScript('transfer.sh'),
  relay: buildScript('relay.sh'),
};

/** Exit codes of the steps and the wrapper (docs/host-protocol.md). */
export const HOST_EXIT_CODES = {
  ok: 0,
  invalid: 2,
  refused: 10,
  failed: 11,
  partial: 12,
  unreachable: 13,
  auth_failed: 14,
} as const;

export interface DocumentParameter {
  readonly type: 'String';
  readonly description: string;
  readonly allowedPattern: string;
  readonly default?: string;
}

export interface CommandDocumentContent {
  readonly schemaVersion: '2.2';
  readonly description: string;
  readonly parameters: Readonly<Record<string, DocumentParameter>>;
  readonly mainSteps: readonly [
    {
      readonly action: 'aws:runShellScript';
      readonly name: string;
      readonly inputs: { readonly timeoutSeconds: string; readonly runCommand: readonly string[] };
    },
  ];
}

/** How long SSM lets each step run by default: a mksysb of a big rootvg can take hours. */
export const EXECUTION_TIMEOUT_SECONDS: Readonly<Record<HostStep, number>> = {
  preflight: 600,
  backup: 21_600,
  transfer: 21_600,
};

// Patterns: plain shapes only. No quote, space (except between flags), $, `, ;, |, &, <, >, (, ),
// backslash or newline can pass, so a value substituted into '…' in the script stays one word.
const NAME = '[A-Za-z0-9][A-Za-z0-9._-]{0,63}';
const PATH = '/[A-Za-z0-9._/-]{0,1023}';

function parameters(step: HostStep): Record<string, DocumentParameter> {
  const p = (description: string, allowedPattern: string, def?: string): DocumentParameter =>
    def === undefined
      ? { type: 'String', description, allowedPattern }
      : { type: 'String', description, allowedPattern, default: def };
  return {
    mode: p(
      'relay: run over ssh from the relay; direct: run on this node (an LPAR with its own agent).',
      '^(relay|direct)$',
      'relay',
    ),
    host: p('The LPAR host name (as `hostname` prints it); names the images.', `^${NAME}$`),
    address: p(
      'Address ssh connects to (relay mode); empty: the host name.',
      '^$|^[A-Za-z0-9][A-Za-z0-9.:-]{0,254}$',
      '',
    ),
    sshUser: p('User on the LPAR (relay mode).', '^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$', 'root'),
    sshKeyPath: p(
      'Private key on the relay (relay mode); empty: ssh defaults.',
      `^$|^${PATH}$`,
      '/etc/mksysb-vault/id_ed25519',
    ),
    knownHostsPath: p(
      'Pinned host keys on the relay (relay mode); empty: ssh defaults.',
      `^$|^${PATH}$`,
      '/etc/mksysb-vault/known_hosts',
    ),
    connectTimeout: p('ssh connect timeout in seconds.', '^[0-9]{1,3}$', '15'),
    staging: p(
      'Staging directory on the LPAR (its own filesystem, never / or /tmp).',
      `^${PATH}$`,
      '/mksysb',
    ),
    date: p('Image date YYYY-MM-DD; empty: today (UTC) on the node.', '^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$', ''),
    expectedSizeBytes: p('Expected image size from history (preflight sizing).', '^[0-9]{1,15}$', '0'),
    sizeFactor: p(
      'Free space needed in staging, as a multiple of the expected size.',
      '^[0-9]{1,3}(\\.[0-9]{1,3})?$',
      '1.5',
    ),
    volumeGroups: p('Non-root volume groups to savevg, comma-separated.', `^$|^${NAME}(,${NAME}){0,31}$`, ''),
    mksysbFlags: p(
      'Extra mksysb flags (letters only), e.g. "-e -X".',
      '^$|^-[A-Za-z]{1,3}( -[A-Za-z]{1,3}){0,7}$',
      '-X',
    ),
    keepLocal: p('Local images of each kind to keep in staging (at least 1).', '^[0-9]{1,2}$', '2'),
    partSizeBytes: p(
      'Upload part size in bytes, as prepare-upload plans it: backup writes the MD5 of each part beside the image; 0: none.',
      '^[0-9]{1,10}$',
      String(64 * 1024 * 1024),
    ),
    manifestUrl: p(
      'Presigned GET URL of the upload manifest (transfer).',
      '^$|^https?://[A-Za-z0-9._~:/?&=%+-]{1,8000}$',
      '',
    ),
    parallelParts: p('Parts in flight at once (transfer).', '^[0-9]{1,2}$', '4'),
    partRetries: p('Attempts per part before it counts as failed (transfer).', '^[0-9]{1,2}$', '5'),
    retryDelaySeconds: p(
      'First back-off between attempts of a part; doubles each time (transfer).',
      '^[0-9]{1,3}$',
      '2',
    ),
    limitRate: p(
      'Cap on each part stream, as curl --limit-rate takes it (e.g. 20M); empty: no cap (transfer).',
      '^$|^[1-9][0-9]{0,3}[KkMmGg]?$',
      '',
    ),
    imagePath: p('Image to transfer; empty: <staging>/<host>_mksysb_<date>.', `^$|^${PATH}$`, ''),
    timeoutSeconds: p(
      'How long SSM lets the step run.',
      '^[0-9]{1,6}$',
      String(EXECUTION_TIMEOUT_SECONDS[step]),
    ),
  };
}

function heredoc(path: string, text: string, eof: string): string[] {
  return [`cat >"${path}" <<'${eof}'`, ...text.split('\n'), eof];
}

/** Bytes the heredoc writes for `text`: each of its lines and a newline. */
function heredocBytes(text: string): number {
  return Buffer.byteLength(`${text.split('\n').join('\n')}\n`, 'utf8');
}

/**
 * A script written to the temp dir, then checked before it runs: exactly the bytes the document
 * holds. A full temp dir cuts the heredoc short or leaves it empty (ksh and bash buffer heredocs in
 * $TMPDIR too), and a cut script would run half its text, an empty one "succeed" with no output.
 */
function writeChecked(path: string, text: string, eof: string): string[] {
  return [...heredoc(path, text, eof), `mv_check_script "${path}" ${heredocBytes(text)}`];
}

// Defined before the heredocs: fails the step with the protocol's lines, naming the script, its
// size and the temp dir.
const CHECK_SCRIPT = (step: HostStep): string[] => [
  'mv_check_script() {',
  '  mv_bytes=$(wc -c <"$1" 2>/dev/null | tr -d " ")',
  '  [ -n "$mv_bytes" ] || mv_bytes=0',
  '  [ "$mv_bytes" = "$2" ] && return 0',
  `  printf 'mksysb-vault: %s has %s of %s bytes: is %s full?\\n' "$1" "$mv_bytes" "$2" "$(dirname "$MV_DIR")" >&2`,
  `  printf '%s\\n' 'mksysb-vault.step=${step}' "reason=script_incomplete:$1:bytes_$mv_bytes""_of_$2" 'status=failed'`,
  '  rm -rf "$MV_DIR"',
  '  exit 11',
  '}',
];

// Values are always substituted inside '…': the allowedPatterns admit no quote.
function stepArguments(step: HostStep): string {
  switch (step) {
    case 'preflight':
      return `host="$MV_HOST" staging='{{ staging }}' expectedSizeBytes='{{ expectedSizeBytes }}' sizeFactor='{{ sizeFactor }}' mksysbFlags='{{ mksysbFlags }}' volumeGroups='{{ volumeGroups }}'`;
    case 'backup':
      return `host="$MV_HOST" staging='{{ staging }}' date="$MV_DATE" volumeGroups='{{ volumeGroups }}' mksysbFlags='{{ mksysbFlags }}' keepLocal='{{ keepLocal }}' partSizeBytes='{{ partSizeBytes }}'`;
    case 'transfer':
      return `mode="$MV_MODE" host="$MV_HOST" address="$MV_ADDRESS" sshUser='{{ sshUser }}' sshKeyPath='{{ sshKeyPath }}' knownHostsPath='{{ knownHostsPath }}' connectTimeout='{{ connectTimeout }}' imagePath="$MV_IMAGE" manifestUrl='{{ manifestUrl }}' parallelParts='{{ parallelParts }}' partRetries='{{ partRetries }}' retryDelaySeconds='{{ retryDelaySeconds }}' limitRate='{{ limitRate }}'`;
  }
}

function runCommand(step: HostStep): string[] {
  const sshArgs = `address="$MV_ADDRESS" sshUser='{{ sshUser }}' sshKeyPath='{{ sshKeyPath }}' knownHostsPath='{{ knownHostsPath }}' connectTimeout='{{ connectTimeout }}'`;
  const run =
    step === 'transfer'
      ? [`sh "$MV_DIR/step.sh" ${stepArguments(step)}`]
      : [
          'if [ "$MV_MODE" = relay ]; then',
          `  sh "$MV_DIR/relay.sh" step=${step} script="$MV_DIR/step.sh" ${sshArgs} -- ${stepArguments(step)}`,
          'else',
          `  sh "$MV_DIR/step.sh" ${stepArguments(step)}`,
          'fi',
        ];
  return [
    `# mksysb-vault ${step}: scripts from lib/host-scripts, protocol in docs/host-protocol.md`,
    'umask 077',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a JS template.
    'MV_DIR="${TMPDIR:-/tmp}/mksysb-vault-ssm.$$"',
    `if ! mkdir -m 700 "$MV_DIR"; then printf '%s\\n' 'mksysb-vault.step=${step}' 'reason=workdir_unavailable' 'status=failed'; exit 11; fi`,
    ...CHECK_SCRIPT(step),
    ...writeChecked('$MV_DIR/step.sh', HOST_SCRIPTS[step], STEP_EOF),
    ...(step === 'transfer' ? [] : writeChecked('$MV_DIR/relay.sh', HOST_SCRIPTS.relay, RELAY_EOF)),
    "MV_MODE='{{ mode }}'",
    "MV_HOST='{{ host }}'",
    "MV_DATE='{{ date }}'",
    '[ -n "$MV_DATE" ] || MV_DATE=$(date -u +%Y-%m-%d)',
    "MV_ADDRESS='{{ address }}'",
    '[ -n "$MV_ADDRESS" ] || MV_ADDRESS=$MV_HOST',
    "MV_IMAGE='{{ imagePath }}'",
    `[ -n "$MV_IMAGE" ] || MV_IMAGE='{{ staging }}'/"$MV_HOST"_mksysb_"$MV_DATE"`,
    ...run,
    'MV_RC=$?',
    'rm -rf "$MV_DIR"',
    'exit $MV_RC',
  ];
}

const DESCRIPTIONS: Record<HostStep, string> = {
  preflight:
    'mksysb-vault preflight: checks an LPAR can take a backup now (space, /tmp, volume groups, lock).',
  backup: 'mksysb-vault backup: mksysb -i and savevg to the staging filesystem, with sidecars and checksums.',
  transfer: 'mksysb-vault transfer: PUTs an image to S3 through presigned multipart URLs from a manifest.',
};

/** The SSM Command document (aws:runShellScript, schemaVersion 2.2) of one step. */
export function documentContent(step: HostStep): CommandDocumentContent {
  return {
    schemaVersion: '2.2',
    description: DESCRIPTIONS[step],
    parameters: parameters(step),
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: step,
        inputs: { timeoutSeconds: '{{ timeoutSeconds }}', runCommand: runCommand(step) },
      },
    ],
  };
}
